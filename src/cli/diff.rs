//! `joinsim diff SCENARIO --seed N | --deviation K:A:B:C=V... --variant V [--from W]`:
//! replays the same decisions on another protocol variant and shows where
//! the two traces part, how each ends, and which decisions had no
//! counterpart on the other side.

use clap::Args;

use super::trace::{Loaded, Source, load, run_traced};
use super::{Failure, Verdict, parse_variant};
use crate::run::{RunResult, Source as ChoiceSource};
use crate::trace::diff::{Side, render};
use crate::trace::{outcome, rows};

#[derive(Args, Debug)]
pub struct DiffArgs {
    /// The run to start from.
    #[command(flatten)]
    pub source: Source,
    /// The variant to replay the same decisions on.
    #[arg(long)]
    pub variant: String,
    /// Run the original under this variant instead of the scenario's own.
    #[arg(long)]
    pub from: Option<String>,
}

/// The two runs of a comparison: the original and A's deviations replayed
/// on `variant`. Choices are labelled, so B takes A's decision wherever it
/// reaches the same choice point (the same message on the same link, the
/// same client's start, ...), and the nominal one elsewhere.
pub fn compare(loaded: &Loaded, variant: crate::model::Variant) -> (RunResult, Loaded, RunResult) {
    let first = run_traced(loaded);
    let other = Loaded {
        scenario: loaded.scenario.with_variant(variant),
        source: ChoiceSource::Schedule(first.schedule()),
        schedule_text: format!("A's {} deviation(s)", first.schedule().len()),
    };
    let second = run_traced(&other);
    (first, other, second)
}

/// The comparison as text.
pub fn report(loaded: &Loaded, variant: crate::model::Variant) -> String {
    let (first, other, second) = compare(loaded, variant);
    render_comparison(loaded, &first, &other, &second)
}

/// The comparison of two runs [`compare`] made, as text.
fn render_comparison(loaded: &Loaded, first: &RunResult, other: &Loaded, second: &RunResult) -> String {
    let side_rows = |l: &Loaded, r: &RunResult| {
        rows::rows(
            &l.scenario.setup.names,
            r.trace.as_deref().unwrap_or(&[]),
            &r.violations,
        )
    };
    let (rows_a, rows_b) = (side_rows(loaded, first), side_rows(other, second));
    let name_a = format!("{} (A)", loaded.scenario.variant());
    let name_b = format!("{} (B)", other.scenario.variant());
    let a = Side {
        name: &name_a,
        rows: &rows_a,
        ending: outcome::lines(&loaded.scenario, first),
    };
    let b = Side {
        name: &name_b,
        rows: &rows_b,
        ending: outcome::lines(&other.scenario, second),
    };
    let unmatched = if second.unused.is_empty() {
        "# B reached every choice point where A deviated\n".to_string()
    } else {
        let setup = &other.scenario.setup;
        let listed: Vec<String> = second.unused.iter().map(|d| crate::labels::token(*d, setup)).collect();
        format!("# A's deviations with no counterpart in B: {}\n", listed.join(" "))
    };
    format!(
        "# {} · {}: {} (A) vs {} (B) on the same decisions\n{unmatched}{}",
        loaded.scenario.name,
        loaded.schedule_text,
        loaded.scenario.variant(),
        other.scenario.variant(),
        render(&a, &b)
    )
}

/// Exits 1 when either run broke an invariant, 0 when neither did (as
/// `trace` does for one run), 2 on bad input, a given deviation that A
/// never reaches or out of range included (unless `--lenient`).
pub fn diff(args: &DiffArgs) -> Result<Verdict, Failure> {
    let variant = parse_variant(&args.variant)?;
    let loaded = load(&args.source, args.from.as_deref())?;
    let (first, other, second) = compare(&loaded, variant);
    for warning in super::trace::given_deviations_used(&loaded.scenario, &first, args.source.lenient)? {
        println!("# {warning}");
    }
    print!("{}", render_comparison(&loaded, &first, &other, &second));
    Ok(if first.violations.is_empty() && second.violations.is_empty() {
        Verdict::Clean
    } else {
        Verdict::Violated
    })
}
