//! `incus project unset PROJECT KEY` (cmd/incus/project.go:869-877): the
//! `set` exchange with an empty value (`KEY=`, cmd/incus/utils.go:328-337).

use super::rest::Exchange;
use super::{Args, Field, Fields, Next, Operation, Refused, Value, set_project_key};
use crate::model::message::{Answer, Call};
use crate::model::names::Names;

pub struct UnsetProjectKey;

impl Operation for UnsetProjectKey {
    fn name(&self) -> &'static str {
        "unset-project-key"
    }
    fn usage(&self) -> &'static str {
        "incus project unset PROJECT KEY"
    }
    fn needs(&self) -> &'static [Field] {
        &[Field::Project, Field::Key]
    }
    fn compile(&self, fields: &mut dyn Fields) -> Result<Args, Refused> {
        let project = fields.name(Field::Project)?;
        let key = fields.name(Field::Key)?;
        Ok(Args::default()
            .with(Field::Project, Value::Name(project))
            .with(Field::Key, Value::Name(key))
            .with(Field::Value, Value::Unset))
    }
    fn first_call(&self, args: &Args) -> Call {
        set_project_key::first_call(args)
    }
    fn after(&self, args: &Args, call: &Call, answer: &Answer, _: &Names) -> Next {
        set_project_key::after(args, call, answer)
    }
    fn label(&self, args: &Args) -> &'static str {
        set_project_key::label(args)
    }
    fn command_line(&self, args: &Args, names: &Names) -> String {
        set_project_key::command_line(args, names)
    }
    fn rest(&self, args: &Args, names: &Names) -> Exchange {
        set_project_key::rest(args, names)
    }
}
