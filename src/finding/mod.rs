//! Findings about today's Incus, from registry to report: each finding
//! names the scenario and failure group that show it, the Incus source
//! lines that make it real and the fix variant that removes it
//! ([`registry`]); the harness measures it and its fix ([`measure`]); a
//! report an Incus developer can act on is rendered from that
//! ([`render`]), the reproduction commands and the fix's verdict included.

pub mod measure;
pub mod registry;
pub mod render;

pub use measure::{FixVerdict, Measurements, Outcome, SEEDS, Shortest};
pub use registry::{FINDINGS_DIR, Finding, SourceLines, load_all};

/// What the reports say of bounded exhaustive search while
/// `joinsim explore --strategy exhaustive` is not in this tree.
pub const EXHAUSTIVE_PENDING: &str = "Pending: bounded exhaustive exploration (`joinsim explore --strategy exhaustive`) \
     is not in this tree yet; once it is, this section gives the smallest deviation bound that finds the finding in \
     today's Incus and whether the fix is clean within it.";

/// Everything a finding's report says, measured.
pub struct Report<'f> {
    pub finding: &'f Finding,
    /// Today's Incus (the scenario's own variant) over seeds 1..=[`SEEDS`].
    pub today: Outcome,
    /// The fix variant over the same seeds.
    pub fix: Outcome,
    pub verdict: FixVerdict,
    /// The first failing seed of the group, shrunk.
    pub shortest: Option<Shortest>,
}

impl<'f> Report<'f> {
    /// Measures `finding`: both campaigns (from `measurements`, which
    /// keeps them for the table) and the shortest schedule.
    pub fn build(finding: &'f Finding, measurements: &mut Measurements) -> Report<'f> {
        let today = measurements.outcome(finding, finding.scenario.variant());
        let fix = measurements.outcome(finding, finding.fix);
        let verdict = FixVerdict::of(finding, &today, &fix);
        let shortest = today.first_seed.and_then(|seed| measure::shortest(finding, seed));
        Report {
            finding,
            today,
            fix,
            verdict,
            shortest,
        }
    }

    /// The report holds: today's Incus shows the finding (a shortest
    /// schedule exists), the fix removes it without breaking anything new,
    /// and no run panicked or was nondeterministic.
    pub fn holds(&self) -> bool {
        self.shortest.is_some() && self.verdict.clean() && self.today.broken_runs == 0 && self.fix.broken_runs == 0
    }

    /// Why the report does not hold, one reason a line.
    pub fn problems(&self) -> Vec<String> {
        let name = &self.finding.name;
        let mut out = Vec::new();
        if self.shortest.is_none() {
            out.push(format!(
                "{name}: today's Incus shows no run in the group `{}` over seeds 1..={SEEDS}",
                self.finding.group.label()
            ));
        }
        if self.verdict.in_group > 0 {
            out.push(format!(
                "{name}: the fix {} leaves {} run(s) in the finding's group",
                self.finding.fix, self.verdict.in_group
            ));
        }
        for i in &self.verdict.new_invariants {
            out.push(format!(
                "{name}: the fix {} breaks {i}, which today's Incus does not",
                self.finding.fix
            ));
        }
        if self.today.broken_runs + self.fix.broken_runs > 0 {
            out.push(format!("{name}: runs panicked or were not deterministic"));
        }
        out
    }

    /// The Markdown report.
    pub fn markdown(&self) -> String {
        render::report(self)
    }
}
