//! `incus project create PROJECT [-c KEY=VALUE...]` (cmd/incus/project.go:135-189):
//! `POST /1.0/projects` with the name and config (client/incus_projects.go:119-132).
//! An operator creates a restricted project for the members a join is
//! adding, while the joiner's J5 reads the projects (and creates them
//! locally).
//!
//! The server, `projectsPost` (cmd/incusd/api_project.go:354-446):
//! `projectValidateConfig` (:389), whose transactions are the pool names
//! (:2049-2062) and, when `restricted.cluster.groups` is set, the groups
//! in the validator's own transaction (:1764-1797), as for a project
//! update; the OVN check for `features.networks` (:395-400); then one
//! transaction creating the row and its config (:403-429), which fails on
//! `UNIQUE (name)` (projects.mapper.go:307-310, mapped to `This "Project"
//! entry already exists`, mapper_errors.go:19-20) and is wrapped as
//! `Failed creating project` (:431). Not modelled: the default features
//! set before the body is decoded (:360-370; the model's declared projects
//! have none either), the name checks (:377-386: the model's names pass
//! them) and the project's default profile (:414-426: no profiles).

use serde_json::json;

use super::rest::{Exchange, Method, Request};
use super::{
    Args, Endpoint, Field, Fields, Op, Operation, Refused, Routing, Value, config_json, config_text,
};
use crate::model::db::{Db, Project};
use crate::model::message::{Answer, ApiError, Outcome, Tx};
use crate::model::names::Names;
use crate::model::tables::{Access, Table};
use crate::model::validate::{KeysChecked, is_true, validate_project_config};

pub struct CreateProject;

/// The endpoint's transactions.
const READ_POOLS: u8 = 0;
const READ_GROUPS: u8 = 1;
const CREATE: u8 = 2;

impl Operation for CreateProject {
    fn name(&self) -> &'static str {
        "create-project"
    }
    fn usage(&self) -> &'static str {
        "incus project create PROJECT [-c KEY=VALUE...]"
    }
    fn needs(&self) -> &'static [Field] {
        &[Field::Project, Field::Config]
    }
    fn compile(&self, fields: &mut dyn Fields) -> Result<Args, Refused> {
        let project = fields.name(Field::Project)?;
        let config = fields.config(Field::Config)?;
        Ok(Args::default()
            .with(Field::Project, Value::Name(project))
            .with(Field::Config, Value::Config(config)))
    }
    fn label(&self, _: &Args) -> &'static str {
        "project create"
    }
    fn command_line(&self, args: &Args, names: &Names) -> String {
        let mut line = format!("project create {}", names.str(args.name(Field::Project)));
        for (key, value) in &args.config(Field::Config).0 {
            line += &format!(" -c {}={}", names.str(*key), names.str(*value));
        }
        line
    }
    fn rest(&self, args: &Args, names: &Names) -> Exchange {
        Exchange::Send(Request::new(
            Method::Post,
            "/1.0/projects",
            Some(json!({
                "name": names.str(args.name(Field::Project)),
                "config": config_json(names, args.config(Field::Config)),
            })),
        ))
    }
    fn endpoint(&self) -> Option<&dyn Endpoint> {
        Some(self)
    }
}

impl Endpoint for CreateProject {
    fn routing(&self) -> Routing {
        Routing::AnyMember
    }
    fn takes_membership_mutex(&self) -> bool {
        false
    }
    fn transaction(&self, op: Op, args: &Args, stage: u8, previous: &Answer) -> Option<Tx> {
        let step = match (stage, previous) {
            (0, _) => READ_POOLS,
            // The pools read, the groups' own transaction is next.
            (1, Answer::Done) => READ_GROUPS,
            (1 | 2, Answer::Validated(_)) => CREATE,
            _ => return None,
        };
        Some(Tx::Operation {
            op,
            step,
            args: args.clone(),
        })
    }
    fn access(&self, step: u8) -> Access {
        match step {
            READ_POOLS => Access::new(&[Table::StoragePools], &[]),
            READ_GROUPS => Access::new(&[Table::ClusterGroups], &[]),
            _ => Access::new(&[Table::Projects], &[Table::Projects]),
        }
    }
    fn read(&self, step: u8, args: &Args, db: &Db, names: &Names) -> Outcome {
        let config = args.config(Field::Config);
        // The pool names serve `limits.disk.pool.*` keys; with groups to
        // check, the whole validation runs in the groups' transaction.
        if step == READ_POOLS && config.restricted_groups(names).is_some() {
            return Ok(Answer::Done);
        }
        validate_project_config(config, db, names, KeysChecked::All)
            .map(|()| Answer::Validated(config.clone()))
            .map_err(ApiError::new)
    }
    fn write(&self, _: u8, args: &Args, db: &mut Db, names: &Names) -> Result<(), ApiError> {
        let (project, config) = (args.name(Field::Project), args.config(Field::Config));
        let networks = names.keys.features_networks;
        if config.get(networks).is_some_and(|v| is_true(names.str(v))) {
            // projectCheckOVNAvailable (api_project.go:1501-1508): no OVN.
            return Err(ApiError::new(
                "OVN is required for projects with \"features.networks\" enabled",
            ));
        }
        if db.project(project).is_some() {
            return Err(ApiError::new(format!(
                "Failed creating project \"{}\": Failed adding database record: This \"Project\" entry already exists",
                names.str(project)
            )));
        }
        db.projects.push(Project {
            name: project,
            config: config.clone(),
        });
        Ok(())
    }
    fn tx_text(&self, step: u8, args: &Args, names: &Names) -> String {
        let (project, config) = (
            names.str(args.name(Field::Project)),
            config_text(names, args.config(Field::Config)),
        );
        match step {
            READ_POOLS => format!("projectValidateConfig({project} {config}): GetStoragePoolNames"),
            READ_GROUPS => format!("projectValidateConfig({project} {config}): GetClusterGroups"),
            _ => format!("CreateProject({project} {config})"),
        }
    }
}
