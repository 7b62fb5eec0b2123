//! `incus cluster remove MEMBER [--force]` (cmd/incus/cluster.go:734-762):
//! `DELETE /1.0/cluster/members/MEMBER[?force=1]`
//! (client/incus_cluster.go:48-62).

use super::rest::{Exchange, Method, Request};
use super::{Args, Field, Fields, Operation, Refused, Value};
use crate::model::message::Call;
use crate::model::names::Names;

pub struct RemoveMember;

/// The scenario name, which the compiler's removal check follows.
pub const NAME: &str = "remove-member";

impl Operation for RemoveMember {
    fn name(&self) -> &'static str {
        NAME
    }
    fn usage(&self) -> &'static str {
        "incus cluster remove MEMBER [--force]"
    }
    fn needs(&self) -> &'static [Field] {
        &[Field::Member]
    }
    fn may(&self) -> &'static [Field] {
        &[Field::Force]
    }
    fn compile(&self, fields: &mut dyn Fields) -> Result<Args, Refused> {
        let member = fields.name(Field::Member)?;
        let force = fields.flag(Field::Force);
        Ok(Args::default()
            .with(Field::Member, Value::Name(member))
            .with(Field::Force, Value::Flag(force)))
    }
    fn first_call(&self, args: &Args) -> Call {
        Call::DeleteClusterMember {
            member: args.name(Field::Member),
            force: args.flag(Field::Force),
        }
    }
    fn label(&self, _: &Args) -> &'static str {
        "cluster remove"
    }
    fn command_line(&self, args: &Args, names: &Names) -> String {
        let force = if args.flag(Field::Force) { " --force" } else { "" };
        format!("cluster remove {}{force}", names.str(args.name(Field::Member)))
    }
    fn rest(&self, args: &Args, names: &Names) -> Exchange {
        let member = names.str(args.name(Field::Member));
        let force = if args.flag(Field::Force) { "?force=1" } else { "" };
        Exchange::Send(Request::new(
            Method::Delete,
            format!("/1.0/cluster/members/{member}{force}"),
            None,
        ))
    }
}
