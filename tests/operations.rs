//! The operator operations of the registry (`model::ops::OPERATIONS`):
//! every one compiles from a scenario, sends as its first request what its
//! REST exchange says, and is named by `joinsim help scenario` and
//! `joinsim list`.

mod common;

use common::{joinsim, stdout};
use joinsim::model::Role;
use joinsim::model::admin::Command;
use joinsim::model::ops::rest::{Exchange, Method};
use joinsim::model::ops::{Field, OPERATIONS};
use joinsim::scenario::Scenario;

/// A value for each field, valid for every operation that takes it.
fn sample(field: Field) -> &'static str {
    match field {
        Field::Group => "group = \"gpu\"",
        Field::Groups => "groups = [\"gpu\"]",
        Field::To => "to = \"x2\"",
        Field::Member => "member = \"m3\"",
        Field::Force => "force = true",
        Field::Project => "project = \"default\"",
        Field::Key => "key = \"user.k\"",
        Field::Value => "value = \"v\"",
        Field::Config => "config = { \"user.k\" = \"v\" }",
        Field::Pool => "pool = \"fast\"",
        Field::Network => "network = \"br0\"",
    }
}

/// One command of every operation, with every field it needs and may have.
fn every_operation() -> (Scenario, Vec<Command>) {
    let commands: Vec<String> = OPERATIONS
        .iter()
        .map(|op| {
            let fields: Vec<&str> = op.needs().iter().chain(op.may()).map(|&f| sample(f)).collect();
            format!("    {{ op = \"{}\", {} }},", op.name(), fields.join(", "))
        })
        .collect();
    let text = format!(
        "variant = \"features-only\"\n\n[cluster]\nmembers = [\"m1\", \"m2\", \"m3\"]\nleader = \"m1\"\n\n\
         [[cluster.groups]]\nname = \"gpu\"\nmembers = [\"m2\"]\n\n\
         [[admins]]\nname = \"admin\"\nvia = \"m1\"\ncommands = [\n{}\n]\n",
        commands.join("\n")
    );
    let scenario =
        Scenario::parse("every-operation", "every-operation.toml", &text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let commands = scenario
        .setup
        .roles
        .iter()
        .find_map(|r| match r {
            Role::Admin(plan) => Some(plan.commands.clone()),
            _ => None,
        })
        .expect("an admin");
    (scenario, commands)
}

#[test]
fn every_operation_first_sends_the_request_its_rest_exchange_describes() {
    let (scenario, commands) = every_operation();
    let names = &scenario.setup.names;
    assert_eq!(commands.len(), OPERATIONS.len());
    for command in &commands {
        let op = command.op.get();
        let (method, path) = op.first_call(&command.args).http(names);
        match op.rest(&command.args, names) {
            Exchange::Send(request) => {
                assert_eq!(
                    (request.method.as_str(), request.path.clone()),
                    (method, path.clone()),
                    "{}",
                    op.name()
                );
                let body = request.body.map(|b| b.to_string()).unwrap_or_default();
                let writes = matches!(request.method, Method::Post | Method::Put | Method::Patch);
                assert_eq!(writes, !body.is_empty(), "{}: {body}", op.name());
            }
            Exchange::ReadModifyWrite { path: read, .. } => {
                assert_eq!(("GET", read.as_str()), (method, path.as_str()), "{}", op.name());
            }
        }
        assert!(path.starts_with("/1.0/"), "{}: {path}", op.name());
    }
}

#[test]
fn help_scenario_and_list_name_every_operation() {
    let help = stdout(&joinsim(&["help", "scenario"]));
    let list = stdout(&joinsim(&["list"]));
    for op in OPERATIONS {
        assert!(
            help.contains(op.name()) && help.contains(op.usage()),
            "help: {}",
            op.name()
        );
        assert!(
            list.contains(op.name()) && list.contains(op.usage()),
            "list: {}",
            op.name()
        );
    }
}

/// `incus project create` (an operation that owns its endpoint,
/// `projectsPost`, cmd/incusd/api_project.go:354-446 at lxc/incus
/// be7afc5df3): the config is validated against the groups in their own
/// transaction, a name taken is a conflict, `features.networks` needs OVN.
#[test]
fn project_create_validates_then_creates_with_incus_texts() {
    let text = r#"
variant = "features-only"

[cluster]
members = ["m1", "m2"]
leader = "m1"

[[cluster.groups]]
name = "gpu"
members = ["m2"]

[[admins]]
name = "admin"
via = "m2"
commands = [
    { op = "create-project", project = "q", config = { "restricted" = "true", "restricted.cluster.groups" = "gpu" } },
    { op = "create-project", project = "q", config = {} },
    { op = "create-project", project = "r", config = { "restricted.cluster.groups" = "nope" } },
    { op = "create-project", project = "s", config = { "features.networks" = "true" } },
]
"#;
    let scenario = Scenario::parse("create-project", "create-project.toml", text).expect("parses");
    let run = common::replay_schedule(&scenario, &Default::default());
    let world = &run.world;
    let results = common::admin_results(world);
    assert_eq!(
        results,
        vec![
            Ok(()),
            // projects.mapper.go:307-310, mapper_errors.go:19-20, api_project.go:431.
            Err("Failed creating project \"q\": Failed adding database record: This \"Project\" entry already exists".into()),
            // The validator's text, as for a project update (api_project.go:389-392).
            Err("Invalid project configuration key \"restricted.cluster.groups\" value: Cluster group \"nope\" doesn't exist".into()),
            // api_project.go:395-400.
            Err("OVN is required for projects with \"features.networks\" enabled".into()),
        ]
    );
    let names = &world.setup.names;
    let q = world.db.project(names.lookup("q").unwrap()).expect("q was created");
    let groups = names.lookup("restricted.cluster.groups").unwrap();
    assert_eq!(names.str(q.config.get(groups).unwrap()), "gpu");
    assert!(world.db.project(names.lookup("r").unwrap()).is_none());
    assert!(world.db.project(names.lookup("s").unwrap()).is_none());

    let (all, commands) = every_operation();
    let create = commands.iter().find(|c| c.op.get().name() == "create-project").unwrap();
    let Exchange::Send(request) = create.op.get().rest(&create.args, &all.setup.names) else {
        panic!("one request")
    };
    assert_eq!((request.method, request.path.as_str()), (Method::Post, "/1.0/projects"));
    assert_eq!(
        request.body.unwrap().to_string(),
        r#"{"config":{"user.k":"v"},"name":"default"}"#
    );
}
