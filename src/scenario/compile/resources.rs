//! `[[cluster.pools]]`, `[[cluster.zones]]` and `[[cluster.networks]]`.

use super::compiler::Compiler;
use super::compiler::Result;
use crate::model::db::{Db, NetworkZoneKey, Resource, ZoneKey};
use crate::scenario::file::ClusterFile;
use crate::scenario::incus_config;

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
        db.pools.push(Resource {
            name,
            project: c.names.keys.default_project,
            created: true,
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
            let zone = incus_config::bridge_zone_key(k.get_ref(), v.get_ref(), zone_exists)
                .map_err(|e| c.at(v, &at, format!("Incus refuses this network ({e})")))?;
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
        db.networks.push(Resource {
            name,
            project,
            created: true,
            members: db.groups[0].members,
        });
    }
    Ok(())
}
