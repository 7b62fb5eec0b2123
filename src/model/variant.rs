//! The protocol variants: each a small, named difference in what J5 does
//! with project config (INCUS-JOIN.md, "Protocol variants").

use super::db::Config;
use super::names::Names;
use super::validate::KeysChecked;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Variant {
    /// Before the fix: J5 applies and validates the full project config
    /// against the joiner's local database.
    Incus67,
    /// Incus 6.8+: J5 passes only `features.*` keys; restrictions arrive
    /// with the replicated database at J9.
    FeaturesOnly,
    /// Proposed fix: fetch the cluster groups and create them locally, then
    /// fetch and validate projects (two requests).
    GroupsFirst,
    /// Proposed fix: apply the full config at J5 but validate keys that
    /// reference cluster state only after J9. What is validated then is the
    /// config the joiner applied at J5 (as read then), against the groups
    /// of the replicated database: validation postponed, not re-read.
    DeferredValidation,
}

impl Variant {
    pub const ALL: [Variant; 4] = [
        Variant::Incus67,
        Variant::FeaturesOnly,
        Variant::GroupsFirst,
        Variant::DeferredValidation,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Variant::Incus67 => "incus-6.7",
            Variant::FeaturesOnly => "features-only",
            Variant::GroupsFirst => "groups-first",
            Variant::DeferredValidation => "deferred-validation",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Variant::Incus67 => {
                "J5 applies and validates the full project config on the joiner's local DB (before the #1390 fix)"
            }
            Variant::FeaturesOnly => {
                "J5 passes only features.* keys; restrictions apply with the replicated DB at J9 (Incus 6.8+)"
            }
            Variant::GroupsFirst => {
                "J5 first fetches and creates the cluster groups locally, then fetches and validates projects (proposed fix)"
            }
            Variant::DeferredValidation => {
                "J5 applies the full config but validates cluster-referencing keys only after J9 (proposed fix)"
            }
        }
    }

    pub fn parse(name: &str) -> Option<Variant> {
        Variant::ALL.into_iter().find(|v| v.name() == name)
    }

    /// Whether J5 reads the cluster groups before it reads projects.
    pub fn syncs_groups_first(self) -> bool {
        self == Variant::GroupsFirst
    }

    /// The config J5 applies to a project on the joiner's local daemon.
    pub fn config_at_member_init(self, config: &Config, names: &Names) -> Config {
        match self {
            Variant::FeaturesOnly => config.features_only(names),
            _ => config.clone(),
        }
    }

    /// Which keys J5's validation checks.
    pub fn keys_checked_at_member_init(self) -> KeysChecked {
        match self {
            Variant::DeferredValidation => KeysChecked::LocalOnly,
            _ => KeysChecked::All,
        }
    }

    /// Whether validation postponed at J5 runs after J9.
    pub fn validates_after_join(self) -> bool {
        self == Variant::DeferredValidation
    }
}

impl std::fmt::Display for Variant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
