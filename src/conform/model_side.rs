//! The model's side: the scenario's nominal run (every choice 0) under the
//! variant that follows the Incus installed here, reduced to the compared
//! outcome and end state, and the joiner's requests as its trace shows them.

use super::state::EndState;
use super::{JoinOutcome, Side, mask};
use crate::model::{Node, Role, World};
use crate::run::{RunOptions, Source, run as run_model};
use crate::scenario::Scenario;
use crate::sim::Schedule;

pub fn run(scenario: &Scenario) -> Side {
    let options = RunOptions {
        trace: true,
        ..RunOptions::default()
    };
    let result = run_model(scenario, &Source::Schedule(Schedule::default()), options);
    let setup = &scenario.setup;
    let joins = result
        .joins
        .iter()
        .map(|j| JoinOutcome {
            joiner: setup.node_name(j.joiner).to_string(),
            completed: j.status == crate::model::joiner::JoinStatus::Completed,
            step: j.failure.as_ref().map(|(step, _)| code(step)),
            error: j.failure.as_ref().map(|(_, e)| mask::mask(e)),
        })
        .collect();
    let mut commands = Vec::new();
    for (role, node) in setup.roles.iter().zip(&result.world.nodes) {
        if let (Role::Admin(plan), Node::Admin(admin)) = (role, node) {
            for (command, outcome) in plan.commands.iter().zip(&admin.results) {
                let error = outcome.as_ref().err().map(|e| mask::mask(e.text()));
                commands.push((command.name().to_string(), error));
            }
        }
    }
    let joiners: Vec<String> = setup.joiners().map(|j| setup.node_name(j).to_string()).collect();
    let steps = result
        .trace
        .as_deref()
        .map(|events| super::log::model_steps(&setup.names, events, &joiners))
        .unwrap_or_default();
    Side {
        joins,
        commands,
        end: end_state(&result.world),
        steps,
    }
}

/// `J7` of `J7 clusterAcceptMember`.
fn code(step: &str) -> String {
    step.split_whitespace().next().unwrap_or(step).to_string()
}

fn end_state(world: &World) -> EndState {
    let names = &world.setup.names;
    let db = &world.db;
    let node = |n| names.node_str(n).to_string();
    let mut end = EndState::default();
    for row in db.members.iter() {
        let kind = if row.pending { "pending" } else { "full" };
        end.members.insert(format!("{} ({kind})", names.str(row.name)));
    }
    // A row's name, which a rename changes (the node is its address).
    let row_name = |n| {
        db.members
            .iter()
            .find(|r| r.node == n)
            .map_or_else(|| node(n), |r| names.str(r.name).to_string())
    };
    for group in db.groups.iter() {
        for member in group.members.iter() {
            end.groups
                .insert(format!("{}: {}", names.group_str(group.name), row_name(member)));
        }
    }
    for project in db.projects.iter() {
        for &(k, v) in &project.config.0 {
            end.projects.insert(format!(
                "{}: {}={}",
                names.str(project.name),
                names.str(k),
                names.str(v)
            ));
        }
    }
    end.raft = db.raft.iter().map(row_name).collect();
    end.certificates = db.trusted.iter().map(node).collect();
    end
}
