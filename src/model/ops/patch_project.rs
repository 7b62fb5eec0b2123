//! A raw `PATCH /1.0/projects/PROJECT` with a config:
//! `incus query -X PATCH /1.0/projects/PROJECT --data '{"config": ...}'`
//! (cmd/incus/query.go:73-222). See [`crate::model::message::ProjectMethod::Patch`]
//! for what Incus writes.

use super::rest::{Exchange, Method};
use super::{Args, Field, Fields, Operation, Refused, put_project};
use crate::model::message::{Call, ProjectMethod};
use crate::model::names::Names;

pub struct PatchProject;

impl Operation for PatchProject {
    fn name(&self) -> &'static str {
        "patch-project"
    }
    fn usage(&self) -> &'static str {
        "incus query -X PATCH /1.0/projects/PROJECT --data '{\"config\": CONFIG}'"
    }
    fn needs(&self) -> &'static [Field] {
        &[Field::Project, Field::Config]
    }
    fn compile(&self, fields: &mut dyn Fields) -> Result<Args, Refused> {
        put_project::compile(fields)
    }
    fn first_call(&self, args: &Args) -> Call {
        put_project::update(args, ProjectMethod::Patch)
    }
    fn label(&self, _: &Args) -> &'static str {
        "PATCH /1.0/projects"
    }
    fn command_line(&self, args: &Args, names: &Names) -> String {
        put_project::query_line(args, names, Method::Patch)
    }
    fn rest(&self, args: &Args, names: &Names) -> Exchange {
        put_project::raw_request(args, names, Method::Patch)
    }
}
