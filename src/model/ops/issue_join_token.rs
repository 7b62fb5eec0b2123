//! `incus cluster add NAME` (cmd/incus/cluster.go `cmdClusterAdd.Run`):
//! `POST /1.0/cluster/members` with the server name
//! (client/incus_cluster.go `CreateClusterMember`); the client prints the
//! token from the operation's metadata and does not wait for it.
//!
//! The server, `clusterNodesPost` (cmd/incusd/api_cluster.go:1414-1599 at
//! be7afc5df3, 1268-1383 at v6.0.4): refused while a non-pending member has
//! the name (`The cluster already has a member with name: X`, :1506 at
//! be7afc5df3, :1305 at v6.0.4); then it cancels every running join token
//! of that name ("this way we only ever have one active join token for each
//! potential new member", :1537-1563 at be7afc5df3, :1330-1356 at v6.0.4)
//! and creates a new one. So an operator who issues a token again
//! revokes the one the joiner holds: the joiner's J1 then finds no matching
//! join operation. The new token is the operator's; no joiner in the model
//! uses it.

use serde_json::json;

use super::rest::{Exchange, Method, Request};
use super::{Args, Endpoint, Field, Fields, Op, Operation, Refused, Routing, Value};
use crate::model::db::Db;
use crate::model::message::{Answer, ApiError, Outcome, Tx};
use crate::model::names::Names;
use crate::model::tables::{Access, Table};

pub struct IssueJoinToken;

impl Operation for IssueJoinToken {
    fn name(&self) -> &'static str {
        "issue-join-token"
    }
    fn usage(&self) -> &'static str {
        "incus cluster add NAME"
    }
    fn needs(&self) -> &'static [Field] {
        &[Field::Member]
    }
    fn compile(&self, fields: &mut dyn Fields) -> Result<Args, Refused> {
        let member = fields.name(Field::Member)?;
        Ok(Args::default().with(Field::Member, Value::Name(member)))
    }
    fn label(&self, _: &Args) -> &'static str {
        "cluster add"
    }
    fn command_line(&self, args: &Args, names: &Names) -> String {
        format!("cluster add {}", names.str(args.name(Field::Member)))
    }
    fn rest(&self, args: &Args, names: &Names) -> Exchange {
        Exchange::Send(Request::new(
            Method::Post,
            "/1.0/cluster/members",
            Some(json!({ "server_name": names.str(args.name(Field::Member)) })),
        ))
    }
    fn endpoint(&self) -> Option<&dyn Endpoint> {
        Some(self)
    }
}

impl Endpoint for IssueJoinToken {
    fn routing(&self) -> Routing {
        Routing::AnyMember
    }
    fn takes_membership_mutex(&self) -> bool {
        false
    }
    fn transaction(&self, op: Op, args: &Args, stage: u8, _: &Answer) -> Option<Tx> {
        (stage == 0).then(|| Tx::Operation {
            op,
            step: 0,
            args: args.clone(),
        })
    }
    fn access(&self, _: u8) -> Access {
        Access::new(&[Table::Nodes, Table::JoinTokens], &[Table::JoinTokens])
    }
    fn read(&self, _: u8, _: &Args, _: &Db, _: &Names) -> Outcome {
        unreachable!("issue-join-token's transaction writes")
    }
    fn write(&self, _: u8, args: &Args, db: &mut Db, names: &Names) -> Result<(), ApiError> {
        let name = args.name(Field::Member);
        if db.member_named(name, false).is_some() {
            return Err(ApiError::new(format!(
                "The cluster already has a member with name: {}",
                names.str(name)
            )));
        }
        // The joiner's token of that name, cancelled.
        let held = db.tokens.iter().find(|&joiner| names.server_name(joiner) == name);
        if let Some(joiner) = held {
            db.tokens.remove(joiner);
        }
        Ok(())
    }
    fn tx_text(&self, _: u8, args: &Args, names: &Names) -> String {
        format!("clusterNodesPost({}): cancel its join tokens", names.str(args.name(Field::Member)))
    }
}
