//! `incus cluster group delete GROUP` (cmd/incus/cluster_group.go:266-293):
//! `DELETE /1.0/cluster/groups/GROUP` (client/incus_cluster.go:310-319).

use super::rest::{Exchange, Method, Request};
use super::{Args, Field, Fields, Operation, Refused, Value};
use crate::model::message::Call;
use crate::model::names::Names;

pub struct DeleteGroup;

impl Operation for DeleteGroup {
    fn name(&self) -> &'static str {
        "delete-group"
    }
    fn usage(&self) -> &'static str {
        "incus cluster group delete GROUP"
    }
    fn needs(&self) -> &'static [Field] {
        &[Field::Group]
    }
    fn compile(&self, fields: &mut dyn Fields) -> Result<Args, Refused> {
        Ok(Args::default().with(Field::Group, Value::Group(fields.group(Field::Group)?)))
    }
    fn first_call(&self, args: &Args) -> Call {
        Call::DeleteClusterGroup {
            group: args.group(Field::Group),
        }
    }
    fn label(&self, _: &Args) -> &'static str {
        "cluster group delete"
    }
    fn command_line(&self, args: &Args, names: &Names) -> String {
        format!("cluster group delete {}", names.group_str(args.group(Field::Group)))
    }
    fn rest(&self, args: &Args, names: &Names) -> Exchange {
        let group = names.group_str(args.group(Field::Group));
        Exchange::Send(Request::new(
            Method::Delete,
            format!("/1.0/cluster/groups/{group}"),
            None,
        ))
    }
}
