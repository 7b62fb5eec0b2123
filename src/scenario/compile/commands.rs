//! One admin command: the operation it names, its fields checked against
//! what the operation needs, and compiled by the operation itself.

use super::compiler::Compiler;
use super::compiler::Result;
use crate::model::admin::Command;
use crate::model::db::Config;
use crate::model::names::{GroupName, Sym};
use crate::model::ops::{self, Field, Fields, OPERATIONS, Op, Refused};
use crate::scenario::error::ScenarioError;
use crate::scenario::file::{CommandFile, Text};

/// Where each field of a command is written, if it is.
pub(super) fn field_span(cmd: &CommandFile, field: Field) -> Option<std::ops::Range<usize>> {
    let text = |t: &Option<Text>| t.as_ref().map(|v| v.span());
    match field {
        Field::Group => text(&cmd.group),
        Field::Groups => cmd.groups.as_ref().map(|v| v.span()),
        Field::To => text(&cmd.to),
        Field::Member => text(&cmd.member),
        Field::Force => cmd.force.as_ref().map(|v| v.span()),
        Field::Project => text(&cmd.project),
        Field::Key => text(&cmd.key),
        Field::Value => text(&cmd.value),
        Field::Config => cmd.config.as_ref().map(|v| v.span()),
        Field::Pool => text(&cmd.pool),
        Field::Network => text(&cmd.network),
    }
}

/// The text of a field that holds one name.
pub(super) fn field_text(cmd: &CommandFile, field: Field) -> Option<&Text> {
    match field {
        Field::Group => cmd.group.as_ref(),
        Field::To => cmd.to.as_ref(),
        Field::Member => cmd.member.as_ref(),
        Field::Project => cmd.project.as_ref(),
        Field::Key => cmd.key.as_ref(),
        Field::Value => cmd.value.as_ref(),
        Field::Pool => cmd.pool.as_ref(),
        Field::Network => cmd.network.as_ref(),
        Field::Groups | Field::Force | Field::Config => None,
    }
}

/// The operation `cmd` names, its fields checked against what it needs.
pub(super) fn admin_op(c: &Compiler<'_>, cmd: &CommandFile, key: &str) -> Result<Op> {
    let name = cmd.op.get_ref().as_str();
    let Some(op) = ops::find(name) else {
        let known: Vec<&str> = OPERATIONS.iter().map(|o| o.name()).collect();
        return Err(c.at(
            &cmd.op,
            &format!("{key}.op"),
            format!("unknown admin operation \"{name}\" (known: {})", known.join(", ")),
        ));
    };
    let (needs, may) = (op.get().needs(), op.get().may());
    // A missing field first: `group` where `groups` is needed says more as
    // "needs `groups`" than as "takes no `group`".
    if let Some(field) = Field::ALL
        .into_iter()
        .find(|f| needs.contains(f) && field_span(cmd, *f).is_none())
    {
        return Err(c.at(
            &cmd.op,
            &format!("{key}.{}", field.name()),
            format!("\"{name}\" needs `{}`", field.name()),
        ));
    }
    let extra = Field::ALL
        .into_iter()
        .find(|f| field_span(cmd, *f).is_some() && !needs.contains(f) && !may.contains(f));
    if let Some(field) = extra {
        return Err(c.error(
            field_span(cmd, field),
            &format!("{key}.{}", field.name()),
            format!("\"{name}\" takes no `{}`", field.name()),
        ));
    }
    Ok(op)
}

pub(super) fn admin_command(c: &mut Compiler<'_>, cmd: &CommandFile, key: &str) -> Result<Command> {
    let op = admin_op(c, cmd, key)?;
    let mut fields = CommandFields {
        c,
        cmd,
        key,
        error: None,
    };
    match op.get().compile(&mut fields) {
        Ok(args) => Ok(Command { op, args }),
        Err(Refused) => Err(fields.error.expect("a refusal keeps its error")),
    }
}

/// The scenario compiler's reader of one command's fields, for
/// [`crate::model::ops::Operation::compile`].
pub(super) struct CommandFields<'c, 'a> {
    c: &'c mut Compiler<'a>,
    cmd: &'c CommandFile,
    key: &'c str,
    error: Option<ScenarioError>,
}

impl CommandFields<'_, '_> {
    fn keep(&mut self, error: ScenarioError) -> Refused {
        self.error = Some(error);
        Refused
    }

    fn sub(&self, field: Field) -> String {
        format!("{}.{}", self.key, field.name())
    }

    fn text(&self, field: Field) -> Text {
        field_text(self.cmd, field).cloned().expect("checked by admin_op")
    }
}

impl Fields for CommandFields<'_, '_> {
    fn name(&mut self, field: Field) -> std::result::Result<Sym, Refused> {
        let (text, key) = (self.text(field), self.sub(field));
        self.c.intern(&text, &key).map_err(|e| self.keep(e))
    }

    fn group(&mut self, field: Field) -> std::result::Result<GroupName, Refused> {
        let (text, key) = (self.text(field), self.sub(field));
        self.c.group(&text, &key).map_err(|e| self.keep(e))
    }

    fn groups(&mut self, field: Field) -> std::result::Result<Vec<GroupName>, Refused> {
        let cmd = self.cmd;
        let list = match field {
            Field::Groups => cmd.groups.as_ref().expect("checked by admin_op"),
            other => unreachable!("{other:?} holds no group list"),
        };
        let mut groups = Vec::new();
        for (i, g) in list.get_ref().iter().enumerate() {
            let key = format!("{}[{i}]", self.sub(field));
            groups.push(self.c.group(g, &key).map_err(|e| self.keep(e))?);
        }
        Ok(groups)
    }

    fn flag(&mut self, field: Field) -> bool {
        match field {
            Field::Force => self.cmd.force.as_ref().is_some_and(|f| *f.get_ref()),
            other => unreachable!("{other:?} is not a flag"),
        }
    }

    fn config(&mut self, field: Field) -> std::result::Result<Config, Refused> {
        let cmd = self.cmd;
        let table = match field {
            Field::Config => cmd.config.as_ref().expect("checked by admin_op").get_ref(),
            other => unreachable!("{other:?} is not a config"),
        };
        let key = self.sub(field);
        self.c.config(table, &key).map_err(|e| self.keep(e))
    }

    fn config_value(&mut self, config_key: Sym, field: Field) -> std::result::Result<Option<Sym>, Refused> {
        let Some(text) = field_text(self.cmd, field).cloned() else {
            return Ok(None);
        };
        let key = self.sub(field);
        self.c.config_value(config_key, &text, &key).map_err(|e| self.keep(e))
    }

    fn refuse(&mut self, field: Field, message: &str) -> Refused {
        let error = self.c.error(field_span(self.cmd, field), &self.sub(field), message);
        self.keep(error)
    }
}
