//! `[[cluster.pools]]`, `[[cluster.zones]]` and `[[cluster.networks]]`.

use super::compiler::Compiler;
use super::compiler::Result;
use crate::model::db::{Db, NetworkZoneKey, Resource, ZoneKey};
use crate::scenario::file::ClusterFile;
use crate::scenario::incus_config::{self, BridgeKey};

/// `[[cluster.pools]]` and `[[cluster.networks]]`, created on every member.
pub(super) fn declare_pools_and_networks(c: &mut Compiler<'_>, cluster: &ClusterFile, db: &mut Db) -> Result<()> {
    for (i, p) in cluster.pools.iter().enumerate() {
        let key = format!("cluster.pools[{i}].name");
        let name = c.intern(&p.name, &key)?;
        if db.pools.iter().any(|r| r.name == name) {
            return Err(c.at(
                &p.name,
                &key,
                format!("storage pool \"{}\" is declared twice", p.name.get_ref()),
            ));
        }
        // A pending pool: defined with `--target` on members, never
        // created (cmd/incusd/storage_pools.go:388-434 at be7afc5df3).
        db.pools.push(Resource {
            name,
            project: c.names.keys.default_project,
            created: !p.pending.unwrap_or(false),
            members: db.groups[0].members,
        });
    }
    for (i, z) in cluster.zones.iter().enumerate() {
        let key = format!("cluster.zones[{i}].name");
        let name = c.intern(&z.name, &key)?;
        if db.zones.contains(&name) {
            return Err(c.at(
                &z.name,
                &key,
                format!("network zone \"{}\" is declared twice", z.name.get_ref()),
            ));
        }
        db.zones.push(name);
    }
    for (i, n) in cluster.networks.iter().enumerate() {
        let key = format!("cluster.networks[{i}]");
        let name = c.intern(&n.name, &format!("{key}.name"))?;
        let project = match &n.project {
            Some(p) => {
                let sym = c.intern(p, &format!("{key}.project"))?;
                if db.project(sym).is_none() {
                    return Err(c.at(
                        p,
                        &format!("{key}.project"),
                        format!("unknown project \"{}\"", p.get_ref()),
                    ));
                }
                sym
            }
            None => c.names.keys.default_project,
        };
        if db.networks.iter().any(|r| r.name == name && r.project == project) {
            return Err(c.at(
                &n.name,
                &format!("{key}.name"),
                format!("network \"{}\" is declared twice", n.name.get_ref()),
            ));
        }
        let zone_exists = |zone: &str| cluster.zones.iter().any(|z| z.name.get_ref() == zone);
        for (k, v) in &n.config {
            let at = format!("{key}.config.\"{}\"", k.get_ref());
            let refused = |e| {
                let by = if incus_config::bridge_key_modelled(k.get_ref()) {
                    "Incus refuses this network"
                } else {
                    "not modelled"
                };
                c.at(v, &at, format!("{by} ({e})"))
            };
            let BridgeKey::Zone(zone) =
                incus_config::bridge_key(k.get_ref(), v.get_ref(), zone_exists).map_err(refused)?
            else {
                continue; // routes: read by the compiler's subnet checks only
            };
            db.network_zone_keys.push(NetworkZoneKey {
                network: name,
                project,
                key: ZoneKey::parse(k.get_ref()).expect("checked"),
                zone: c.intern(
                    cluster
                        .zones
                        .iter()
                        .map(|z| &z.name)
                        .find(|z| z.get_ref() == zone)
                        .expect("declared"),
                    &at,
                )?,
            });
        }
        // A pending network: defined with `--target` on members, never
        // created (cmd/incusd/networks.go:522-560 at be7afc5df3).
        db.networks.push(Resource {
            name,
            project,
            created: !n.pending.unwrap_or(false),
            members: db.groups[0].members,
        });
    }
    Ok(())
}

/// The routes (`ipv4.routes`, `ipv6.routes`) of the network `name` of
/// `default` the scenario declares, pending or not: what
/// `restricted.networks.subnets` checks its subnets against
/// (`GetNetworkInAnyState`, cmd/incusd/api_project.go:2158 at be7afc5df3).
pub(super) fn uplink_routes(cluster: &ClusterFile, name: &str) -> Option<Vec<String>> {
    let network = cluster
        .networks
        .iter()
        .find(|n| n.name.get_ref() == name && n.project.as_ref().is_none_or(|p| p.get_ref() == "default"))?;
    let routes = network
        .config
        .iter()
        .filter(|(k, _)| matches!(k.get_ref().as_str(), "ipv4.routes" | "ipv6.routes"))
        .flat_map(|(_, v)| {
            v.get_ref()
                .split(',')
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(String::from)
        });
    Some(routes.collect())
}
