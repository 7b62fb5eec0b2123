//! Exploration: many runs of a scenario over a seed space, or chosen by a
//! search strategy, on many threads, with results that do not depend on
//! the number of threads.

pub mod bench;
pub mod campaign;
pub mod explored;
pub mod failures;
pub mod orders;
pub mod outcome;
pub mod search;
pub mod search_bench;
pub mod seeds;
pub mod strategy;
pub mod tally;
pub mod verdict;
pub mod visited;

pub use campaign::{Campaign, CampaignOptions, run_campaign};
pub use explored::strategy_campaign;
pub use outcome::{ScenarioOutcome, outcome, seed_campaign};
pub use seeds::{SeedRange, Shard};
pub use tally::{FailureGroup, FailureKey, SmallestSeeds, Tally};
pub use verdict::{BandCheck, BandReport, bands, check_band, concerns, judge, judge_search, warnings};
