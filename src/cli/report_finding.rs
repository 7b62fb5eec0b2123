//! `joinsim report FINDING | --all [--out DIR]` and `joinsim report --table
//! [--readme FILE]`: a finding's report, as `docs/findings/NAME.md`, and the
//! README's table of findings against fix variants.

use std::path::{Path, PathBuf};

use clap::Args;

use super::{Failure, Verdict, scenarios_dir};
use crate::finding::render::{self, replace_table};
use crate::finding::{FINDINGS_DIR, Finding, Measurements, Report, SEEDS, load_all};

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// The finding, by its name in the registry (`findings/NAME.toml`).
    #[arg(conflicts_with = "all", required_unless_present_any = ["all", "table"])]
    pub finding: Option<String>,
    /// Write the report of every finding in the registry.
    #[arg(long)]
    pub all: bool,
    /// Print the table of findings against fix variants (the README's).
    #[arg(long)]
    pub table: bool,
    /// With --table: replace the table between its markers in this file.
    #[arg(long, requires = "table", value_name = "FILE")]
    pub readme: Option<PathBuf>,
    /// Where the reports go (default: docs/findings in the repository).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// The findings registry (default: findings/ in the repository).
    #[arg(long, value_name = "DIR")]
    pub registry: Option<PathBuf>,
    /// Worker threads per campaign (default: all cores); reports do not
    /// depend on it.
    #[arg(long)]
    pub jobs: Option<usize>,
}

pub fn report(args: &ReportArgs) -> Result<Verdict, Failure> {
    let scenarios = scenarios_dir(None)?;
    let root = scenarios.parent().unwrap_or(Path::new(".")).to_path_buf();
    let registry = args.registry.clone().unwrap_or_else(|| root.join(FINDINGS_DIR));
    let findings = load_all(&registry, &scenarios)?;
    let selected = select(&findings, args)?;
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    if jobs == 0 {
        return Err(Failure::Input("--jobs: must be at least 1".to_string()));
    }
    let mut measurements = Measurements::new(jobs);
    let out = args.out.clone().unwrap_or_else(|| root.join("docs").join("findings"));
    let mut problems = Vec::new();
    for finding in selected {
        problems.extend(write_report(finding, &mut measurements, &out)?);
    }
    if args.table {
        eprintln!("table: every finding under every fix variant, seeds 1..={SEEDS} each");
        let table = render::table(&findings, &mut measurements);
        match &args.readme {
            None => print!("{table}"),
            Some(path) => rewrite_readme(path, &table)?,
        }
    }
    for p in &problems {
        println!("PROBLEM {p}");
    }
    Ok(if problems.is_empty() {
        Verdict::Clean
    } else {
        Verdict::Violated
    })
}

/// The findings to report on: the one named, every one (`--all`), or none
/// (`--table` alone).
fn select<'f>(findings: &'f [Finding], args: &ReportArgs) -> Result<Vec<&'f Finding>, Failure> {
    if args.all {
        return Ok(findings.iter().collect());
    }
    let Some(name) = &args.finding else {
        return Ok(Vec::new());
    };
    match findings.iter().find(|f| &f.name == name) {
        Some(f) => Ok(vec![f]),
        None => {
            let known: Vec<&str> = findings.iter().map(|f| f.name.as_str()).collect();
            Err(Failure::Input(format!(
                "no finding \"{name}\" in {FINDINGS_DIR}/ (known: {})",
                known.join(", ")
            )))
        }
    }
}

/// Measures one finding, writes `out/NAME.md` and says what it found;
/// returns why the report does not hold, if it does not.
fn write_report(finding: &Finding, measurements: &mut Measurements, out: &Path) -> Result<Vec<String>, Failure> {
    eprintln!(
        "{}: {} and {} over seeds 1..={SEEDS}, then the first failing seed shrunk",
        finding.name,
        finding.scenario.variant(),
        finding.fix
    );
    let report = Report::build(finding, measurements);
    std::fs::create_dir_all(out).map_err(|e| Failure::Input(format!("{}: cannot create: {e}", out.display())))?;
    let path = out.join(format!("{}.md", finding.name));
    std::fs::write(&path, report.markdown())
        .map_err(|e| Failure::Input(format!("{}: cannot write: {e}", path.display())))?;
    println!(
        "{}: {} of {} runs in `{}` today, {} under {}; wrote {}",
        finding.name,
        report.today.in_group,
        report.today.runs,
        finding.group.label(),
        report.fix.in_group,
        finding.fix,
        path.display()
    );
    Ok(report.problems())
}

fn rewrite_readme(path: &Path, table: &str) -> Result<(), Failure> {
    let text =
        std::fs::read_to_string(path).map_err(|e| Failure::Input(format!("{}: cannot read: {e}", path.display())))?;
    let updated = replace_table(&text, table).map_err(|e| Failure::Input(format!("{}: {e}", path.display())))?;
    std::fs::write(path, updated).map_err(|e| Failure::Input(format!("{}: cannot write: {e}", path.display())))
}
