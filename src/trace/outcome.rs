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
        let source = if join.has_local_database {
            "local DB"
        } else {
            "replicated DB"
        };
        for project in result.effective_projects(join.joiner) {
            out.push(format!("  project config in effect on {name} ({source}): {project}"));
        }
    }
    for v in &result.violations {
        out.push(format!("VIOLATION {v}"));
    }
    out.push(format!(
        "{} events, {} choices, end t={}, DB v{}, {} violation(s), trace hash {:016x}",
        result.events,
        result.choices.len(),
        result.end_tick,
        result.world.db.version,
        result.violations.len(),
        result.trace_hash
    ));
    out
}
