//! `[standalone]`: the database every joiner's own server starts with (its
//! `default` group and project), plus the NIC devices of its `default`
//! profile, which J5's `AllowProjectUpdate` checks against the cluster's
//! restrictions.

use super::compiler::{Compiler, Result};
use crate::model::db::{Db, ProfileNic};
use crate::scenario::file::ScenarioFile;

/// The NIC types `newByType` knows (internal/server/device/device_load.go:
/// 29-48 at be7afc5df3); any other is `Unsupported device type` (96-97).
const NIC_TYPES: [&str; 8] = [
    "physical", "ipvlan", "p2p", "bridged", "routed", "macvlan", "sriov", "ovn",
];

/// The joiners' own database: `Db::standalone` and the declared devices.
/// A device Incus would refuse is refused with its text (wrapped as
/// `validDevices` wraps it, internal/server/instance/drivers/load.go:116);
/// what joinsim does not model is refused as such.
pub(super) fn standalone_db(c: &mut Compiler<'_>, parsed: &ScenarioFile) -> Result<Db> {
    let mut db = Db::standalone(&c.names);
    for (device, config) in &parsed.standalone.profile_devices {
        let at = format!("standalone.profile_devices.\"{}\"", device.get_ref());
        let get = |key: &str| config.iter().find(|(k, _)| k.get_ref() == key).map(|(_, v)| v);
        let incus = |e: &str| {
            format!(
                "Incus refuses it: Device validation failed for \"{}\": {e}",
                device.get_ref()
            )
        };
        if let Some((key, _)) = config
            .iter()
            .find(|(k, _)| !matches!(k.get_ref().as_str(), "type" | "nictype" | "parent"))
        {
            return Err(c.at(
                key,
                &at,
                format!(
                    "joinsim models only a NIC's type, nictype and parent, not \"{}\" (a NIC with `network` names a network of the joiner's own, which joinsim does not model)",
                    key.get_ref()
                ),
            ));
        }
        let Some(kind) = get("type") else {
            return Err(c.at(
                device,
                &at,
                incus("Missing device type in config (device_load.go:16-18)"),
            ));
        };
        if kind.get_ref() != "nic" {
            return Err(c.at(
                kind,
                &at,
                "joinsim models only NIC devices of the joiners' default profile (type = \"nic\")",
            ));
        }
        match get("nictype") {
            Some(t) if NIC_TYPES.contains(&t.get_ref().as_str()) => {}
            Some(t) => return Err(c.at(t, &at, incus("Unsupported device type (device_load.go:96-97)"))),
            None => return Err(c.at(device, &at, incus("Unsupported device type (device_load.go:96-97)"))),
        }
        let Some(parent) = get("parent") else {
            return Err(c.at(
                device,
                &at,
                "joinsim models a NIC by its host interface: give it a parent",
            ));
        };
        let device = c.intern(device, &at)?;
        let parent = c.intern(parent, &at)?;
        db.profile_nics.push(ProfileNic { device, parent });
    }
    Ok(db)
}
