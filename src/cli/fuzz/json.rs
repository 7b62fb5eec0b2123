//! The machine-readable campaign summary (`--json FILE`).

use serde_json::{Value, json};

use crate::check::Invariant;
use crate::explore::ScenarioOutcome;
use crate::explore::{BandCheck, BandReport, SmallestSeeds};

pub fn render(outcomes: &[ScenarioOutcome], settings: Value) -> String {
    let scenarios: Vec<Value> = outcomes.iter().map(scenario).collect();
    let summary = json!({
        "joinsim_version": env!("CARGO_PKG_VERSION"),
        "settings": settings,
        "passed": outcomes.iter().all(|o| o.problems.is_empty()),
        "scenarios": scenarios,
    });
    serde_json::to_string_pretty(&summary).expect("JSON serialises")
}

fn scenario(o: &ScenarioOutcome) -> Value {
    let t = &o.campaign.tally;
    let invariants: Vec<Value> = Invariant::ALL
        .iter()
        .map(|&i| json!({ "invariant": i.name(), "expect": o.scenario.expect.of(i).name(), "violating_runs": t.violating(i) }))
        .collect();
    let failures: Vec<Value> = t
        .groups
        .iter()
        .map(|(key, group)| {
            json!({
                "group": key.label(),
                "invariant": key.invariant.name(),
                "role": key.role,
                "step": key.step,
                "count": group.count(),
                "first_seed": group.first_seed(),
                "seeds": group.seeds.seeds().collect::<Vec<_>>(),
                "node": group.example.node,
                "tick": group.example.tick,
                "message": group.example.message,
                "replay": o.ids.replay(&o.scenario, group.first_seed()),
                "artifact": o.artifacts.get(key).map(|p| p.display().to_string()),
            })
        })
        .collect();
    json!({
        "scenario": o.scenario.name,
        "path": o.scenario.path,
        "variant": o.scenario.variant().name(),
        "runs": t.runs,
        "seeds_run": o.campaign.seeds_run,
        "seeds_planned": o.campaign.seeds_planned,
        "elapsed_secs": o.campaign.elapsed.as_secs_f64(),
        "runs_per_sec": t.runs as f64 / o.campaign.elapsed.as_secs_f64().max(1e-9),
        "events": t.events,
        "probes": t
            .probe_counts()
            .map(|(probe, count)| (probe.name().to_string(), Value::from(count)))
            .collect::<serde_json::Map<String, Value>>(),
        "invariants": invariants,
        "failures": failures,
        "panics": seed_messages(&t.panics),
        "panic_runs": t.panics.count(),
        "nondeterministic": seed_messages(&t.nondeterministic),
        "nondeterministic_runs": t.nondeterministic.count(),
        "admin_commands": admin_commands(o),
        "bands": o.bands.iter().map(band).collect::<Vec<_>>(),
        "warnings": o.warnings,
        "problems": o.problems,
        "passed": o.problems.is_empty(),
        "search": o.search.as_ref().map(|(strategy, report)| {
            let mut details = report.json.clone();
            if let Some(object) = details.as_object_mut() {
                object.insert("strategy".to_string(), Value::from(*strategy));
            }
            details
        }),
        // What `joinsim merge` needs to judge shards as one campaign.
        "swarm": o.swarm,
        "scenario_source": o.scenario.source,
    })
}

/// The kept seeds of a set, each with its message.
fn seed_messages<const N: usize>(seeds: &SmallestSeeds<String, N>) -> Vec<Value> {
    seeds.iter().map(|(s, m)| json!({"seed": s, "message": m})).collect()
}

/// Each scripted admin command: how often it was answered, and failed.
fn admin_commands(o: &ScenarioOutcome) -> Vec<Value> {
    let setup = &o.scenario.setup;
    o.campaign
        .tally
        .admin_commands
        .iter()
        .map(|(&(node, index), c)| {
            json!({
                "admin": setup.node_name(node),
                "command": index,
                "answered": c.answered,
                "failed": c.failed,
                "first_error": c.first_error.as_ref().map(|(seed, e)| json!({"seed": seed, "message": &**e})),
            })
        })
        .collect()
}

/// One rate band: the band, the rate observed, how it was checked.
fn band(b: &BandReport) -> Value {
    let (exact, widened) = match b.check {
        BandCheck::Exact { .. } => (true, Value::Null),
        BandCheck::Loose {
            widened_low,
            widened_high,
            ..
        } => (false, json!([widened_low, widened_high])),
    };
    json!({
        "invariant": b.invariant.name(),
        "group": b.group,
        "band": b.band.to_string(),
        "violating_runs": b.violating,
        "runs": b.runs,
        "runs_needed_for_exact_check": b.band.runs_needed(),
        "checked_exactly": exact,
        "widened_to": widened,
        "met": b.check.met(),
        "summary": b.describe(),
    })
}
