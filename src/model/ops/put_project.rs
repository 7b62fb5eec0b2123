//! A raw `PUT /1.0/projects/PROJECT` with a config and no `If-Match`:
//! `incus query -X PUT /1.0/projects/PROJECT --data '{"config": ...}'`
//! (cmd/incus/query.go:73-222, `RawQuery` with an empty ETag at :123), or
//! `incus project edit` fed from stdin (cmd/incus/project.go:345-367, with no ETag when stdin is not a terminal).

use serde_json::json;

use super::rest::{Exchange, Method, Request};
use super::{Args, Field, Fields, Operation, Refused, Value, config_json, config_text};
use crate::model::message::{Call, ProjectMethod};
use crate::model::names::Names;

pub struct PutProject;

impl Operation for PutProject {
    fn name(&self) -> &'static str {
        "put-project"
    }
    fn usage(&self) -> &'static str {
        "incus query -X PUT /1.0/projects/PROJECT --data '{\"config\": CONFIG}'"
    }
    fn needs(&self) -> &'static [Field] {
        &[Field::Project, Field::Config]
    }
    fn compile(&self, fields: &mut dyn Fields) -> Result<Args, Refused> {
        compile(fields)
    }
    fn first_call(&self, args: &Args) -> Call {
        update(args, ProjectMethod::Put)
    }
    fn label(&self, _: &Args) -> &'static str {
        "PUT /1.0/projects"
    }
    fn command_line(&self, args: &Args, names: &Names) -> String {
        query_line(args, names, Method::Put)
    }
    fn rest(&self, args: &Args, names: &Names) -> Exchange {
        raw_request(args, names, Method::Put)
    }
}

/// The project, then its config.
pub(super) fn compile(fields: &mut dyn Fields) -> Result<Args, Refused> {
    let project = fields.name(Field::Project)?;
    let config = fields.config(Field::Config)?;
    Ok(Args::default()
        .with(Field::Project, Value::Name(project))
        .with(Field::Config, Value::Config(config)))
}

pub(super) fn update(args: &Args, method: ProjectMethod) -> Call {
    Call::UpdateProject {
        project: args.name(Field::Project),
        method,
        config: args.config(Field::Config).clone(),
        etag: None,
    }
}

pub(super) fn query_line(args: &Args, names: &Names, method: Method) -> String {
    format!(
        "query -X {} /1.0/projects/{} {}",
        method.as_str(),
        names.str(args.name(Field::Project)),
        config_text(names, args.config(Field::Config))
    )
}

pub(super) fn raw_request(args: &Args, names: &Names, method: Method) -> Exchange {
    Exchange::Send(Request::new(
        method,
        format!("/1.0/projects/{}", names.str(args.name(Field::Project))),
        Some(json!({ "config": config_json(names, args.config(Field::Config)) })),
    ))
}
