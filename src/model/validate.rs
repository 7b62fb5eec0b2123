//! `projectValidateConfig` (cmd/incusd/api_project.go:1575-2111 at
//! be7afc5df3): the project config validator, as far as the join is
//! concerned. Three of its checks read the database the validating node
//! uses now (on a joiner at J5, its local one), which the caller passes
//! in: the cluster groups (`restricted.cluster.groups`), the storage pool
//! names (`limits.disk.pool.NAME`) and the uplink networks
//! (`restricted.networks.subnets`).

pub use super::boolean::{is_false, is_true};
use super::db::{Config, Db};
use super::names::{GroupSet, Names};

/// A lookup `projectValidateConfig` makes in its database besides the
/// cluster groups, and what it looks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lookup {
    /// `limits.disk.pool.NAME`: the key is known only for a pool the
    /// database has, in any state (`GetStoragePoolNames`,
    /// api_project.go:2050-2070); otherwise `Invalid project configuration
    /// key` (2092-2095).
    Pool,
    /// `restricted.networks.subnets`: each `UPLINK:SUBNET` item's uplink is
    /// looked up in `default` in any state (`projectValidateRestrictedSubnets`,
    /// api_project.go:2156-2164).
    Uplink,
}

/// The pool and uplink lookups validating `config` makes, in the config's
/// key order, each with the name it looks up.
pub fn lookups<'n>(config: &Config, names: &'n Names) -> Vec<(Lookup, &'n str)> {
    let mut found = Vec::new();
    for &(key, value) in &config.0 {
        let key = names.str(key);
        if let Some(pool) = key.strip_prefix("limits.disk.pool.") {
            found.push((Lookup::Pool, pool));
        } else if key == "restricted.networks.subnets" {
            let uplinks = names
                .str(value)
                .split(',')
                .filter_map(|item| item.trim().split_once(':'));
            found.extend(uplinks.map(|(uplink, _)| (Lookup::Uplink, uplink)));
        }
    }
    found
}

/// Whether `db` has what `lookup` looks for (the routes of an uplink it
/// finds are the cluster's: J5 copies them, and no operation changes them).
pub fn finds(db: &Db, lookup: Lookup, name: &str, names: &Names) -> bool {
    match lookup {
        Lookup::Pool => db.has_pool_named(name, names),
        Lookup::Uplink => db.has_network_named(names.keys.default_project, name, names),
    }
}

/// Incus's error for a lookup that found nothing (api_project.go:2094;
/// 2163 wrapped at 2099, with `Network not found`, db/networks.go:673).
fn not_found(lookup: Lookup, name: &str) -> String {
    match lookup {
        Lookup::Pool => format!("Invalid project configuration key \"limits.disk.pool.{name}\""),
        Lookup::Uplink => format!(
            "Invalid project configuration key \"restricted.networks.subnets\" value: Invalid uplink network \"{name}\": Network not found"
        ),
    }
}

/// Which keys a validation checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeysChecked {
    /// Every key (Incus's normal behaviour).
    All,
    /// Every key but those that reference cluster state
    /// (`deferred-validation` at J5).
    LocalOnly,
}

/// Validates `config` against the database `db`, with Incus's error texts:
/// the `restricted.cluster.groups` validator (api_project.go:1764-1797)
/// reports the first listed group that does not exist, wrapped as every
/// key's error is (:2097-2100); the pool and uplink [`lookups`] follow;
/// after the keys, a restricted project must have its own profiles
/// (:2103-2108). The other keys' values are pure checks, made by the
/// scenario compiler. Incus walks the keys in Go's map order, so when
/// several keys fail, which error it reports varies; the model reports the
/// groups first, then the lookups in key order.
pub fn validate_project_config(config: &Config, db: &Db, names: &Names, keys: KeysChecked) -> Result<(), String> {
    if keys == KeysChecked::LocalOnly {
        return Ok(());
    }
    let groups = db.group_set();
    let list = config.restricted_groups(names).unwrap_or(&[]);
    if let Some(&missing) = list.iter().find(|&&g| !groups.contains(g)) {
        return Err(format!(
            "Invalid project configuration key \"restricted.cluster.groups\" value: Cluster group \"{}\" doesn't exist",
            names.group_str(missing)
        ));
    }
    if let Some((lookup, name)) = lookups(config, names)
        .into_iter()
        .find(|&(lookup, name)| !finds(db, lookup, name, names))
    {
        return Err(not_found(lookup, name));
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
