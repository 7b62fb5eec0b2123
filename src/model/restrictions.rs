//! Project restrictions as Incus applies them to networks and to the NIC
//! devices of profiles (internal/server/project/project.go `NetworkAllowed`,
//! permissions.go `AllowProjectUpdate`, `checkRestrictions` at be7afc5df3):
//! what J5 checks on the joiner's own daemon against its local database.

use super::boolean::is_false_or_empty;
use super::db::{Config, ProfileNic};
use super::names::{Names, Sym};

/// The config values `NetworkAllowed` reads, by name.
struct Restrictions<'a> {
    config: &'a Config,
    names: &'a Names,
}

impl Restrictions<'_> {
    fn value(&self, key: &str) -> &str {
        self.names
            .lookup(key)
            .and_then(|k| self.config.get(k))
            .map_or("", |v| self.names.str(v))
    }
}

/// `project.NetworkAllowed` (project.go:274-304): whether a project with
/// `config` may use `network`. `features_networks` is the project's
/// `features.networks`, which the model keeps implicit for `default`: every
/// feature is on there from the start (internal/server/db/cluster/
/// open.go:194-197) and can never change (api_project.go:803-806).
/// `spares_own_networks`: the variant's pass for managed networks of a
/// project with `features.networks` (290-293; not in v6.0.4).
pub fn network_allowed(
    config: &Config,
    names: &Names,
    network: &str,
    managed: bool,
    features_networks: bool,
    spares_own_networks: bool,
) -> bool {
    let r = Restrictions { config, names };
    if is_false_or_empty(r.value("restricted")) {
        return true; // :276-278
    }
    let nic = r.value("restricted.devices.nic");
    if nic == "block" {
        return false; // :281-283
    }
    if (nic == "managed" || nic.is_empty()) && !managed {
        return false; // :286-288
    }
    if spares_own_networks && managed && features_networks {
        return true; // :290-293
    }
    let access = r.value("restricted.networks.access");
    access.is_empty() || access.split(',').map(str::trim).any(|n| n == network) // :296-303
}

/// The `restricted.*` key whose change makes `AllowProjectUpdate`
/// (permissions.go:1190-1260) run `checkRestrictions` (1205-1218) when a
/// project's config goes from `old` to `new`: the first changed one in the
/// config's order (Incus walks them in Go's map order, so when several
/// changed, which one its error names varies). The preseed's update merges
/// its keys into the local config (client/incus_server.go:371-374), so no
/// key is removed.
pub fn changed_restriction(old: &Config, new: &Config, names: &Names) -> Option<Sym> {
    new.0
        .iter()
        .find(|&&(k, v)| old.get(k) != Some(v) && names.str(k).starts_with("restricted."))
        .map(|&(k, _)| k)
}

/// `checkRestrictions` (permissions.go:594-952) of `project` with its new
/// `config` against the NIC devices `nics` of its `default` profile, the
/// only devices the model has; the error as `AllowProjectUpdate` wraps it
/// (1214-1217) for the changed key `key`.
pub fn profile_conflict(
    project: Sym,
    key: Sym,
    config: &Config,
    nics: &[ProfileNic],
    names: &Names,
    network_check: impl Fn(&str, bool) -> bool,
) -> Result<(), String> {
    let Some((nic, cause)) = nics
        .iter()
        .find_map(|nic| nic_refused(config, nic, names, &network_check).map(|c| (nic, c)))
    else {
        return Ok(());
    };
    let project = names.str(project);
    Err(format!(
        "Conflict detected when changing \"{}\" in project \"{project}\": Invalid device \"{}\" on profile \"default\" of project \"{project}\": {cause}",
        names.str(key),
        names.str(nic.device),
    ))
}

/// A project's `features.networks`: always on for `default` (see
/// [`network_allowed`]), else its config's.
pub fn has_own_networks(project: Sym, config: &Config, names: &Names) -> bool {
    project == names.keys.default_project || config.is_true(names.keys.features_networks, names)
}

/// The NIC check of `checkRestrictions` (permissions.go:742-767), with
/// `restricted.devices.nic`'s default `managed` (allRestrictions, 998), for
/// a NIC on a host interface (`parent`; a NIC with `network` would name a
/// managed network of the joiner's own, which the model does not have).
fn nic_refused(
    config: &Config,
    nic: &ProfileNic,
    names: &Names,
    network_check: &impl Fn(&str, bool) -> bool,
) -> Option<&'static str> {
    let r = Restrictions { config, names };
    match r.value("restricted.devices.nic") {
        "block" => Some("Network devices are forbidden"),
        "managed" | "" => Some("Only managed network devices are allowed"),
        _ => (!network_check(names.str(nic.parent), false)).then_some("Network not allowed in project"),
    }
}
