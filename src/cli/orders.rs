//! `joinsim orders [SCENARIO|DIR ...]`: every order of each scenario's
//! events, each distinct state once (`explore::orders`), with the path and
//! trace of each failure group's first violation. Exit codes: 0 every
//! expectation met, 1 an invariant the scenario expects never broken in
//! some order (a candidate: the order model admits timings no run has), or
//! one it expects broken in no order of a complete search, 2 bad input.

use std::path::PathBuf;

use clap::Args;

use super::fuzz::load_scenarios;
use super::{Failure, Verdict};
use crate::explore::orders::{Orders, every_order, unorderable, within_deviations};
use crate::scenario::{Expect, Scenario};
use crate::state::RunState;

#[derive(Args, Debug)]
pub struct OrdersArgs {
    /// Scenario files or folders of them (default: scenarios/ here or in
    /// the repository around the current folder).
    pub scenarios: Vec<PathBuf>,
    /// Override every scenario's protocol variant.
    #[arg(long)]
    pub variant: Option<String>,
    /// Stop a scenario's search after this many distinct states.
    #[arg(long, default_value_t = 2_000_000)]
    pub max_states: u64,
    /// Only orders with at most this many deviations (a deviation runs a
    /// pending event before the one nominal timing runs first).
    #[arg(long)]
    pub bound: Option<u32>,
    /// Print the trace of each failure group's first violation.
    #[arg(long)]
    pub trace: bool,
    /// Write a machine-readable summary here.
    #[arg(long)]
    pub json: Option<PathBuf>,
}

pub fn orders(args: &OrdersArgs) -> Result<Verdict, Failure> {
    if args.max_states == 0 {
        return Err(Failure::Input("--max-states must be at least 1".to_string()));
    }
    let scenarios = load_scenarios(&args.scenarios, args.variant.as_deref())?;
    println!(
        "orders: {} scenario(s), at most {} state(s) each, 1 thread",
        scenarios.len(),
        args.max_states
    );
    let mut verdict = Verdict::Clean;
    let mut summary = Vec::new();
    for scenario in &scenarios {
        let name = format!("{} ({})", scenario.name, scenario.variant());
        if let Some(why) = unorderable(scenario) {
            println!("{name}: not searched: its {why} make what happens depend on time or on a choice");
            summary.push(serde_json::json!({"scenario": scenario.name, "variant": scenario.variant().name(), "searched": false, "why": why}));
            continue;
        }
        let found = match args.bound {
            None => every_order(scenario, args.max_states),
            Some(bound) => within_deviations(scenario, bound, args.max_states),
        };
        println!("{name}: {}", found.line());
        let mut traced = Vec::new();
        for (key, first) in &found.failures {
            println!(
                "  {}: first after {} event(s) run, {:.1} ms; a path of {} event(s): {}",
                key.label(),
                first.after_events,
                first.after.as_secs_f64() * 1e3,
                first.path.len(),
                path_text(&first.path)
            );
            if args.trace && !traced.contains(&&first.path) {
                traced.push(&first.path);
                println!("{}", trace(scenario, &first.path));
            }
        }
        let problems = problems(scenario, &found);
        for problem in &problems {
            println!("  {problem}");
        }
        if !problems.is_empty() {
            verdict = Verdict::Violated;
        }
        summary.push(serde_json::json!({
            "scenario": scenario.name,
            "variant": scenario.variant().name(),
            "searched": true,
            "states": found.states,
            "events": found.events,
            "revisits": found.revisits,
            "longest_path": found.depth,
            "complete": found.complete,
            "elapsed_secs": found.elapsed.as_secs_f64(),
            "failure_groups": found.failures.iter().map(|(key, first)| serde_json::json!({
                "group": key.label(),
                "after_events": first.after_events,
                "path": first.path,
            })).collect::<Vec<_>>(),
            "problems": problems,
        }));
    }
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(&serde_json::json!({ "scenarios": summary })).expect("JSON");
        std::fs::write(path, text + "\n")
            .map_err(|e| Failure::Input(format!("{}: cannot write: {e}", path.display())))?;
    }
    Ok(verdict)
}

/// A path as the indices taken, runs of nominal picks (0) folded.
fn path_text(path: &[u32]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut zeros = 0;
    for &pick in path {
        if pick == 0 {
            zeros += 1;
            continue;
        }
        if zeros > 0 {
            parts.push(format!("0x{zeros}"));
            zeros = 0;
        }
        parts.push(pick.to_string());
    }
    if zeros > 0 {
        parts.push(format!("0x{zeros}"));
    }
    parts.join(" ")
}

/// The trace of `path`, as `joinsim trace` prints a run: the path, then
/// the nominal order (the first pending event each time) to the end of the
/// run, so that what only the end can judge is judged on a whole run and
/// not on one cut at the violation.
fn trace(scenario: &Scenario, path: &[u32]) -> String {
    let mut state = RunState::start_traced(scenario);
    for &pick in path {
        state.step(pick as usize);
    }
    while state.pending() > 0 && state.events() < scenario.limits.max_events {
        state.step(0);
    }
    let (events, violations) = state.finish();
    let note = format!(
        "(the path's {} event(s), then the first pending event each time to the end of the run)\n",
        path.len()
    );
    note + &crate::trace::text::render(&scenario.setup.names, &events, &violations)
}

/// What the search says against the scenario's expectations.
fn problems(scenario: &Scenario, found: &Orders) -> Vec<String> {
    let mut problems = Vec::new();
    for invariant in crate::check::Invariant::ALL {
        let broken = found.failures.keys().any(|k| k.invariant == invariant);
        match scenario.expect.of(invariant) {
            Expect::Never if broken => problems.push(format!(
                "{invariant}: expected never; broken in some order (a candidate until a timed run shows it)"
            )),
            Expect::Always | Expect::Rate(_) if !broken && found.complete => problems.push(format!(
                "{invariant}: the scenario expects runs to break it, and no order does: the order model misses behaviour"
            )),
            _ => {}
        }
    }
    problems
}
