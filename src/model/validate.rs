//! `projectValidateConfig`: the project config validator, as far as the
//! join is concerned. The validator of `restricted.cluster.groups` reads the
//! cluster groups of whatever database the validating node uses now; the
//! caller passes that view in.

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

/// Validates `config` against the cluster groups in `groups`. The error
/// text is Incus's.
pub fn validate_project_config(
    config: &Config,
    groups: GroupSet,
    names: &Names,
    keys: KeysChecked,
) -> Result<(), String> {
    if keys == KeysChecked::LocalOnly {
        return Ok(());
    }
    let Some(list) = config.restricted_groups(names) else {
        return Ok(());
    };
    match list.iter().find(|&&g| !groups.contains(g)) {
        None => Ok(()),
        Some(&missing) => Err(format!(
            "Invalid project configuration key \"restricted.cluster.groups\" value: Cluster group \"{}\" doesn't exist",
            names.group_str(missing)
        )),
    }
}

/// The groups a config references (empty when it names none).
pub fn referenced_groups(config: &Config, names: &Names) -> GroupSet {
    let mut set = GroupSet::EMPTY;
    for &g in config.restricted_groups(names).unwrap_or(&[]) {
        set.insert(g);
    }
    set
}
