//! The scenario file format, as serde reads it. Every table rejects unknown
//! keys; values that need checking against each other keep their position
//! (`Spanned`) so that an error can name its line.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

pub type Text = Spanned<String>;

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    #[serde(default)]
    pub description: String,
    pub variant: Text,
    pub cluster: ClusterFile,
    #[serde(default)]
    pub joiners: Vec<JoinerFile>,
    /// `[standalone]`: what every joiner's own server holds before it joins.
    #[serde(default)]
    pub standalone: StandaloneFile,
    #[serde(default)]
    pub admins: Vec<AdminFile>,
    #[serde(default)]
    pub network: NetworkFile,
    #[serde(default)]
    pub faults: FaultsFile,
    #[serde(default)]
    pub limits: LimitsFile,
    #[serde(default)]
    pub campaign: CampaignFile,
    #[serde(default)]
    pub expect: BTreeMap<Text, Text>,
    /// `[expect_variant.NAME]`: what the scenario expects under another
    /// variant (a fix variant's verdict), keyed by variant name.
    #[serde(default)]
    pub expect_variant: BTreeMap<Text, BTreeMap<Text, Text>>,
    /// `[expect_real]`: what `joinsim real` tries must show (read by the
    /// real back end only).
    #[serde(default)]
    pub expect_real: BTreeMap<Text, Text>,
    /// `[conform]`: why a comparison of `joinsim conform` differs, keyed by
    /// the compared item (read by conformance only).
    #[serde(default)]
    pub conform: BTreeMap<Text, Text>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct ClusterFile {
    pub members: Vec<Text>,
    pub leader: Text,
    #[serde(default)]
    pub groups: Vec<GroupFile>,
    #[serde(default)]
    pub projects: Vec<ProjectFile>,
    #[serde(default)]
    pub pools: Vec<PoolFile>,
    #[serde(default)]
    pub networks: Vec<NetworkDefFile>,
    /// `[[cluster.zones]]`: network zones (`incus network zone create`).
    #[serde(default)]
    pub zones: Vec<ZoneFile>,
    /// The server config key `cluster.join_token_expiry` (`incus config
    /// set`), as Incus spells it: `"30S"`, `"1H 30M"`.
    pub join_token_expiry: Option<Text>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct ZoneFile {
    pub name: Text,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct GroupFile {
    pub name: Text,
    #[serde(default)]
    pub members: Vec<Text>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct ProjectFile {
    pub name: Text,
    #[serde(default)]
    pub config: BTreeMap<Text, Text>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct PoolFile {
    pub name: Text,
    /// Created on some members only (`incus storage create NAME dir
    /// --target M`, never without `--target`): pending in the cluster.
    pub pending: Option<bool>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct NetworkDefFile {
    pub name: Text,
    pub project: Option<Text>,
    /// The bridge's config: the `dns.zone.*` keys and the routes only.
    #[serde(default)]
    pub config: BTreeMap<Text, Text>,
    /// Defined on some members only (`incus network create NAME --target
    /// M`, never without `--target`): pending in the cluster.
    pub pending: Option<bool>,
}

/// `[standalone]`: the joiners' own servers before they join (every
/// joiner alike).
#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct StandaloneFile {
    /// The devices of the `default` profile, by device name: each a table
    /// of the device's config (`incus profile device add default NAME nic
    /// nictype=bridged parent=br-host`).
    #[serde(default)]
    pub profile_devices: BTreeMap<Text, BTreeMap<Text, Text>>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct JoinerFile {
    pub name: Text,
    pub target: Text,
    pub start: Option<Spanned<i64>>,
    pub start_jitter: Option<Spanned<i64>>,
    /// How many times the operator runs `incus cluster join` (default 1).
    pub attempts: Option<Spanned<i64>>,
    /// Ticks between a failed attempt and the next (default 100).
    pub retry_after: Option<Spanned<i64>>,
    /// `"new"` (default): a retried attempt first gets a new join token
    /// (`incus cluster add`); `"same"`: it reuses the first token.
    pub retry_token: Option<Text>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct AdminFile {
    pub name: Text,
    pub via: Text,
    pub start: Option<Spanned<i64>>,
    pub start_jitter: Option<Spanned<i64>>,
    pub pause: Option<Spanned<i64>>,
    pub commands: Vec<CommandFile>,
    /// Wait, from `start`, until a join reaches a state.
    pub trigger: Option<TriggerFile>,
}

/// `trigger = { joiner = "j1", state = "full-member" }`.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct TriggerFile {
    pub joiner: Text,
    pub state: Text,
}

/// One admin command; which fields it needs depends on `op`.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct CommandFile {
    pub op: Text,
    pub group: Option<Text>,
    pub groups: Option<Spanned<Vec<Text>>>,
    pub to: Option<Text>,
    pub member: Option<Text>,
    pub force: Option<Spanned<bool>>,
    pub project: Option<Text>,
    pub key: Option<Text>,
    pub value: Option<Text>,
    pub config: Option<Spanned<BTreeMap<Text, Text>>>,
    pub pool: Option<Text>,
    pub network: Option<Text>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct NetworkFile {
    pub delay_min: Option<Spanned<i64>>,
    pub delay_max: Option<Spanned<i64>>,
    pub reorder: Option<bool>,
    pub same_tick_order: Option<bool>,
    pub drop: Option<Text>,
    pub duplicate: Option<Text>,
    pub faults_until: Option<Spanned<i64>>,
    pub request_timeout: Option<Spanned<i64>>,
    #[serde(default)]
    pub partitions: Vec<PartitionFile>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct PartitionFile {
    pub side_a: Vec<Text>,
    pub side_b: Vec<Text>,
    pub from: Spanned<i64>,
    pub until: Spanned<i64>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct FaultsFile {
    #[serde(default)]
    pub crashes: Vec<CrashFile>,
    #[serde(default)]
    pub pauses: Vec<PauseFile>,
    #[serde(default)]
    pub step_errors: Vec<StepErrorFile>,
    pub random_step_error: Option<Text>,
    pub until: Option<Spanned<i64>>,
    pub transaction_retry: Option<Text>,
    pub leader_change: Option<Text>,
    pub local_work_max: Option<Spanned<i64>>,
    pub mutex_handoff: Option<Text>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct CrashFile {
    pub node: Text,
    pub at: Spanned<i64>,
    pub jitter: Option<Spanned<i64>>,
    pub restart_after: Option<Spanned<i64>>,
}

/// `[[faults.pauses]]`: a node that stops answering for a while.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct PauseFile {
    pub node: Text,
    pub at: Spanned<i64>,
    pub jitter: Option<Spanned<i64>>,
    pub resume_after: Spanned<i64>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct StepErrorFile {
    pub step: Text,
    pub joiner: Option<Text>,
    /// Only in this attempt of the joiner (1-based); every attempt if unset.
    pub attempt: Option<Spanned<i64>>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct LimitsFile {
    pub max_events: Option<Spanned<i64>>,
    pub liveness_ticks: Option<Spanned<i64>>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct CampaignFile {
    pub seeds: Option<Spanned<i64>>,
}
