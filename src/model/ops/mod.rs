//! Operator operations: the `incus` commands a scripted admin runs, one
//! file each behind [`Operation`], listed once in [`OPERATIONS`]. An
//! operation holds everything about itself: the scenario fields it takes and
//! how they compile, the API requests the client sends and what it does
//! with their answers, the REST exchange a real back end would send
//! ([`rest`]), and its trace text. The scenario compiler, the traces,
//! `joinsim list` and `joinsim help scenario` read this list.
//!
//! An operation added since owns its endpoint ([`Operation::endpoint`]):
//! its request is [`Call::Operation`], its transactions [`Tx::Operation`],
//! declared here with their tables and trace text. The earlier operations
//! call endpoints that `message.rs` names one variant each, whose
//! transactions are in `admin.rs` and `admin_tx.rs`; some are shared
//! (`cluster group assign`, `add` and `remove` all PUT a member, the
//! project key commands all PUT a project, the join's reverter runs the
//! member removal's). They stay there because the trace hash folds in each
//! message's variant: moving them would change every saved hash.
//! Citations are `file:line` at lxc/incus be7afc5df3.

pub mod args;
pub mod rest;

mod member_groups;

use super::db::{Config, Db};
use super::message::{Answer, ApiError, Call, Outcome, Tx};
use super::names::{GroupName, Names, Sym};
use super::tables::Access;
pub use args::{Args, Field, Op, Value};

/// Declares each operation's module and lists it in [`OPERATIONS`]:
/// adding an operation is its file and one line here.
macro_rules! operations {
    ($($module:ident::$operation:ident,)*) => {
        $(mod $module;)*

        /// Every operation a scenario can script, in the order `help` lists them.
        pub static OPERATIONS: &[&dyn Operation] = &[$(&$module::$operation),*];
    };
}

operations! {
    create_group::CreateGroup,
    delete_group::DeleteGroup,
    rename_group::RenameGroup,
    assign_member::AssignMember,
    add_member_to_group::AddMemberToGroup,
    remove_member_from_group::RemoveMemberFromGroup,
    rename_member::RenameMember,
    remove_member::RemoveMember,
    set_project_key::SetProjectKey,
    unset_project_key::UnsetProjectKey,
    put_project::PutProject,
    patch_project::PatchProject,
    create_pool::CreatePool,
    create_network::CreateNetwork,
    create_project::CreateProject,
    issue_join_token::IssueJoinToken,
}

/// One operator operation.
pub trait Operation: Sync {
    /// The scenario's `op` value, e.g. `create-group`.
    fn name(&self) -> &'static str;
    /// The `incus` command it stands for, as a usage line (for `help`).
    fn usage(&self) -> &'static str;
    /// The fields a command of this operation must have.
    fn needs(&self) -> &'static [Field];
    /// The fields it may have besides.
    fn may(&self) -> &'static [Field] {
        &[]
    }
    /// Reads the command's fields (each field named by [`Self::needs`] is
    /// present; the caller checked), in the order they are interned.
    fn compile(&self, fields: &mut dyn Fields) -> Result<Args, Refused>;
    /// The first API request the client sends: by default the request of
    /// the operation's own endpoint ([`Call::Operation`]).
    fn first_call(&self, args: &Args) -> Call {
        Call::Operation {
            op: Op(self.name()),
            args: args.clone(),
        }
    }
    /// What the client does with a successful answer to `call`, one of
    /// its requests (a redirect to the leader is followed before this):
    /// by default, a command of one request is done.
    fn after(&self, _args: &Args, _call: &Call, _answer: &Answer, _names: &Names) -> Next {
        Next::Done
    }
    /// A short name of the command, for trace labels.
    fn label(&self, args: &Args) -> &'static str;
    /// The command line after `incus`, for traces.
    fn command_line(&self, args: &Args, names: &Names) -> String;
    /// The REST exchange the `incus` client makes.
    fn rest(&self, args: &Args, names: &Names) -> rest::Exchange;
    /// The server side of the request it sends as [`Call::Operation`], for
    /// an operation whose endpoint no other operation calls. `None` for one
    /// that calls the endpoints of `admin.rs`, which operations share.
    fn endpoint(&self) -> Option<&dyn Endpoint> {
        None
    }
}

/// The server side of an operation's own request ([`Call::Operation`]):
/// the handler's transactions, each declared with its tables, run by the
/// leader as [`Tx::Operation`] (or an endpoint-independent [`Tx`] such as
/// `ValidateProjectConfig`).
pub trait Endpoint: Sync {
    /// How a member that is not the leader treats the request.
    fn routing(&self) -> Routing;
    /// Whether the handler runs under the leader's `clusterMembershipMutex`.
    fn takes_membership_mutex(&self) -> bool;
    /// The transaction the handler runs at `stage` (after `stage` answers,
    /// the last `previous`), or `None` when it is done and replies.
    fn transaction(&self, op: Op, args: &Args, stage: u8, previous: &Answer) -> Option<Tx>;
    /// The tables transaction `step` of [`Tx::Operation`] reads and writes.
    fn access(&self, step: u8) -> Access;
    /// Runs a transaction whose access writes nothing.
    fn read(&self, step: u8, args: &Args, db: &Db, names: &Names) -> Outcome;
    /// Runs a writing transaction on a copy of the database, which the
    /// leader commits only on success.
    fn write(&self, step: u8, args: &Args, db: &mut Db, names: &Names) -> Result<(), ApiError>;
    /// The Incus function a transaction stands for, for traces.
    fn tx_text(&self, step: u8, args: &Args, names: &Names) -> String;
}

/// Where a member that is not the leader sends a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Routing {
    /// Any member handles it, sending its transactions to the leader.
    AnyMember,
    /// Answered with a redirect to the leader (`SyncResponseRedirect`).
    RedirectToLeader,
    /// Forwarded to the leader with the member's own client.
    ForwardToLeader,
    /// Forwarded to the member the request names, with the member's own
    /// client (`forwardedResponseToNode`, cmd/incusd/response.go:12-30 at
    /// be7afc5df3): the handler's first transaction resolves that member
    /// (`cluster.ResolveTarget`), and on that member itself it is skipped.
    ForwardToMember,
}

impl Op {
    /// The registered operation.
    pub fn get(self) -> &'static dyn Operation {
        *OPERATIONS
            .iter()
            .find(|o| o.name() == self.0)
            .unwrap_or_else(|| unreachable!("{} is registered", self.0))
    }

    /// The endpoint of an operation that sends [`Call::Operation`].
    pub fn endpoint(self) -> &'static dyn Endpoint {
        self.get()
            .endpoint()
            .unwrap_or_else(|| unreachable!("{} sends no request of its own", self.0))
    }
}

pub use remove_member::NAME as REMOVE_MEMBER;
pub use rename_member::NAME as RENAME_MEMBER;

/// The operation named `name` in a scenario.
pub fn find(name: &str) -> Option<Op> {
    OPERATIONS.iter().find(|o| o.name() == name).map(|o| Op(o.name()))
}

/// One `incus` command of a scripted admin: an operation of the registry
/// and its compiled fields.
#[derive(Clone, Debug, PartialEq, Hash)]
pub struct Command {
    pub op: Op,
    pub args: Args,
}

impl Command {
    /// A short name of the command, for trace labels.
    pub fn name(&self) -> &'static str {
        self.op.get().label(&self.args)
    }

    /// The command line after `incus`, for traces.
    pub fn line(&self, names: &Names) -> String {
        self.op.get().command_line(&self.args, names)
    }
}

/// What the client does after an answer.
#[derive(Clone, Debug, PartialEq, Hash)]
pub enum Next {
    /// The command succeeded.
    Done,
    /// The client sends this request next.
    Send(Call),
    /// The command failed: an API error, or the client's own refusal of
    /// what it read.
    Failed(ApiError),
}

/// The reader of a command's fields, which the scenario compiler provides:
/// it interns names and, on bad input, keeps the error (naming file, line
/// and key) and answers [`Refused`].
pub trait Fields {
    /// A name (member, project, key, pool, network).
    fn name(&mut self, field: Field) -> Result<Sym, Refused>;
    fn group(&mut self, field: Field) -> Result<GroupName, Refused>;
    fn groups(&mut self, field: Field) -> Result<Vec<GroupName>, Refused>;
    /// A flag; absent is false.
    fn flag(&mut self, field: Field) -> bool;
    /// A config table.
    fn config(&mut self, field: Field) -> Result<Config, Refused>;
    /// A config value for `key`; absent or empty is `None` (Incus stores
    /// no empty value).
    fn config_value(&mut self, key: Sym, field: Field) -> Result<Option<Sym>, Refused>;
    /// The operation's own refusal of a field's value.
    fn refuse(&mut self, field: Field, message: &str) -> Refused;
}

/// A command's fields were refused; the [`Fields`] reader holds the error.
#[derive(Debug, Hash)]
pub struct Refused;

/// A project config as traces write it: `{k=v, ...}`.
pub fn config_text(names: &Names, config: &Config) -> String {
    let pairs: Vec<String> = config
        .0
        .iter()
        .map(|(k, v)| format!("{}={}", names.str(*k), names.str(*v)))
        .collect();
    format!("{{{}}}", pairs.join(", "))
}

/// A project config as a JSON object, for a request body.
pub fn config_json(names: &Names, config: &Config) -> serde_json::Value {
    let map = config
        .0
        .iter()
        .map(|(k, v)| (names.str(*k).to_string(), serde_json::Value::from(names.str(*v))))
        .collect();
    serde_json::Value::Object(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_names_are_unique() {
        let mut names: Vec<&str> = OPERATIONS.iter().map(|o| o.name()).collect();
        names.sort_unstable();
        let count = names.len();
        names.dedup();
        assert_eq!(names.len(), count, "{names:?}");
    }

    #[test]
    fn an_operation_may_have_only_fields_it_does_not_need() {
        for op in OPERATIONS {
            assert!(!op.may().iter().any(|f| op.needs().contains(f)), "{}", op.name());
        }
    }
}
