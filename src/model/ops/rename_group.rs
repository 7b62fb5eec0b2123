//! `incus cluster group rename GROUP TO` (cmd/incus/cluster_group.go:659-680):
//! `POST /1.0/cluster/groups/GROUP` with `{"name": TO}`
//! (client/incus_cluster.go:282-291).

use serde_json::json;

use super::rest::{Exchange, Method, Request};
use super::{Args, Field, Fields, Operation, Refused, Value};
use crate::model::message::Call;
use crate::model::names::Names;

pub struct RenameGroup;

impl Operation for RenameGroup {
    fn name(&self) -> &'static str {
        "rename-group"
    }
    fn usage(&self) -> &'static str {
        "incus cluster group rename GROUP TO"
    }
    fn needs(&self) -> &'static [Field] {
        &[Field::Group, Field::To]
    }
    fn compile(&self, fields: &mut dyn Fields) -> Result<Args, Refused> {
        let group = fields.group(Field::Group)?;
        let to = fields.group(Field::To)?;
        Ok(Args::default()
            .with(Field::Group, Value::Group(group))
            .with(Field::To, Value::Group(to)))
    }
    fn first_call(&self, args: &Args) -> Call {
        Call::RenameClusterGroup {
            group: args.group(Field::Group),
            to: args.group(Field::To),
        }
    }
    fn label(&self, _: &Args) -> &'static str {
        "cluster group rename"
    }
    fn command_line(&self, args: &Args, names: &Names) -> String {
        format!(
            "cluster group rename {} {}",
            names.group_str(args.group(Field::Group)),
            names.group_str(args.group(Field::To))
        )
    }
    fn rest(&self, args: &Args, names: &Names) -> Exchange {
        let group = names.group_str(args.group(Field::Group));
        let to = names.group_str(args.group(Field::To));
        Exchange::Send(Request::new(
            Method::Post,
            format!("/1.0/cluster/groups/{group}"),
            Some(json!({ "name": to })),
        ))
    }
}
