//! Operator operations: the `incus` commands a scripted admin runs, one
//! file each behind [`Operation`], listed once in [`OPERATIONS`]. An
//! operation holds everything about itself: the scenario fields it takes and
//! how they compile, the API requests the client sends and what it does
//! with their answers, the REST exchange a real back end would send
//! ([`rest`]), and its trace text. The scenario compiler, the traces,
//! `joinsim list` and `joinsim help scenario` read this list.
//!
//! The endpoints an operation calls (their transactions, in `admin.rs` and
//! `admin_tx.rs`) are shared between operations (`cluster group assign`,
//! `add` and `remove` all PUT a member), so they live with the endpoints,
//! not here. Citations are `file:line` at lxc/incus be7afc5df3.

pub mod rest;

mod add_member_to_group;
mod assign_member;
mod create_group;
mod create_network;
mod create_pool;
mod delete_group;
mod member_groups;
mod patch_project;
mod put_project;
mod remove_member;
mod remove_member_from_group;
mod rename_group;
mod rename_member;
mod set_project_key;
mod unset_project_key;

use super::db::Config;
use super::message::{Answer, ApiError, Call};
use super::names::{GroupName, Names, Sym};

/// Every operation a scenario can script, in the order `help` lists them.
pub static OPERATIONS: &[&dyn Operation] = &[
    &create_group::CreateGroup,
    &delete_group::DeleteGroup,
    &rename_group::RenameGroup,
    &assign_member::AssignMember,
    &add_member_to_group::AddMemberToGroup,
    &remove_member_from_group::RemoveMemberFromGroup,
    &rename_member::RenameMember,
    &remove_member::RemoveMember,
    &set_project_key::SetProjectKey,
    &unset_project_key::UnsetProjectKey,
    &put_project::PutProject,
    &patch_project::PatchProject,
    &create_pool::CreatePool,
    &create_network::CreateNetwork,
];

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
    /// The first API request the client sends.
    fn first_call(&self, args: &Args) -> Call;
    /// What the client does with a successful answer to `call`, one of
    /// its requests (a redirect to the leader is followed before this).
    fn after(&self, args: &Args, call: &Call, answer: &Answer, names: &Names) -> Next;
    /// A short name of the command, for trace labels.
    fn label(&self, args: &Args) -> &'static str;
    /// The command line after `incus`, for traces.
    fn command_line(&self, args: &Args, names: &Names) -> String;
    /// The REST exchange the `incus` client makes.
    fn rest(&self, args: &Args, names: &Names) -> rest::Exchange;
}

pub use remove_member::NAME as REMOVE_MEMBER;
pub use rename_member::NAME as RENAME_MEMBER;

/// The operation named `name` in a scenario.
pub fn find(name: &str) -> Option<Op> {
    OPERATIONS.iter().find(|o| o.name() == name).map(|&o| Op(o))
}

/// One `incus` command of a scripted admin: an operation of the registry
/// and its compiled fields.
#[derive(Clone, Debug, PartialEq)]
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
#[derive(Clone, Debug, PartialEq)]
pub enum Next {
    /// The command succeeded.
    Done,
    /// The client sends this request next.
    Send(Call),
    /// The command failed: an API error, or the client's own refusal of
    /// what it read.
    Failed(ApiError),
}

/// A handle on a registered operation: compared, hashed and printed by its
/// name, which is unique (a test holds it).
#[derive(Clone, Copy)]
pub struct Op(pub &'static dyn Operation);

impl Op {
    pub fn get(self) -> &'static dyn Operation {
        self.0
    }
}

impl std::fmt::Debug for Op {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.name())
    }
}

impl PartialEq for Op {
    fn eq(&self, other: &Op) -> bool {
        self.0.name() == other.0.name()
    }
}

impl Eq for Op {}

impl std::hash::Hash for Op {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.name().hash(state);
    }
}

/// A field of a scenario command (`{ op = "...", FIELD = ... }`), in the
/// order the compiler checks them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    Group,
    Groups,
    To,
    Member,
    Force,
    Project,
    Key,
    Value,
    Config,
    Pool,
    Network,
}

impl Field {
    pub const ALL: [Field; 11] = [
        Field::Group,
        Field::Groups,
        Field::To,
        Field::Member,
        Field::Force,
        Field::Project,
        Field::Key,
        Field::Value,
        Field::Config,
        Field::Pool,
        Field::Network,
    ];

    /// The key in the scenario file.
    pub fn name(self) -> &'static str {
        match self {
            Field::Group => "group",
            Field::Groups => "groups",
            Field::To => "to",
            Field::Member => "member",
            Field::Force => "force",
            Field::Project => "project",
            Field::Key => "key",
            Field::Value => "value",
            Field::Config => "config",
            Field::Pool => "pool",
            Field::Network => "network",
        }
    }
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
#[derive(Debug)]
pub struct Refused;

/// A compiled field value.
#[derive(Clone, Debug, Hash, PartialEq)]
pub enum Value {
    Name(Sym),
    Group(GroupName),
    Groups(Vec<GroupName>),
    Flag(bool),
    Config(Config),
    /// A config value that unsets its key.
    Unset,
}

/// A command's compiled fields.
#[derive(Clone, Debug, Default, Hash, PartialEq)]
pub struct Args(Vec<(Field, Value)>);

impl Args {
    pub fn with(mut self, field: Field, value: Value) -> Args {
        self.0.push((field, value));
        self
    }

    fn get(&self, field: Field) -> Option<&Value> {
        self.0.iter().find(|(f, _)| *f == field).map(|(_, v)| v)
    }

    pub fn name(&self, field: Field) -> Sym {
        match self.get(field) {
            Some(Value::Name(s)) => *s,
            other => unreachable!("{field:?} is not a name: {other:?}"),
        }
    }

    pub fn group(&self, field: Field) -> GroupName {
        match self.get(field) {
            Some(Value::Group(g)) => *g,
            other => unreachable!("{field:?} is not a group: {other:?}"),
        }
    }

    pub fn groups(&self, field: Field) -> &[GroupName] {
        match self.get(field) {
            Some(Value::Groups(list)) => list,
            other => unreachable!("{field:?} is not a group list: {other:?}"),
        }
    }

    pub fn flag(&self, field: Field) -> bool {
        match self.get(field) {
            Some(Value::Flag(b)) => *b,
            None => false,
            other => unreachable!("{field:?} is not a flag: {other:?}"),
        }
    }

    pub fn config(&self, field: Field) -> &Config {
        match self.get(field) {
            Some(Value::Config(c)) => c,
            other => unreachable!("{field:?} is not a config: {other:?}"),
        }
    }

    /// A config value: `None` unsets its key.
    pub fn value(&self, field: Field) -> Option<Sym> {
        match self.get(field) {
            Some(Value::Name(s)) => Some(*s),
            Some(Value::Unset) | None => None,
            other => unreachable!("{field:?} is not a config value: {other:?}"),
        }
    }
}

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
