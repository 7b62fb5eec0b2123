//! `projectValidateConfig` (cmd/incusd/api_project.go:1575-2111 at
//! be7afc5df3): the project config validator, as far as the join is
//! concerned. The validator of `restricted.cluster.groups` reads the
//! cluster groups of whatever database the validating node uses now; the
//! caller passes that view in.

pub use super::boolean::{is_false, is_true};
use super::db::Config;
use super::names::{GroupSet, Names};

/// Which keys a validation checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeysChecked {
    /// Every key (Incus's normal behaviour).
    All,
    /// Every key but those that reference cluster state
    /// (`deferred-validation` at J5).
    LocalOnly,
}

/// Validates `config` against the cluster groups in `groups`, with
/// Incus's error texts: the `restricted.cluster.groups` validator
/// (api_project.go:1764-1797) reports the first listed group that does not
/// exist, wrapped as every key's error is (:2097-2100); after the keys,
/// a restricted project must have its own profiles (:2103-2108). Of the
/// other keys the model checks none (Incus refuses unknown ones, :2092-2095).
pub fn validate_project_config(
    config: &Config,
    groups: GroupSet,
    names: &Names,
    keys: KeysChecked,
) -> Result<(), String> {
    if keys == KeysChecked::LocalOnly {
        return Ok(());
    }
    let list = config.restricted_groups(names).unwrap_or(&[]);
    if let Some(&missing) = list.iter().find(|&&g| !groups.contains(g)) {
        return Err(format!(
            "Invalid project configuration key \"restricted.cluster.groups\" value: Cluster group \"{}\" doesn't exist",
            names.group_str(missing)
        ));
    }
    let value = |key: &str| {
        names
            .lookup(key)
            .and_then(|k| config.get(k))
            .map_or("", |v| names.str(v))
    };
    if is_true(value("restricted")) && is_false(value("features.profiles")) {
        return Err("Projects without their own profiles cannot be restricted".to_string());
    }
    Ok(())
}

/// The groups a config references (empty when it names none).
pub fn referenced_groups(config: &Config, names: &Names) -> GroupSet {
    let mut set = GroupSet::EMPTY;
    for &g in config.restricted_groups(names).unwrap_or(&[]) {
        set.insert(g);
    }
    set
}
