//! `incus cluster group create GROUP` (cmd/incus/cluster_group.go:197-240):
//! `POST /1.0/cluster/groups` with the name (client/incus_cluster.go:296-305).

use serde_json::json;

use super::rest::{Exchange, Method, Request};
use super::{Args, Field, Fields, Operation, Refused, Value};
use crate::model::message::Call;
use crate::model::names::Names;

pub struct CreateGroup;

impl Operation for CreateGroup {
    fn name(&self) -> &'static str {
        "create-group"
    }
    fn usage(&self) -> &'static str {
        "incus cluster group create GROUP"
    }
    fn needs(&self) -> &'static [Field] {
        &[Field::Group]
    }
    fn compile(&self, fields: &mut dyn Fields) -> Result<Args, Refused> {
        Ok(Args::default().with(Field::Group, Value::Group(fields.group(Field::Group)?)))
    }
    fn first_call(&self, args: &Args) -> Call {
        Call::CreateClusterGroup {
            group: args.group(Field::Group),
        }
    }
    fn label(&self, _: &Args) -> &'static str {
        "cluster group create"
    }
    fn command_line(&self, args: &Args, names: &Names) -> String {
        format!("cluster group create {}", names.group_str(args.group(Field::Group)))
    }
    fn rest(&self, args: &Args, names: &Names) -> Exchange {
        let group = names.group_str(args.group(Field::Group));
        Exchange::Send(Request::new(
            Method::Post,
            "/1.0/cluster/groups",
            Some(json!({ "name": group })),
        ))
    }
}
