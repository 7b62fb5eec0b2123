//! `incus project set PROJECT KEY=VALUE` (cmd/incus/project.go:825-832,
//! through `set`, :789-823): GET the project (client/incus_projects.go:69-83),
//! set the key in the config it read, PUT the whole project back with the
//! GET's ETag (:135-144). An empty value unsets the key, as `unset` does.

use super::rest::{Change, Exchange};
use super::{Args, Field, Fields, Next, Operation, Refused, Value};
use crate::model::message::{Answer, Call, ProjectMethod};
use crate::model::names::Names;

pub struct SetProjectKey;

impl Operation for SetProjectKey {
    fn name(&self) -> &'static str {
        "set-project-key"
    }
    fn usage(&self) -> &'static str {
        "incus project set PROJECT KEY=VALUE"
    }
    fn needs(&self) -> &'static [Field] {
        &[Field::Project, Field::Key, Field::Value]
    }
    fn compile(&self, fields: &mut dyn Fields) -> Result<Args, Refused> {
        let project = fields.name(Field::Project)?;
        let key = fields.name(Field::Key)?;
        let value = match fields.config_value(key, Field::Value)? {
            Some(v) => Value::Name(v),
            None => Value::Unset,
        };
        Ok(Args::default()
            .with(Field::Project, Value::Name(project))
            .with(Field::Key, Value::Name(key))
            .with(Field::Value, value))
    }
    fn first_call(&self, args: &Args) -> Call {
        first_call(args)
    }
    fn after(&self, args: &Args, call: &Call, answer: &Answer, _: &Names) -> Next {
        after(args, call, answer)
    }
    fn label(&self, args: &Args) -> &'static str {
        label(args)
    }
    fn command_line(&self, args: &Args, names: &Names) -> String {
        command_line(args, names)
    }
    fn rest(&self, args: &Args, names: &Names) -> Exchange {
        rest(args, names)
    }
}

/// The GET of the project.
pub(super) fn first_call(args: &Args) -> Call {
    Call::GetProject {
        project: args.name(Field::Project),
    }
}

/// After the GET, the PUT of its config with the key changed.
pub(super) fn after(args: &Args, call: &Call, answer: &Answer) -> Next {
    match (call, answer) {
        (Call::GetProject { .. }, Answer::Project { config, etag }) => {
            let mut config = config.clone();
            config.set(args.name(Field::Key), args.value(Field::Value));
            Next::Send(Call::UpdateProject {
                project: args.name(Field::Project),
                method: ProjectMethod::Put,
                config,
                etag: Some(*etag),
            })
        }
        (Call::GetProject { .. }, answer) => unreachable!("a project GET answered {answer:?}"),
        (Call::UpdateProject { .. }, _) => Next::Done,
        (call, _) => unreachable!("{call:?} is not a request of a project key change"),
    }
}

/// `project set` with a value, `project unset` without: an empty value
/// is an unset, both in Incus and in the trace.
pub(super) fn label(args: &Args) -> &'static str {
    match args.value(Field::Value) {
        Some(_) => "project set",
        None => "project unset",
    }
}

pub(super) fn command_line(args: &Args, names: &Names) -> String {
    let (project, key) = (names.str(args.name(Field::Project)), names.str(args.name(Field::Key)));
    match args.value(Field::Value) {
        Some(v) => format!("project set {project} {key}={}", names.str(v)),
        None => format!("project unset {project} {key}"),
    }
}

pub(super) fn rest(args: &Args, names: &Names) -> Exchange {
    Exchange::ReadModifyWrite {
        path: format!("/1.0/projects/{}", names.str(args.name(Field::Project))),
        change: Change::SetConfigKey {
            key: names.str(args.name(Field::Key)).to_string(),
            value: args
                .value(Field::Value)
                .map_or(String::new(), |v| names.str(v).to_string()),
        },
    }
}
