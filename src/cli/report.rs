//! Printing a run for a person: settings first, then how each join ended,
//! then each violation, then the command that replays it.

use std::fmt::Write;

use crate::run::RunResult;
use crate::scenario::Scenario;
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
        "network:  delay {}..{} ticks, reorder {}{}, drop {}, duplicate {} (until t={}), {} partition(s)",
        n.delay_min_ticks,
        n.delay_max_ticks,
        if n.reorder { "on" } else { "off" },
        if n.same_tick_order {
            ", same-tick order drawn"
        } else {
            ""
        },
        n.drop,
        n.duplicate,
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

/// How each join ended, and each violation.
pub fn verdict(scenario: &Scenario, result: &RunResult) -> String {
    let mut out = crate::trace::outcome::lines(scenario, result).join("\n");
    out.push('\n');
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

/// A run's deviations in draw order, each with what it decides, e.g.
/// `delay j1>m2 #3 = 7`, so that a shrunk schedule reads as its decisions.
pub fn deviations(scenario: &Scenario, result: &RunResult) -> String {
    let listed: Vec<String> = result
        .deviations
        .iter()
        .map(|d| format!("{} = {}", crate::labels::describe(d.label, &scenario.setup), d.value))
        .collect();
    if listed.is_empty() {
        "none (the nominal, in-order run)".to_string()
    } else {
        listed.join(", ")
    }
}
