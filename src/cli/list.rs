//! `joinsim list`: variants, invariants, kinds of choice, probes and
//! bundled scenarios.

use std::path::PathBuf;

use clap::Args;

use super::{Failure, Verdict, bundled_scenarios, scenarios_dir};
use crate::check::Invariant;
use crate::model::Variant;
use crate::scenario::Scenario;

#[derive(Args, Debug)]
pub struct ListArgs {
    /// Where the bundled scenarios are (default: scenarios/ here or in the
    /// repository around the current folder).
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

pub fn list(args: &ListArgs) -> Result<Verdict, Failure> {
    println!("variants:");
    for v in Variant::ALL {
        println!("  {:<22} {}", v.name(), v.description());
        println!("  {:<22} follows {}", "", v.follows());
    }
    println!("invariants:");
    for i in Invariant::ALL {
        println!("  {:<27} {}", i.name(), i.description());
    }
    println!("kinds of choice (schedule labels):");
    for (_, name) in crate::labels::kinds() {
        println!("  {name}");
    }
    println!("probes:");
    for p in crate::model::probe::Probe::ALL {
        println!("  {}", p.name());
    }
    let dir = scenarios_dir(args.dir.as_deref())?;
    println!("scenarios ({}):", dir.display());
    for path in bundled_scenarios(&dir)? {
        let scenario = Scenario::load(&path)?;
        let variants: Vec<&str> = scenario.campaign_variants().map(|v| v.name()).collect();
        println!(
            "  {:<30} [{}] {}",
            scenario.name,
            variants.join(", then "),
            first_sentence(&scenario.description)
        );
    }
    Ok(Verdict::Clean)
}

/// The description's first sentence, on one line, for a one-line listing.
fn first_sentence(description: &str) -> String {
    let flat = description.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.find(". ") {
        Some(end) => flat[..=end].trim_end().to_string(),
        None => flat,
    }
}
