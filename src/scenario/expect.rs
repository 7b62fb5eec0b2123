//! What a scenario expects of each invariant.

use crate::check::Invariant;

/// How often runs of a scenario may break an invariant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Expect {
    /// Every run must break it (#1390 fails on every join).
    Always,
    /// Some run of a campaign must break it; any single run may or may not.
    Sometimes,
    /// Runs may break it; a campaign passes either way (a known finding).
    May,
    /// No run may break it.
    #[default]
    Never,
}

impl Expect {
    pub const ALL: [Expect; 4] = [Expect::Always, Expect::Sometimes, Expect::May, Expect::Never];

    pub fn name(self) -> &'static str {
        match self {
            Expect::Always => "always",
            Expect::Sometimes => "sometimes",
            Expect::May => "may",
            Expect::Never => "never",
        }
    }

    pub fn parse(text: &str) -> Option<Expect> {
        Expect::ALL.into_iter().find(|e| e.name() == text)
    }

    /// Whether one run that did (or did not) break the invariant is fine.
    pub fn allows_run(self, violated: bool) -> bool {
        match self {
            Expect::Always => violated,
            Expect::Sometimes | Expect::May => true,
            Expect::Never => !violated,
        }
    }

    /// Whether a campaign in which `violating` of `runs` runs broke the
    /// invariant meets the expectation.
    pub fn met_by(self, violating: u64, runs: u64) -> bool {
        match self {
            Expect::Always => violating == runs,
            Expect::Sometimes => violating > 0,
            Expect::May => true,
            Expect::Never => violating == 0,
        }
    }
}

/// One expectation per invariant (`never` unless the scenario says).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Expectations(pub [Expect; Invariant::ALL.len()]);

impl Expectations {
    pub fn of(&self, invariant: Invariant) -> Expect {
        self.0[invariant.index()]
    }
}
