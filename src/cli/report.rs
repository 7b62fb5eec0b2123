//! Printing a run for a person: settings first, then how each join ended,
//! then each violation, then the command that replays it.

use std::fmt::Write;

use crate::model::{Node, Role};
use crate::run::RunResult;
use crate::scenario::Scenario;
use crate::sim::NodeId;
use crate::trace::text;

/// The effective settings of a run, printed before it.
pub fn settings(scenario: &Scenario, seed_line: &str) -> String {
    let n = &scenario.network;
    let mut out = String::new();
    let _ = writeln!(out, "scenario: {} ({})", scenario.name, scenario.path);
    let _ = writeln!(out, "variant:  {}", scenario.variant());
    let _ = writeln!(out, "{seed_line}");
    let _ = writeln!(
        out,
        "network:  delay {}..{} ticks, reorder {}{}, drop {} (until t={}), {} partition(s)",
        n.delay_min_ticks,
        n.delay_max_ticks,
        if n.reorder { "on" } else { "off" },
        if n.same_tick_order {
            ", same-tick order drawn"
        } else {
            ""
        },
        n.drop,
        n.faults_until_tick,
        n.partitions.len()
    );
    let faults = &scenario.setup.step_faults;
    let _ = writeln!(
        out,
        "faults:   {} crash(es), {} fixed step error(s), random step error {} (until t={})",
        scenario.crashes.len(),
        faults.fixed.len(),
        faults.random,
        faults.random_until_tick
    );
    let _ = writeln!(
        out,
        "limits:   {} events, t={}",
        scenario.limits.max_events, scenario.limits.max_ticks
    );
    out
}

/// How each admin command ended, how each join ended, and each violation.
pub fn verdict(scenario: &Scenario, result: &RunResult) -> String {
    let mut lines = admin_results(scenario, result);
    lines.extend(crate::trace::outcome::lines(scenario, result));
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// One line per scripted admin command: its answer, or why it has none,
/// so that a command that could not run (a project that does not exist)
/// shows at once.
fn admin_results(scenario: &Scenario, result: &RunResult) -> Vec<String> {
    let setup = &scenario.setup;
    let mut out = Vec::new();
    for (node, role) in setup.roles.iter().enumerate() {
        let (Role::Admin(plan), Node::Admin(admin)) = (role, &result.world.nodes[node]) else {
            continue;
        };
        for (index, call) in plan.commands.iter().enumerate() {
            let answer = match admin.results.get(index) {
                Some(Ok(())) => "ok".to_string(),
                Some(Err(e)) => format!("Error: {e}"),
                None if index == admin.results.len() => "no answer (the run ended first)".to_string(),
                None => "not run".to_string(),
            };
            out.push(format!(
                "admin {} $ incus {}: {answer}",
                setup.node_name(node as NodeId),
                crate::trace::describe::command(&setup.names, call)
            ));
        }
    }
    out
}

/// Prints a run's trace between markers, if it was recorded. `run` and
/// `replay` both print through here, so their traces match byte for byte.
pub fn print_trace(scenario: &Scenario, result: &RunResult) {
    if let Some(trace) = &result.trace {
        println!("--- trace ---");
        print!("{}", text::render(&scenario.setup.names, trace, &result.violations));
        println!("--- end of trace ---");
    }
}

/// A run's deviations in draw order, as `--deviation` takes them (e.g.
/// `delay:j1:m2:3=7`), so that a shrunk schedule reads as its decisions
/// and pastes into `joinsim trace`.
pub fn deviations(scenario: &Scenario, result: &RunResult) -> String {
    if result.deviations.is_empty() {
        return "none (the nominal, in-order run)".to_string();
    }
    crate::labels::tokens(&result.schedule(), &scenario.setup)
}
