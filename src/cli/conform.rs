//! `joinsim conform [SCENARIO...] [--json FILE] [--markdown FILE]`: each
//! scenario on a live cluster and in the model (nominal schedule, the
//! variant of the Incus installed here), compared join by join and at the
//! end (`crate::conform`). Without scenarios: every file of
//! `scenarios/conform/`. Exit 0 when every difference is one the scenario
//! explains (`[conform] differs.ITEM = "reason"`), 1 otherwise, 2 on bad
//! input.

use std::path::PathBuf;

use clap::Args;

use super::{Failure, Verdict, load_scenario};
use crate::conform::{self, report};
use crate::real as backend;

#[derive(Args, Debug)]
pub struct ConformArgs {
    /// Scenario files (default: scenarios/conform/*.toml).
    pub scenarios: Vec<PathBuf>,
    /// Write every comparison, both sides whole, as JSON.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Write the comparisons as Markdown (docs/CONFORMANCE.md).
    #[arg(long)]
    pub markdown: Option<PathBuf>,
}

pub fn conform(args: &ConformArgs) -> Result<Verdict, Failure> {
    let paths = if args.scenarios.is_empty() {
        default_scenarios()?
    } else {
        args.scenarios.clone()
    };
    let mut loaded = Vec::new();
    for path in &paths {
        let scenario = load_scenario(path, None)?;
        backend::refuse::check(&scenario.path, &scenario.source)?;
        let reasons = report::reasons(&scenario.path, &scenario.source)?;
        loaded.push((scenario, reasons));
    }
    backend::available().map_err(Failure::Input)?;
    let _ = ctrlc::set_handler(|| backend::record::interrupt());
    let mut all = Vec::new();
    let mut failed = 0;
    for (scenario, reasons) in &loaded {
        match conform::compare(scenario) {
            Ok(compared) => {
                print!("{}", report::text(&compared, reasons));
                all.push((compared, reasons.clone()));
            }
            Err(e) => {
                println!("{}: not compared: {e}", scenario.path);
                failed += 1;
            }
        }
    }
    let unexplained: usize = all.iter().map(|(c, r)| report::unexplained(c, r).len()).sum();
    let equal_texts: usize = all.iter().map(|(c, _)| c.equal_error_texts).sum();
    println!(
        "conform: {} scenario(s) compared, {failed} not, on {}; {equal_texts} join-step error text(s) equal; {unexplained} difference(s) without a reason",
        all.len(),
        backend::incus_package()
    );
    if let Some(path) = &args.json {
        let list: Vec<_> = all.iter().map(|(c, _)| c).collect();
        let text = serde_json::to_string_pretty(&list).map_err(|e| Failure::Input(e.to_string()))?;
        std::fs::write(path, text).map_err(|e| Failure::Input(format!("{}: {e}", path.display())))?;
    }
    if let Some(path) = &args.markdown {
        let text = report::markdown(&all, &backend::incus_package());
        std::fs::write(path, text).map_err(|e| Failure::Input(format!("{}: {e}", path.display())))?;
    }
    Ok(if unexplained == 0 && failed == 0 {
        Verdict::Clean
    } else {
        Verdict::Violated
    })
}

fn default_scenarios() -> Result<Vec<PathBuf>, Failure> {
    let dir = PathBuf::from("scenarios/conform");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| Failure::Input(format!("{}: {e}", dir.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    Ok(paths)
}
