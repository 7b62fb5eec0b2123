//! `[expect_real]`: what the tries of a scenario must show, keyed as
//! `[expect]` is (an invariant, or a failure group `INVARIANT on ROLE at
//! STEP`), each `"reproduced"` (at least one try breaks it) or `"never"`.
//! An invariant the table does not name must never break, as in `[expect]`.
//! And the tally of tries by failure group.

use std::collections::BTreeMap;

use crate::check::Invariant;
use crate::explore::campaign::failure_key;
use crate::scenario::file::ScenarioFile;
use crate::scenario::{GroupBand, Scenario, ScenarioError, line_of, parse_toml};

use super::TryResult;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RealExpect {
    Never,
    Reproduced,
}

/// One line of `[expect_real]`: an invariant or a failure group's label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RealExpectation {
    pub key: String,
    pub invariant: Invariant,
    /// `Some(label)` for a failure group.
    pub group: Option<String>,
    pub expect: RealExpect,
}

/// Reads `[expect_real]` of scenario `file` (its `text`).
pub fn read(file: &str, text: &str) -> Result<Vec<RealExpectation>, ScenarioError> {
    let parsed: ScenarioFile = parse_toml(file, text)?;
    let at = |span: std::ops::Range<usize>, key: &str, message: String| ScenarioError {
        file: file.to_string(),
        line: Some(line_of(text, span.start)),
        key: Some(format!("expect_real.{key}")),
        message,
    };
    let mut out = Vec::new();
    for (key, value) in &parsed.expect_real {
        let k = key.get_ref();
        let (invariant, group) = match GroupBand::parse_key(k) {
            Some(Ok((invariant, label))) => (invariant, Some(label)),
            Some(Err(message)) => return Err(at(key.span(), k, message)),
            None => match Invariant::parse(k) {
                Some(i) => (i, None),
                None => {
                    let known: Vec<&str> = Invariant::ALL.iter().map(|i| i.name()).collect();
                    let message = format!("unknown invariant \"{k}\" (known: {})", known.join(", "));
                    return Err(at(key.span(), k, message));
                }
            },
        };
        let expect = match value.get_ref().as_str() {
            "never" => RealExpect::Never,
            "reproduced" => RealExpect::Reproduced,
            other => {
                let message = format!("\"{other}\": a real expectation is \"reproduced\" or \"never\"");
                return Err(at(value.span(), k, message));
            }
        };
        out.push(RealExpectation {
            key: k.clone(),
            invariant,
            group,
            expect,
        });
    }
    Ok(out)
}

/// The tries of one scenario, by failure group.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct RealTally {
    pub tries: usize,
    /// Per failure group label: in how many tries, and each distinct
    /// message (the real error texts) with its count.
    pub groups: BTreeMap<String, GroupCount>,
    /// Tries whose setup failed (no verdict).
    pub setup_failures: Vec<String>,
}

#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct GroupCount {
    pub tries: usize,
    pub messages: BTreeMap<String, usize>,
}

impl RealTally {
    pub fn add(&mut self, scenario: &Scenario, result: &Result<TryResult, String>) {
        self.tries += 1;
        let t = match result {
            Ok(t) => t,
            Err(e) => return self.setup_failures.push(e.clone()),
        };
        let mut seen = std::collections::BTreeSet::new();
        for v in &t.violations {
            let label = failure_key(scenario, v).label();
            let group = self.groups.entry(label.clone()).or_default();
            if seen.insert(label) {
                group.tries += 1;
            }
            *group.messages.entry(v.message.clone()).or_default() += 1;
        }
    }

    /// Tries that broke `invariant` (any group of it).
    fn tries_breaking(&self, invariant: Invariant) -> usize {
        self.groups
            .iter()
            .filter(|(label, _)| label.starts_with(&format!("{invariant} on ")))
            .map(|(_, g)| g.tries)
            .max()
            .unwrap_or(0)
    }

    /// Each expectation with whether it was met; then each invariant the
    /// table does not name that broke (unexpected).
    pub fn verdicts(&self, expectations: &[RealExpectation]) -> Vec<(String, bool, String)> {
        let mut out = Vec::new();
        for e in expectations {
            let count = match &e.group {
                Some(label) => self.groups.get(label).map_or(0, |g| g.tries),
                None => self.tries_breaking(e.invariant),
            };
            let met = match e.expect {
                RealExpect::Never => count == 0,
                RealExpect::Reproduced => count > 0,
            };
            let want = match e.expect {
                RealExpect::Never => "never",
                RealExpect::Reproduced => "reproduced",
            };
            out.push((e.key.clone(), met, format!("{want}: {count} of {} tries", self.tries)));
        }
        for invariant in Invariant::ALL {
            if expectations.iter().any(|e| e.invariant == invariant) {
                continue;
            }
            let count = self.tries_breaking(invariant);
            if count > 0 {
                out.push((
                    invariant.name().to_string(),
                    false,
                    format!("never (not in [expect_real]): {count} of {} tries", self.tries),
                ));
            }
        }
        if !self.setup_failures.is_empty() {
            out.push((
                "setup".to_string(),
                false,
                format!(
                    "{} of {} tries could not form the cluster",
                    self.setup_failures.len(),
                    self.tries
                ),
            ));
        }
        out
    }
}
