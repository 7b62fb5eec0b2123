//! `joinsim real SCENARIO... --tries N [--seed S] [--json FILE]`: each
//! scenario tried N times on a live cluster of Incus daemons (`real`), its
//! failure groups counted ("k of N tries") with the real error texts, beside
//! the model's rate and text for the same scenario under the variant that
//! follows the Incus installed here. Exit 0 when every scenario's
//! `[expect_real]` is met, 1 otherwise, 2 on bad input (a key a real cluster
//! cannot honour included). `--cleanup` removes what an earlier run left.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use clap::Args;

use super::{Failure, Verdict, load_scenario};
use crate::explore::campaign::{failure_key, seeded_run};
use crate::model::Variant;
use crate::real::expect::{self, RealTally};
use crate::real::{self as backend, TryResult};
use crate::run::RunOptions;
use crate::scenario::Scenario;

#[derive(Args, Debug)]
pub struct RealArgs {
    /// Scenario files.
    #[arg(required_unless_present = "cleanup")]
    pub scenarios: Vec<PathBuf>,
    /// Tries per scenario, each on a cluster formed from nothing.
    #[arg(long, default_value_t = 1)]
    pub tries: u64,
    /// Seed of the first try's jitters (try i uses S+i); default: fresh, printed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Write every try (times, violations, requests and answers) as JSON.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Remove what an earlier run left (daemons, mounts, namespaces,
    /// veths, the bridge), then run the scenarios if any are given.
    #[arg(long)]
    pub cleanup: bool,
    /// Seeds of the model run beside the real tries, for its rate.
    #[arg(long, default_value_t = 2000)]
    pub model_seeds: u64,
}

/// The variant a real result is compared with: the one that follows the
/// Incus installed here, when this build has it.
pub fn compared_variant(scenario: &Scenario) -> Variant {
    Variant::parse("incus-6.0").unwrap_or(scenario.variant())
}

pub fn real(args: &RealArgs) -> Result<Verdict, Failure> {
    if args.cleanup {
        let n = backend::record::cleanup().map_err(Failure::Input)?;
        eprintln!("joinsim real --cleanup: removed what an earlier run left ({n} thing(s) recorded)");
        if args.scenarios.is_empty() {
            return Ok(Verdict::Clean);
        }
    }
    if args.tries == 0 {
        return Err(Failure::Input("--tries: at least 1".into()));
    }
    let mut loaded = Vec::new();
    for path in &args.scenarios {
        let scenario = load_scenario(path, None)?;
        backend::refuse::check(&scenario.path, &scenario.source)?;
        let expectations = expect::read(&scenario.path, &scenario.source)?;
        loaded.push((scenario, expectations));
    }
    backend::available().map_err(Failure::Input)?;
    let _ = ctrlc::set_handler(|| backend::record::interrupt());
    let seed = args.seed.unwrap_or_else(super::fresh_seed);
    let package = backend::incus_package();
    let mut all_met = true;
    let mut json = Vec::new();
    for (scenario, expectations) in &loaded {
        let variant = compared_variant(scenario);
        eprintln!(
            "real: {} ({} tries, seed {seed}, {package}; compared with the model under {variant})",
            scenario.path, args.tries
        );
        let mut tally = RealTally::default();
        let mut tries = Vec::new();
        let compared = scenario.clone().with_variant(variant);
        for i in 0..args.tries {
            let mut result = backend::one_try(scenario, seed + i);
            if let Ok(t) = &mut result {
                beside_model(&compared, seed + i, &mut t.steps);
            }
            eprintln!("  try {}/{}: {}", i + 1, args.tries, try_line(&result));
            if let Ok(t) = &result {
                eprintln!("    {}", steps_line(&t.steps, variant));
            }
            tally.add(scenario, &result);
            tries.push(result.map_err(|e| serde_json::json!({"setup_error": e})));
        }
        let model = model_groups(&scenario.clone().with_variant(variant), args.model_seeds);
        let verdicts = tally.verdicts(expectations);
        let met = verdicts.iter().all(|(_, ok, _)| *ok);
        all_met &= met;
        print!(
            "{}",
            report(scenario, variant, &package, &tally, &model, &verdicts, args.model_seeds)
        );
        json.push(serde_json::json!({
            "scenario": scenario.path, "package": package, "seed": seed,
            "compared_variant": variant.name(), "tally": tally,
            "expect_real": verdicts.iter().map(|(k, ok, s)| serde_json::json!({"key": k, "met": ok, "detail": s})).collect::<Vec<_>>(),
            "model": model.iter().map(|(k, (n, m))| serde_json::json!({"group": k, "runs": n, "of": args.model_seeds, "example": m})).collect::<Vec<_>>(),
            "tries": tries.iter().map(|t| match t { Ok(t) => serde_json::to_value(t).unwrap_or_default(), Err(e) => e.clone() }).collect::<Vec<_>>(),
        }));
    }
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(&json).map_err(|e| Failure::Input(e.to_string()))?;
        std::fs::write(path, text).map_err(|e| Failure::Input(format!("{}: {e}", path.display())))?;
    }
    Ok(if all_met { Verdict::Clean } else { Verdict::Violated })
}

fn try_line(result: &Result<TryResult, String>) -> String {
    let t = match result {
        Ok(t) => t,
        Err(e) => return format!("setup failed: {e}"),
    };
    let mut line = format!("{:.1} s (setup {:.1} s)", t.total_ms / 1000.0, t.setup_ms / 1000.0);
    for j in &t.played.joins {
        let _ = match &j.result {
            Some(Ok(())) => write!(line, "; {} joined", j.joiner),
            Some(Err(e)) => write!(line, "; {} failed: {e}", j.joiner),
            None => write!(line, "; {} still joining", j.joiner),
        };
    }
    let ok = t.played.commands.iter().filter(|c| c.result.is_ok()).count();
    if !t.played.commands.is_empty() {
        let _ = write!(line, "; admin commands ok {ok} of {}", t.played.commands.len());
    }
    for v in &t.violations {
        let _ = write!(line, "; {}", v.invariant);
    }
    line
}

/// Each step's tick in the model's run of `scenario` on `seed`.
fn beside_model(scenario: &Scenario, seed: u64, steps: &mut [backend::step_times::StepTime]) {
    let options = RunOptions {
        trace: true,
        ..RunOptions::default()
    };
    let run = seeded_run(scenario, seed, options);
    let events = run.trace.as_deref().unwrap_or(&[]);
    backend::step_times::beside_model(steps, &scenario.setup.names, events);
}

/// `j1 J1 4 ms (model 3), J2 ...`: when each step first showed.
fn steps_line(steps: &[backend::step_times::StepTime], variant: Variant) -> String {
    if steps.is_empty() {
        return "step times: none read from the joiners' logs".to_string();
    }
    let each: Vec<String> = steps
        .iter()
        .map(|s| {
            let model = s.model_tick.map_or("-".to_string(), |t| t.to_string());
            format!("{} {} {:.0}/{model}", s.joiner, s.step, s.real_ms)
        })
        .collect();
    format!(
        "step first seen, real ms / model tick ({variant}, same seed): {}",
        each.join(", ")
    )
}

/// The model's failure groups over seeds 1..=n: runs and one message each.
fn model_groups(scenario: &Scenario, seeds: u64) -> BTreeMap<String, (u64, String)> {
    let mut groups: BTreeMap<String, (u64, String)> = BTreeMap::new();
    for seed in 1..=seeds {
        let result = seeded_run(scenario, seed, RunOptions::default());
        let mut seen = std::collections::BTreeSet::new();
        for v in &result.violations {
            let label = failure_key(scenario, v).label();
            if seen.insert(label.clone()) {
                let entry = groups.entry(label).or_insert_with(|| (0, v.message.clone()));
                entry.0 += 1;
            }
        }
    }
    groups
}

fn report(
    scenario: &Scenario,
    variant: Variant,
    package: &str,
    tally: &RealTally,
    model: &BTreeMap<String, (u64, String)>,
    verdicts: &[(String, bool, String)],
    model_seeds: u64,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "scenario {} on {package}: {} tries", scenario.name, tally.tries);
    let labels: std::collections::BTreeSet<&String> = tally.groups.keys().chain(model.keys()).collect();
    if labels.is_empty() {
        let _ = writeln!(
            out,
            "  no failure group, real or in the model ({variant}, seeds 1..{model_seeds})"
        );
    }
    for label in labels {
        let real = tally.groups.get(label).map_or(0, |g| g.tries);
        let (runs, text) = model.get(label).cloned().unwrap_or((0, String::new()));
        let _ = writeln!(
            out,
            "  {label}: real {real} of {} tries; model ({variant}) {runs} of {model_seeds} runs ({:.1}%)",
            tally.tries,
            100.0 * runs as f64 / model_seeds as f64
        );
        if let Some(g) = tally.groups.get(label) {
            for (message, n) in &g.messages {
                let _ = writeln!(out, "    real ({n}x): {message}");
            }
        }
        if !text.is_empty() {
            let _ = writeln!(out, "    model: {text}");
        }
    }
    for e in &tally.setup_failures {
        let _ = writeln!(out, "  setup failed: {e}");
    }
    for (key, met, detail) in verdicts {
        let _ = writeln!(
            out,
            "  expect_real {key}: {detail}: {}",
            if *met { "met" } else { "NOT met" }
        );
    }
    out
}
