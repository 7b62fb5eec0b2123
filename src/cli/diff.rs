//! `joinsim diff SCENARIO --seed N | --choices LIST --variant V [--from W]`: replays
//! the same choices on another protocol variant and shows where the two
//! traces part and how each ends.

use clap::Args;

use super::trace::{Loaded, Source, load, run_traced};
use super::{Failure, Verdict, parse_variant};
use crate::run::{RunResult, Schedule};
use crate::trace::diff::{Side, render};
use crate::trace::{outcome, rows};

#[derive(Args, Debug)]
pub struct DiffArgs {
    /// The run to start from.
    #[command(flatten)]
    pub source: Source,
    /// The variant to replay the same choices on.
    #[arg(long)]
    pub variant: String,
    /// Run the original under this variant instead of the scenario's own.
    #[arg(long)]
    pub from: Option<String>,
}

/// The two runs of a comparison: the original and the same choices replayed
/// on `variant`.
pub fn compare(loaded: &Loaded, variant: crate::model::Variant) -> (RunResult, Loaded, RunResult) {
    let first = run_traced(loaded);
    let other = Loaded {
        scenario: loaded.scenario.with_variant(variant),
        schedule: Schedule::Replay(first.choices.clone()),
        schedule_text: format!("the same {} choices", first.choices.len()),
    };
    let second = run_traced(&other);
    (first, other, second)
}

/// B replays A's choices by position, and the variants draw different
/// numbers of choices, so after the traces part a position may decide
/// something else in B than in A. The header says so, lest a reader take
/// B's side after the parting point for "the same schedule".
const BY_POSITION: &str = "# choices are replayed by position: after the traces part, B may spend a choice on a different decision than A did\n";

/// The comparison as text.
pub fn report(loaded: &Loaded, variant: crate::model::Variant) -> String {
    let (first, other, second) = compare(loaded, variant);
    let side_rows = |l: &Loaded, r: &RunResult| {
        rows::rows(
            &l.scenario.setup.names,
            r.trace.as_deref().unwrap_or(&[]),
            &r.violations,
        )
    };
    let (rows_a, rows_b) = (side_rows(loaded, &first), side_rows(&other, &second));
    let name_a = format!("{} (A)", loaded.scenario.variant());
    let name_b = format!("{} (B)", other.scenario.variant());
    let a = Side {
        name: &name_a,
        rows: &rows_a,
        ending: outcome::lines(&loaded.scenario, &first),
    };
    let b = Side {
        name: &name_b,
        rows: &rows_b,
        ending: outcome::lines(&other.scenario, &second),
    };
    let overran = if second.replay_overran {
        format!(
            "# B ran past A's {} choices: from there every choice is 0 (oldest message first, base latency)\n",
            first.choices.len()
        )
    } else {
        String::new()
    };
    format!(
        "# {} · {}: {} (A) vs {} (B) on the same choices\n{BY_POSITION}{overran}{}",
        loaded.scenario.name,
        loaded.schedule_text,
        loaded.scenario.variant(),
        other.scenario.variant(),
        render(&a, &b)
    )
}

pub fn diff(args: &DiffArgs) -> Result<Verdict, Failure> {
    let variant = parse_variant(&args.variant)?;
    let loaded = load(&args.source, args.from.as_deref())?;
    print!("{}", report(&loaded, variant));
    Ok(Verdict::Clean)
}
