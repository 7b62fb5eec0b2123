//! Scenario files: the cluster, the joiners, admin activity, faults and
//! expectations, read from TOML and compiled into the model's [`Setup`]
//! and the engine's knobs.

mod compile;
mod error;
mod expect;
pub(crate) mod file;
pub mod generate;
pub mod incus_config;
mod reference;
mod subnets;
mod warn;

use std::path::Path;
use std::sync::Arc;

pub use error::{ScenarioError, line_of, parse_toml, read_input, toml_files};
pub use expect::{
    BAND_CHECK_STANDARD_ERRORS, BAND_SUGGEST_STANDARD_ERRORS, Band, Expect, Expectations, GroupBand, fraction_percent,
    percent,
};
pub use reference::reference;
pub use warn::ScenarioWarning;

use crate::model::{Setup, Variant};
use crate::sim::{NetworkConfig, NodeId};

/// A crash of one node, and its restart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrashPlan {
    pub node: NodeId,
    pub at_tick: u64,
    /// The crash happens up to this many ticks after `at_tick` (drawn).
    pub jitter_ticks: u64,
    /// `None`: the node stays down.
    pub restart_after_ticks: Option<u64>,
}

/// A pause of one node (`SIGSTOP`, then `SIGCONT` on a real cluster): from
/// its tick until it resumes, the node runs nothing. What is sent to it
/// waits (its kernel still takes TCP data), and its own timers wait too;
/// it loses nothing, unlike a crash, and its clients see only a slow
/// answer, or their own timeouts (a heartbeat's 2 s).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PausePlan {
    pub node: NodeId,
    pub at_tick: u64,
    /// The pause starts up to this many ticks after `at_tick` (drawn).
    pub jitter_ticks: u64,
    pub resume_after_ticks: u64,
}

/// Bounds on a run; hitting one is a `join-liveness` violation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub max_events: u64,
    /// Virtual time by which every join must have ended.
    pub max_ticks: u64,
}

/// A loaded scenario, ready to run any number of times.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// The file stem, e.g. `issue-1390`.
    pub name: String,
    /// The path it was loaded from, as given.
    pub path: String,
    /// The TOML text, so that an artifact can carry the scenario inline.
    pub source: String,
    pub description: String,
    pub setup: Arc<Setup>,
    pub network: NetworkConfig,
    pub crashes: Vec<CrashPlan>,
    pub pauses: Vec<PausePlan>,
    /// The expectations of the variant it runs under: `[expect]` for its
    /// own, `[expect_variant.NAME]` for another that has them (else
    /// `[expect]` still).
    pub expect: Expectations,
    /// `[expect]`, whatever variant this copy runs under.
    file_expect: Expectations,
    /// `[expect_variant.NAME]`, by variant name.
    expect_variants: Vec<(Variant, Expectations)>,
    /// The variant the file names (`variant = ...`), whatever this copy
    /// runs under.
    file_variant: Variant,
    pub limits: Limits,
    /// `[campaign] seeds`: how many seeds `joinsim fuzz` runs of this
    /// scenario when the command line says neither `--seeds`, `--from/--to`
    /// nor `--time` (a costly scenario keeps the default campaign short).
    pub campaign_seeds: Option<u64>,
    /// Swarm testing: each run first draws which fault kinds it enables.
    /// Part of the scenario (not of a run's options) so that an artifact
    /// of a swarm run replays as one.
    pub swarm: bool,
    /// What loads but cannot do what it seems to say (no joiners, a fault
    /// that never fires): printed, never fatal.
    pub warnings: Vec<ScenarioWarning>,
}

impl Scenario {
    /// Loads and checks a scenario file.
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let (name, shown, source) = read_input(path, "scenario")?;
        Scenario::parse(&name, &shown, &source)
    }

    /// Parses scenario text; `path` is only used in messages.
    pub fn parse(name: &str, path: &str, source: &str) -> Result<Scenario, ScenarioError> {
        compile::compile(name, path, source)
    }

    pub fn variant(&self) -> Variant {
        self.setup.variant
    }

    /// The same scenario under another protocol variant.
    pub fn with_variant(&self, variant: Variant) -> Scenario {
        let mut setup = Setup::clone(&self.setup);
        setup.variant = variant;
        let expect = self.pinned_expectations(variant).unwrap_or(&self.file_expect).clone();
        Scenario {
            setup: Arc::new(setup),
            expect,
            ..self.clone()
        }
    }

    /// The variants `joinsim fuzz` runs this scenario under: the file's
    /// own, then each it pins.
    pub fn campaign_variants(&self) -> impl Iterator<Item = Variant> + '_ {
        std::iter::once(self.file_variant).chain(self.expected_variants())
    }

    /// The variants with an `[expect_variant.NAME]` table, by name:
    /// the fix variants whose verdict on this scenario is pinned.
    pub fn expected_variants(&self) -> impl Iterator<Item = Variant> + '_ {
        self.expect_variants.iter().map(|(v, _)| *v)
    }

    /// The name a summary gives this campaign: the scenario's, with the
    /// variant when it runs under another than the file's
    /// (`lossy-admin [revert-retries]`), so that its lines are not taken
    /// for the scenario's own.
    pub fn campaign_label(&self) -> String {
        if self.variant() == self.file_variant {
            self.name.clone()
        } else {
            format!("{} [{}]", self.name, self.variant())
        }
    }

    /// `[expect]`: the expectations under the file's own variant, whatever
    /// variant this copy runs.
    pub fn own_expectations(&self) -> &Expectations {
        &self.file_expect
    }

    /// `[expect_variant.NAME]` for `variant`, if the scenario pins it.
    pub fn pinned_expectations(&self, variant: Variant) -> Option<&Expectations> {
        self.expect_variants.iter().find(|(v, _)| *v == variant).map(|(_, e)| e)
    }

    /// The same scenario with swarm testing on or off.
    pub fn with_swarm(&self, swarm: bool) -> Scenario {
        Scenario { swarm, ..self.clone() }
    }

    pub fn node_name(&self, node: NodeId) -> &str {
        self.setup.node_name(node)
    }
}
