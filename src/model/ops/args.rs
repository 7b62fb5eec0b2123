//! What an operation's command holds: its compiled fields, and the handle
//! on the operation itself. Apart from `mod.rs` so that the messages that
//! carry them need not know the operations.

use crate::model::db::Config;
use crate::model::names::{GroupName, Sym};

/// A handle on a registered operation, by its name, which is unique (a
/// test holds it): what a [`Call::Operation`](crate::model::message::Call)
/// carries.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Op(pub &'static str);

impl std::fmt::Debug for Op {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
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
