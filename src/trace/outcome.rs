//! How a run ended, in a few stable lines: each join, each violation, and
//! the run's size and trace hash (which changes whenever any event does).

use crate::run::RunResult;
use crate::scenario::Scenario;

/// One line per join (with its failure), per violation, and a last line of
/// counts.
pub fn lines(scenario: &Scenario, result: &RunResult) -> Vec<String> {
    let mut out = Vec::new();
    for join in &result.joins {
        let name = scenario.node_name(join.joiner);
        let target = scenario.node_name(join.target);
        let at = join.ended_tick.map_or(String::new(), |t| format!(" at t={t}"));
        out.push(format!("join {name} -> {target}: {:?}{at}", join.status));
        if let Some((step, error)) = &join.failure {
            out.push(format!("  failed at {step}: {error}"));
        }
        let (source, _) = crate::model::joiner::projects_in_use(
            result.world.joiner_state(join.joiner).expect("a joiner"),
            &result.world.db,
        );
        for project in effective_projects(result, join.joiner) {
            out.push(format!("  project config in effect on {name} ({source}): {project}"));
        }
    }
    for v in &result.violations {
        out.push(format!("VIOLATION {v}"));
    }
    out.push(format!(
        "{} events, {} choices ({} deviations), end t={}, DB v{}, {} violation(s), trace hash {:016x}",
        result.events,
        result.drawn,
        result.schedule().len(),
        result.end_tick,
        result.world.db.version,
        result.violations.len(),
        result.trace_hash
    ));
    out
}

/// The project config `joiner` enforces at the end, per project, as
/// `name {key=value, ...}`. Built on demand: fuzzing never asks.
pub fn effective_projects(result: &RunResult, joiner: crate::sim::NodeId) -> Vec<String> {
    let Some(j) = result.world.joiner_state(joiner) else {
        return Vec::new();
    };
    let names = &result.world.setup.names;
    crate::model::joiner::projects_in_use(j, &result.world.db)
        .1
        .iter()
        .map(|p| format!("{} {}", names.str(p.name), super::describe::config(names, &p.config)))
        .collect()
}
