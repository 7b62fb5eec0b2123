//! Which project config keys and values Incus accepts, so that a scenario
//! declares only what a real cluster can hold. The table is
//! `projectValidateConfig` (cmd/incusd/api_project.go:1575-2111 at
//! be7afc5df3): one validator per key, `user.*` free (:2087), any other key
//! refused (:2092-2095), a value refused with the key named (:2097-2100),
//! then one rule across keys (:2103-2108). Pure functions: the scenario
//! compiler calls them and turns a refusal into an error naming the file,
//! line and key.
//!
//! What depends on cluster state is checked against what the scenario
//! gives: `limits.disk.pool.NAME` exists only for a pool the database has
//! (:2051-2070), `restricted.cluster.groups` names existing groups (checked
//! by the compiler and, at run time, by the model), each
//! `restricted.networks.subnets` item lies in the routes of a network of
//! `default` ([`super::subnets`]). Storage pools take no config in a
//! scenario; a bridge network takes only the keys naming network zones and
//! its routes ([`bridge_key`]).

use std::fmt::Write;

use crate::model::validate::{is_false, is_true};

/// The file every line of [`PROJECT_KEYS`] is in, at be7afc5df3.
pub const SOURCE: &str = "cmd/incusd/api_project.go";

/// How Incus checks one key's value (shared/validate/validate.go at
/// be7afc5df3 unless said otherwise).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueCheck {
    /// `validate.IsBool` (:168-175).
    Bool,
    /// `validate.IsInt64` (:74-81).
    Int64,
    /// `validate.IsUint32` (:94-101).
    Uint32,
    /// `validate.IsSize`: `units.ParseByteSizeString` (shared/units/units.go:23-85).
    Size,
    /// `validate.IsMACPattern` (:270-277).
    MacPattern,
    /// `validate.IsArchitecture`: one of the 15 names of
    /// shared/osarch/architectures.go:28-44 (`SupportedArchitectures`, :165-172).
    Architecture,
    /// `validate.IsCompressionAlgorithm` (:644-697): a known program and
    /// compression-level arguments. Incus also needs the program on the
    /// host (`exec.LookPath`, :691); that part is not checked here.
    CompressionAlgorithm,
    /// `validate.IsOneOf` (:177-186).
    OneOf(&'static [&'static str]),
    /// `validate.IsListOf(validate.IsAny)` (:193-207): any value.
    ListOfAny,
    /// `validate.IsListOf(validate.IsAbsFilePath)` (:775-781).
    ListOfAbsFilePath,
    /// `validate.IsListOf(validate.IsUint32Range)`: `util.ParseUint32Range`
    /// (shared/util/string.go:24-51).
    ListOfUint32Range,
    /// `projectValidateRestrictedSubnets` (api_project.go:2135-2193): each
    /// item `UPLINK:SUBNET` inside the routes (`ipv4.routes`,
    /// `ipv6.routes`) of a network `UPLINK` of the default project, in any
    /// state ([`super::subnets::check_restricted_subnets`]).
    RestrictedSubnets,
}

/// One project config key: its name, its check, whether an empty value
/// passes unchecked (`validate.Optional`, validate.go:63-71), and its line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProjectKey {
    pub name: &'static str,
    pub check: ValueCheck,
    pub optional: bool,
    pub line: u32,
}

const fn key(name: &'static str, check: ValueCheck, optional: bool, line: u32) -> ProjectKey {
    ProjectKey {
        name,
        check,
        optional,
        line,
    }
}

/// `isEitherAllowOrBlock` (api_project.go:1492-1494), optional.
const ALLOW_BLOCK: ValueCheck = ValueCheck::OneOf(&["block", "allow"]);
/// `isEitherAllowOrBlockOrManaged` (api_project.go:1496-1498), optional.
const ALLOW_BLOCK_MANAGED: ValueCheck = ValueCheck::OneOf(&["block", "allow", "managed"]);

/// Every key of `projectConfigKeys` (api_project.go:1577-2047), in its order.
pub const PROJECT_KEYS: &[ProjectKey] = {
    use ValueCheck::*;
    &[
        key("backups.compression_algorithm", CompressionAlgorithm, false, 1584),
        key("features.profiles", Bool, true, 1593),
        key("features.images", Bool, true, 1602),
        key("features.storage.volumes", Bool, true, 1611),
        key("features.storage.buckets", Bool, true, 1620),
        key("features.networks", Bool, true, 1629),
        key("features.networks.zones", Bool, true, 1638),
        key("images.auto_update_cached", Bool, true, 1645),
        key("images.auto_update_interval", Int64, true, 1653),
        key("images.compression_algorithm", CompressionAlgorithm, false, 1660),
        key("images.default_architecture", Architecture, true, 1667),
        key("images.remote_cache_expiry", Int64, true, 1674),
        key("limits.instances", Uint32, true, 1681),
        key("limits.containers", Uint32, true, 1688),
        key("limits.virtual-machines", Uint32, true, 1695),
        key("limits.memory", Size, true, 1702),
        key("limits.processes", Uint32, true, 1709),
        key("limits.cpu", Uint32, true, 1716),
        key("limits.disk", Size, true, 1723),
        key("limits.networks", Uint32, true, 1730),
        key("network.hwaddr_pattern", MacPattern, true, 1740),
        key("restricted", Bool, true, 1749),
        key("restricted.backups", ALLOW_BLOCK, true, 1757),
        key("restricted.cluster.groups", ListOfAny, true, 1764),
        key("restricted.cluster.target", ALLOW_BLOCK, true, 1806),
        key(
            "restricted.containers.interception",
            OneOf(&["allow", "block", "full"]),
            true,
            1816,
        ),
        key("restricted.containers.nesting", ALLOW_BLOCK, true, 1825),
        key("restricted.containers.lowlevel", ALLOW_BLOCK, true, 1834),
        key(
            "restricted.containers.privilege",
            OneOf(&["allow", "unprivileged", "isolated"]),
            true,
            1846,
        ),
        key("restricted.virtual-machines.lowlevel", ALLOW_BLOCK, true, 1855),
        key("restricted.virtual-machines.nesting", ALLOW_BLOCK, true, 1864),
        key("restricted.devices.unix-char", ALLOW_BLOCK, true, 1872),
        key("restricted.devices.unix-block", ALLOW_BLOCK, true, 1880),
        key("restricted.devices.unix-hotplug", ALLOW_BLOCK, true, 1888),
        key("restricted.devices.infiniband", ALLOW_BLOCK, true, 1896),
        key("restricted.devices.gpu", ALLOW_BLOCK, true, 1904),
        key("restricted.devices.usb", ALLOW_BLOCK, true, 1912),
        key("restricted.devices.pci", ALLOW_BLOCK, true, 1920),
        key("restricted.devices.proxy", ALLOW_BLOCK, true, 1928),
        key("restricted.devices.nic", ALLOW_BLOCK_MANAGED, true, 1940),
        key("restricted.devices.disk", ALLOW_BLOCK_MANAGED, true, 1952),
        key("restricted.devices.disk.paths", ListOfAbsFilePath, true, 1961),
        key("restricted.idmap.uid", ListOfUint32Range, true, 1968),
        key("restricted.idmap.gid", ListOfUint32Range, true, 1975),
        key("restricted.images.servers", ListOfAny, true, 1983),
        key("restricted.networks.access", ListOfAny, true, 1997),
        key("restricted.networks.integrations", ListOfAny, false, 2004),
        key("restricted.networks.uplinks", ListOfAny, true, 2011),
        key("restricted.networks.subnets", RestrictedSubnets, true, 2020),
        key("restricted.networks.zones", ListOfAny, false, 2030),
        key("restricted.snapshots", ALLOW_BLOCK, true, 2038),
        key("restricted.storage-pools.access", ListOfAny, true, 2046),
    ]
};

/// `limits.disk.pool.POOL_NAME`, one key per pool of the database
/// (api_project.go:2051-2070).
const POOL_LIMIT_PREFIX: &str = "limits.disk.pool.";
const POOL_LIMIT_LINE: u32 = 2068;

/// Incus's answer to one key and value: `Ok`, or its error text followed
/// by the line that refuses it. `pool_exists` says whether the cluster has
/// a storage pool of that name (pending or created: `GetStoragePoolNames`
/// reads every row, internal/server/db/storage_pools.go:552-554);
/// `uplink_routes` gives the routes of the network of that name in
/// `default`, in any state (`GetNetworkInAnyState`, api_project.go:2158).
pub fn check_project_key(
    key: &str,
    value: &str,
    pool_exists: impl Fn(&str) -> bool,
    uplink_routes: impl Fn(&str) -> Option<Vec<String>>,
) -> Result<(), String> {
    let Some(ProjectKey {
        check, optional, line, ..
    }) = project_key(key, pool_exists)?
    else {
        return Ok(());
    };
    if optional && value.is_empty() {
        return Ok(());
    }
    let result = match check {
        ValueCheck::RestrictedSubnets => super::subnets::check_restricted_subnets(value, uplink_routes),
        _ => check_value(check, value),
    };
    result.map_err(|e| {
        format!("Invalid project configuration key \"{key}\" value: {e} ({SOURCE}:{line}, 2097-2100 at be7afc5df3)")
    })
}

/// The validator of `key`: `None` for a free `user.*` key, an error for a
/// key Incus does not know.
pub fn project_key(key: &str, pool_exists: impl Fn(&str) -> bool) -> Result<Option<ProjectKey>, String> {
    if key.starts_with("user.") {
        return Ok(None);
    }
    if let Some(k) = PROJECT_KEYS.iter().find(|k| k.name == key) {
        return Ok(Some(*k));
    }
    match key.strip_prefix(POOL_LIMIT_PREFIX) {
        Some(pool) if pool_exists(pool) => Ok(Some(ProjectKey {
            name: POOL_LIMIT_PREFIX,
            check: ValueCheck::Size,
            optional: true,
            line: POOL_LIMIT_LINE,
        })),
        _ => Err(format!(
            "Invalid project configuration key \"{key}\" ({SOURCE}:2092-2095 at be7afc5df3: \
             unknown keys are refused; `limits.disk.pool.NAME` needs a pool NAME, :2051-2070)"
        )),
    }
}

/// The rule across keys: a restricted project must have its own profiles
/// (api_project.go:2103-2108). `get` gives a key's value ("" if unset).
pub fn check_project_config<'a>(get: impl Fn(&str) -> &'a str) -> Result<(), String> {
    if is_true(get("restricted")) && is_false(get("features.profiles")) {
        return Err(format!(
            "Projects without their own profiles cannot be restricted ({SOURCE}:2103-2108 at be7afc5df3)"
        ));
    }
    Ok(())
}

/// The refusals, one a line, for `joinsim help scenario`.
pub fn reference() -> String {
    let mut out = String::from(
        "\nproject config Incus refuses (projectValidateConfig, cmd/incusd/api_project.go at be7afc5df3);\n\
         the same refusals for cluster.projects config and for the keys and values of\n\
         set-project-key, put-project and patch-project, and the key of unset-project-key\n\
         (Incus refuses those requests; the model does not model the refusal, so a\n\
         scenario may not send them):\n  \
         unknown key (user.* is free)                       :2092-2095\n  \
         limits.disk.pool.NAME without a pool NAME          :2051-2070\n  \
         restricted=true with features.profiles=false       :2103-2108 (cluster.projects)\n  \
         a value that fails its key's check, by key:\n",
    );
    for k in PROJECT_KEYS {
        let empty = if !k.optional && check_value(k.check, "").is_err() {
            ", empty refused"
        } else {
            ""
        };
        let _ = writeln!(out, "    {:<38} {}{empty}  :{}", k.name, describe(k.check), k.line);
    }
    let _ = writeln!(
        out,
        "    {:<38} {}  :{POOL_LIMIT_LINE}",
        "limits.disk.pool.NAME",
        describe(ValueCheck::Size)
    );
    out.push_str(
        "  restricted.cluster.groups must name declared groups (cluster.projects) or groups\n\
         \x20 that exist when the command runs (the model refuses as Incus does, :1764-1797).\n\
         \x20 restricted.networks.subnets: each UPLINK:SUBNET a network address inside the routes\n\
         \x20 of a declared network UPLINK of default, pending or not (:2135-2193).\n\
         storage pools take no config in a scenario: nothing to refuse.\n\
         bridge config Incus refuses (bridge.Validate, internal/server/network/driver_bridge.go):\n  \
         ipv4.routes / ipv6.routes not a list of IPv4 / IPv6 network addresses  :369, :492\n  \
         dns.zone.* naming a zone that does not exist     driver_common.go:205-208\n  \
         dns.zone.reverse.* naming more than one zone      driver_common.go:191-193\n  \
         dns.zone.forward naming two zones of one project  driver_common.go:210-213\n\
         a bridge key joinsim does not model: any but dns.zone.*, ipv4.routes, ipv6.routes (a limit).\n\
         standalone.profile_devices Incus refuses (internal/server/device/device_load.go):\n  \
         no type                                           :16-18\n  \
         a nictype Incus does not know                     :96-97\n\
         and, limits of joinsim: a type other than nic, a key other than type, nictype\n\
         and parent (a NIC with network names a network of the joiner's own), no parent.\n",
    );
    out
}

fn describe(check: ValueCheck) -> String {
    use ValueCheck::*;
    match check {
        Bool => "a boolean (true/false/yes/no/1/0/on/off)".to_string(),
        Int64 => "an integer".to_string(),
        Uint32 => "an unsigned 32-bit integer".to_string(),
        Size => "a size (digits and a unit such as MiB or GB)".to_string(),
        MacPattern => "a MAC pattern (x for a wildcard digit)".to_string(),
        Architecture => "an architecture name (x86_64, aarch64, ...)".to_string(),
        CompressionAlgorithm => "a compressor (bzip2, gzip, lz4, lzma, xz, zstd, ...) or none".to_string(),
        OneOf(values) => format!("one of {}", values.join(", ")),
        ListOfAny => "a comma-separated list".to_string(),
        ListOfAbsFilePath => "a list of absolute paths".to_string(),
        ListOfUint32Range => "a list of N or N-M (N < M)".to_string(),
        RestrictedSubnets => "UPLINK:SUBNET items, each inside the routes of network UPLINK of default".to_string(),
    }
}

/// The inner error text of Incus's validator for `value`.
fn check_value(check: ValueCheck, value: &str) -> Result<(), String> {
    use ValueCheck::*;
    match check {
        Bool => is_bool(value),
        Int64 => value
            .parse::<i64>()
            .map(|_| ())
            .map_err(|_| format!("Invalid value for an integer {value:?}")),
        Uint32 => parse_uint32(value)
            .map(|_| ())
            .map_err(|e| format!("Invalid value for uint32 {value:?}: strconv.ParseUint: parsing {value:?}: {e}")),
        Size => parse_byte_size(value).map(|_| ()),
        MacPattern => mac_pattern(value),
        Architecture => one_of(value, ARCHITECTURES),
        CompressionAlgorithm => compression_algorithm(value),
        OneOf(valid) => one_of(value, valid),
        ListOfAny => Ok(()),
        ListOfAbsFilePath => list_of(value, |v| {
            if v.starts_with('/') {
                Ok(())
            } else {
                Err("Must be absolute file path".to_string())
            }
        }),
        ListOfUint32Range => list_of(value, uint32_range),
        // Needs the uplinks: checked in `check_project_key`.
        RestrictedSubnets => Ok(()),
    }
}

/// `validate.IsBool` lowercases and compares; `util.IsTrue`/`IsFalse`
/// compare ignoring case: the same set of spellings.
fn is_bool(value: &str) -> Result<(), String> {
    if is_true(value) || is_false(value) {
        Ok(())
    } else {
        Err(format!("Invalid value for a boolean {value:?}"))
    }
}

/// Go's `fmt` prints a `[]string` as `[a b c]`.
fn one_of(value: &str, valid: &[&str]) -> Result<(), String> {
    if valid.contains(&value) {
        Ok(())
    } else {
        Err(format!("Invalid value {value:?} (not one of [{}])", valid.join(" ")))
    }
}

/// `validate.IsListOf`: split on commas, trim each item.
fn list_of(value: &str, item: impl Fn(&str) -> Result<(), String>) -> Result<(), String> {
    for v in value.split(',').map(str::trim) {
        item(v).map_err(|e| format!("Item {v:?}: {e}"))?;
    }
    Ok(())
}

/// `strconv.ParseUint(value, 10, 32)`: digits only (no sign, unlike
/// Rust's `u32::from_str`), at most `u32::MAX`.
fn parse_uint32(value: &str) -> Result<u32, &'static str> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err("invalid syntax");
    }
    value.parse::<u32>().map_err(|_| "value out of range")
}

/// `util.ParseUint32Range`: `N` or `N-M` with N < M.
fn uint32_range(value: &str) -> Result<(), String> {
    let mut parts = value.splitn(2, '-');
    let start = parse_uint32(parts.next().unwrap_or("")).map_err(|_| format!("Invalid number {value:?}"))?;
    if let Some(end) = parts.next() {
        let end = parse_uint32(end).map_err(|_| format!("Invalid end number {value:?}"))?;
        if start >= end {
            return Err(format!("Start number {start} must be lower than end number {end}"));
        }
    }
    Ok(())
}

/// `units.ParseByteSizeString`: digits, then a unit from the list; the
/// product must fit in an `int64` (`handleOverflow`, units.go:8-19).
fn parse_byte_size(input: &str) -> Result<i64, String> {
    if input.is_empty() {
        return Ok(0);
    }
    let digits = input.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return Err(format!("Invalid value: {input}"));
    }
    let (number, suffix) = input.split_at(digits);
    let number: i64 = number.parse().map_err(|_| format!("Invalid integer: {input}"))?;
    let multiplier: i64 = match suffix {
        "" | "B" | " bytes" => 1,
        "kB" => 1000,
        "MB" => 1000_i64.pow(2),
        "GB" => 1000_i64.pow(3),
        "TB" => 1000_i64.pow(4),
        "PB" => 1000_i64.pow(5),
        "EB" => 1000_i64.pow(6),
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        "TiB" => 1 << 40,
        "PiB" => 1 << 50,
        "EiB" => 1 << 60,
        _ => return Err(format!("Invalid value: {input}")),
    };
    number
        .checked_mul(multiplier)
        .ok_or_else(|| format!("Overflow multiplying {number} with {multiplier}"))
}

/// `^(?:[0-9a-fA-FxX]{2}:){5}[0-9a-fA-FxX]{2}$`.
fn mac_pattern(value: &str) -> Result<(), String> {
    let ok = value.len() == 17
        && value.bytes().enumerate().all(|(i, b)| {
            if i % 3 == 2 {
                b == b':'
            } else {
                b.is_ascii_hexdigit() || b == b'x' || b == b'X'
            }
        });
    if ok {
        Ok(())
    } else {
        Err("Invalid MAC address pattern, must be 6 bytes (hex characters or `x` to denote a wildcard) separated by colons".to_string())
    }
}

/// shared/osarch/architectures.go:28-44 at be7afc5df3.
const ARCHITECTURES: &[&str] = &[
    "i686",
    "x86_64",
    "armv6l",
    "armv7l",
    "armv8l",
    "aarch64",
    "ppc",
    "ppc64",
    "ppc64le",
    "s390x",
    "mips",
    "mips64",
    "riscv32",
    "riscv64",
    "loongarch64",
];

/// `validate.IsCompressionAlgorithm` without its host lookup. A value
/// with quotes or backslashes is left to Incus's shell-word split
/// (`shellquote.Split`), which this does not follow: accepted.
fn compression_algorithm(value: &str) -> Result<(), String> {
    if value == "none" || value.contains(['"', '\'', '\\']) {
        return Ok(());
    }
    let value = if value == "squashfs" { "tar2sqfs" } else { value };
    let fields: Vec<&str> = value.split_whitespace().collect();
    let Some((program, args)) = fields.split_first() else {
        return Err("Invalid compressor provided".to_string());
    };
    const ALLOWED_ARGS: &[&str] = &["-1", "-2", "-3", "-4", "-5", "-6", "-7", "-8", "-9", "--rsyncable"];
    if let Some(arg) = args.iter().find(|a| !ALLOWED_ARGS.contains(a)) {
        return Err(format!("Compression algorithm argument {arg:?} isn't allowed"));
    }
    const PROGRAMS: &[&str] = &[
        "bzip2", "gzip", "lz4", "lzma", "pigz", "pzstd", "pxz", "tar2sqfs", "xz", "zstd",
    ];
    if !PROGRAMS.contains(program) {
        return Err(format!("Compression algorithm {program:?} isn't currently supported"));
    }
    Ok(())
}

/// A bridge config key a scenario gives, once Incus accepted it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BridgeKey<'a> {
    /// A `dns.zone.*` key naming this zone.
    Zone(&'a str),
    /// `ipv4.routes` or `ipv6.routes` (driver_bridge.go:369, 492 at
    /// be7afc5df3: `validate.Optional(validate.IsListOf(IsNetworkV4/V6))`),
    /// read by `restricted.networks.subnets`.
    Routes,
}

/// `bridge.Validate`'s answer to one config key a scenario gives a bridge:
/// the zone keys ([`bridge_zone_key`]) and the routes; any other key is a
/// limit of joinsim, which models no other bridge config.
pub fn bridge_key<'a>(key: &str, value: &'a str, zone_exists: impl Fn(&str) -> bool) -> Result<BridgeKey<'a>, String> {
    if !bridge_key_modelled(key) {
        return Err(format!(
            "joinsim models only the bridge keys {}, not \"{key}\"",
            BRIDGE_KEYS.join(", ")
        ));
    }
    match key {
        "ipv4.routes" | "ipv6.routes" if value.trim().is_empty() => Ok(BridgeKey::Routes),
        "ipv4.routes" => super::subnets::check_routes(value, false).map(|()| BridgeKey::Routes),
        "ipv6.routes" => super::subnets::check_routes(value, true).map(|()| BridgeKey::Routes),
        _ => bridge_zone_key(key, value, zone_exists).map(BridgeKey::Zone),
    }
}

/// The bridge config keys joinsim models.
pub const BRIDGE_KEYS: [&str; 5] = [
    "dns.zone.forward",
    "dns.zone.reverse.ipv4",
    "dns.zone.reverse.ipv6",
    "ipv4.routes",
    "ipv6.routes",
];

/// Whether joinsim models the bridge config key `key` (a limit of joinsim,
/// not of Incus).
pub fn bridge_key_modelled(key: &str) -> bool {
    BRIDGE_KEYS.contains(&key)
}

/// The bridge config keys a scenario may give, in `bridge.Validate`'s
/// rules (internal/server/network/driver_bridge.go:555, 564, 573 at
/// be7afc5df3, each `validate.IsAny`), then `validateZoneNames`
/// (driver_common.go:168-220): a reverse key names one zone (:191-193),
/// every zone exists (:205-208), no two from one project (:210-213; all
/// the model's zones are in `default`, so `dns.zone.forward` names one
/// too). Returns the zone named.
fn bridge_zone_key<'a>(key: &str, value: &'a str, zone_exists: impl Fn(&str) -> bool) -> Result<&'a str, String> {
    let zones: Vec<&str> = value.split(',').map(str::trim).filter(|z| !z.is_empty()).collect();
    match zones[..] {
        [] => Err(format!("\"{key}\" names no zone")),
        [zone] if zone_exists(zone) => Ok(zone),
        [zone] => Err(format!("Invalid \"{key}\", network zone \"{zone}\" not found")),
        _ if key != "dns.zone.forward" => Err(format!("Invalid \"{key}\" must contain only single DNS zone name")),
        _ => Err(format!(
            "Invalid \"{key}\", contains multiple zones from the same project"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(key: &str, value: &str) -> Result<(), String> {
        check_project_key(
            key,
            value,
            |pool| pool == "fast",
            |uplink| (uplink == "uplink").then(|| vec!["10.10.0.0/16".to_string()]),
        )
    }

    #[test]
    fn restricted_must_be_a_boolean() {
        assert_eq!(check("restricted", "true"), Ok(()));
        assert_eq!(check("restricted", "Off"), Ok(()));
        let e = check("restricted", "maybe").unwrap_err();
        assert!(
            e.starts_with(
                "Invalid project configuration key \"restricted\" value: Invalid value for a boolean \"maybe\""
            ),
            "{e}"
        );
        assert!(e.contains("api_project.go:1749"), "{e}");
    }

    #[test]
    fn an_unknown_key_is_refused_and_user_keys_are_free() {
        let e = check("restricted.cluster.group", "gpu").unwrap_err();
        assert!(
            e.starts_with("Invalid project configuration key \"restricted.cluster.group\" ("),
            "{e}"
        );
        assert_eq!(check("user.anything", "at all"), Ok(()));
        assert_eq!(check("restricted.cluster.groups", "gpu, default"), Ok(()));
    }

    #[test]
    fn a_pool_limit_needs_the_pool() {
        assert_eq!(check("limits.disk.pool.fast", "10GiB"), Ok(()));
        assert!(check("limits.disk.pool.slow", "10GiB").is_err());
        assert!(check("limits.disk.pool.fast", "ten").unwrap_err().contains(":2068"));
    }

    #[test]
    fn an_empty_value_passes_only_optional_checks() {
        assert_eq!(check("limits.cpu", ""), Ok(()));
        assert_eq!(
            check("restricted.networks.zones", ""),
            Ok(()),
            "IsListOf(IsAny) takes anything"
        );
        assert_eq!(
            check("backups.compression_algorithm", "").unwrap_err(),
            "Invalid project configuration key \"backups.compression_algorithm\" value: Invalid compressor provided \
             (cmd/incusd/api_project.go:1584, 2097-2100 at be7afc5df3)"
        );
    }

    #[test]
    fn integers_follow_go_parsing() {
        assert_eq!(check("limits.cpu", "4"), Ok(()));
        assert!(check("limits.cpu", "+4").is_err(), "ParseUint takes no sign");
        assert!(
            check("limits.cpu", "4294967296")
                .unwrap_err()
                .contains("value out of range")
        );
        assert_eq!(check("images.remote_cache_expiry", "-3"), Ok(()));
        assert!(check("images.remote_cache_expiry", "3d").is_err());
    }

    #[test]
    fn sizes_take_a_number_and_a_known_unit() {
        for ok in ["0", "512", "10GiB", "1 bytes", "3kB", "7EiB"] {
            assert_eq!(check("limits.memory", ok), Ok(()), "{ok}");
        }
        assert!(
            check("limits.memory", "8EiB").unwrap_err().contains("Overflow"),
            "2^63 does not fit"
        );
        assert!(check("limits.memory", "10 GiB").is_err());
        assert!(check("limits.memory", "GiB").is_err());
        assert!(check("limits.memory", "10gib").is_err(), "units are case-sensitive");
    }

    #[test]
    fn enumerations_lists_and_patterns() {
        assert_eq!(check("restricted.devices.nic", "managed"), Ok(()));
        assert_eq!(
            check("restricted.devices.gpu", "managed").unwrap_err(),
            "Invalid project configuration key \"restricted.devices.gpu\" value: Invalid value \"managed\" \
             (not one of [block allow]) (cmd/incusd/api_project.go:1904, 2097-2100 at be7afc5df3)"
        );
        assert_eq!(check("restricted.idmap.uid", "1000, 2000-2999"), Ok(()));
        assert!(
            check("restricted.idmap.uid", "2000-1000")
                .unwrap_err()
                .contains("must be lower")
        );
        assert!(
            check("restricted.devices.disk.paths", "/srv, home")
                .unwrap_err()
                .contains("Item \"home\"")
        );
        assert_eq!(check("network.hwaddr_pattern", "10:66:6a:xx:xx:xx"), Ok(()));
        assert!(check("network.hwaddr_pattern", "10:66:6a:xx:xx").is_err());
        assert_eq!(check("images.default_architecture", "aarch64"), Ok(()));
        assert!(
            check("images.default_architecture", "amd64").is_err(),
            "an alias is not a name"
        );
        assert_eq!(check("images.compression_algorithm", "zstd -9"), Ok(()));
        assert!(check("images.compression_algorithm", "zstd --fast").is_err());
        assert!(check("images.compression_algorithm", "rar").is_err());
        assert!(check("restricted.networks.subnets", "uplink:10.0.0.0/24").is_err());
    }

    #[test]
    fn a_restricted_project_needs_its_own_profiles() {
        let config = |restricted: &'static str, profiles: &'static str| {
            move |k: &str| match k {
                "restricted" => restricted,
                "features.profiles" => profiles,
                _ => "",
            }
        };
        assert_eq!(
            check_project_config(config("true", "")),
            Ok(()),
            "unset: projectsPost defaults it to true"
        );
        assert_eq!(check_project_config(config("false", "false")), Ok(()));
        let e = check_project_config(config("true", "false")).unwrap_err();
        assert!(
            e.starts_with("Projects without their own profiles cannot be restricted"),
            "{e}"
        );
    }

    #[test]
    fn every_key_is_listed_once_in_source_order() {
        for pair in PROJECT_KEYS.windows(2) {
            assert!(pair[0].line < pair[1].line, "{} then {}", pair[0].name, pair[1].name);
        }
        let text = reference();
        for k in PROJECT_KEYS {
            assert!(text.contains(k.name), "{}", k.name);
        }
    }
}
