//! `incus cluster rename MEMBER TO` (cmd/incus/cluster.go:651-672):
//! `POST /1.0/cluster/members/MEMBER` with `{"server_name": TO}`
//! (client/incus_cluster.go:176-185).

use serde_json::json;

use super::rest::{Exchange, Method, Request};
use super::{Args, Field, Fields, Operation, Refused, Value};
use crate::model::message::Call;
use crate::model::names::Names;

pub struct RenameMember;

/// The scenario name, which the compiler's removal check follows.
pub const NAME: &str = "rename-member";

impl Operation for RenameMember {
    fn name(&self) -> &'static str {
        NAME
    }
    fn usage(&self) -> &'static str {
        "incus cluster rename MEMBER TO"
    }
    fn needs(&self) -> &'static [Field] {
        &[Field::Member, Field::To]
    }
    fn compile(&self, fields: &mut dyn Fields) -> Result<Args, Refused> {
        let member = fields.name(Field::Member)?;
        let to = fields.name(Field::To)?;
        Ok(Args::default()
            .with(Field::Member, Value::Name(member))
            .with(Field::To, Value::Name(to)))
    }
    fn first_call(&self, args: &Args) -> Call {
        Call::RenameClusterMember {
            member: args.name(Field::Member),
            to: args.name(Field::To),
        }
    }
    fn label(&self, _: &Args) -> &'static str {
        "cluster rename"
    }
    fn command_line(&self, args: &Args, names: &Names) -> String {
        format!(
            "cluster rename {} {}",
            names.str(args.name(Field::Member)),
            names.str(args.name(Field::To))
        )
    }
    fn rest(&self, args: &Args, names: &Names) -> Exchange {
        let member = names.str(args.name(Field::Member));
        let to = names.str(args.name(Field::To));
        Exchange::Send(Request::new(
            Method::Post,
            format!("/1.0/cluster/members/{member}"),
            Some(json!({ "server_name": to })),
        ))
    }
}
