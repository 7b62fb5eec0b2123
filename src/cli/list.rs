//! `joinsim list`: variants, invariants and bundled scenarios.

use std::path::PathBuf;

use clap::Args;

use super::{Failure, Verdict, bundled_scenarios};
use crate::check::Invariant;
use crate::model::Variant;
use crate::scenario::Scenario;

#[derive(Args, Debug)]
pub struct ListArgs {
    /// Where the bundled scenarios are.
    #[arg(long, default_value = "scenarios")]
    pub dir: PathBuf,
}

pub fn list(args: &ListArgs) -> Result<Verdict, Failure> {
    println!("variants:");
    for v in Variant::ALL {
        println!("  {:<22} {}", v.name(), v.description());
    }
    println!("invariants:");
    for i in Invariant::ALL {
        println!("  {:<27} {}", i.name(), i.description());
    }
    println!("scenarios ({}):", args.dir.display());
    for path in bundled_scenarios(&args.dir)? {
        let scenario = Scenario::load(&path)?;
        let first_line = scenario.description.lines().next().unwrap_or("");
        println!("  {:<30} [{}] {}", scenario.name, scenario.variant(), first_line);
    }
    Ok(Verdict::Clean)
}
