//! `joinsim scenario [FILE...]`: without files, the scenario format (every
//! key); with files, each loaded and checked, its warnings printed.

use std::path::PathBuf;

use clap::Args;

use super::{Failure, Verdict};
use crate::scenario::Scenario;

#[derive(Args, Debug)]
pub struct ScenarioArgs {
    /// Scenario files to check (none: print the format).
    pub files: Vec<PathBuf>,
}

pub fn scenario(args: &ScenarioArgs) -> Result<Verdict, Failure> {
    if args.files.is_empty() {
        print!("{}", crate::scenario::reference());
        return Ok(Verdict::Clean);
    }
    for path in &args.files {
        let scenario = Scenario::load(path)?;
        println!("{}: ok ({} warning(s))", path.display(), scenario.warnings.len());
        for warning in &scenario.warnings {
            println!("warning: {warning}");
        }
    }
    Ok(Verdict::Clean)
}
