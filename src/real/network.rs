//! The run's network: one bridge on the host, and per node a network
//! namespace joined to it by a veth pair, all in one private /24 chosen
//! here (10.213.7.0/24): the host's bridge and the nodes' links in its lower
//! half, the bridge networks a scenario declares (created by Incus inside
//! each member's own namespace, never `auto`) in its upper half. Partitions
//! are `nft` rules inside a namespace.

use std::process::Command;

use super::record::{Record, Started};

pub const BRIDGE: &str = "jsimbr";
const PREFIX: &str = "10.213.7";
/// Nodes get `.10` and up, in the lower /25.
const FIRST_HOST: usize = 10;
pub const MAX_NODES: usize = 100;
/// The address of the bridge networks a scenario declares: each lives in
/// one member's namespace, so all of them can share it.
pub const SCENARIO_BRIDGE_ADDRESS: &str = "10.213.7.129/25";

/// A node's address on the run's bridge (`core.https_address`).
pub fn address(node: usize) -> String {
    format!("{PREFIX}.{}", FIRST_HOST + node)
}

pub fn https_address(node: usize) -> String {
    format!("{}:8443", address(node))
}

pub fn namespace(node: usize) -> String {
    format!("jsim-{node}")
}

fn veth(node: usize) -> String {
    format!("jsim{node}")
}

/// Creates the host bridge.
pub fn create_bridge(record: &Record) -> Result<(), String> {
    record.note(&Started::Bridge(BRIDGE.into()));
    run(&["ip", "link", "add", BRIDGE, "type", "bridge"])?;
    run(&["ip", "addr", "add", &format!("{PREFIX}.1/25"), "dev", BRIDGE])?;
    run(&["ip", "link", "set", BRIDGE, "up"])
}

/// Creates node `node`'s namespace, with `eth0` on the bridge and `lo` up.
pub fn create_namespace(record: &Record, node: usize) -> Result<(), String> {
    let (ns, veth) = (namespace(node), veth(node));
    record.note(&Started::Namespace(ns.clone()));
    run(&["ip", "netns", "add", &ns])?;
    record.note(&Started::Veth(veth.clone()));
    run(&[
        "ip", "link", "add", &veth, "type", "veth", "peer", "name", "eth0", "netns", &ns,
    ])?;
    run(&["ip", "link", "set", &veth, "master", BRIDGE, "up"])?;
    let cidr = format!("{}/25", address(node));
    run(&["ip", "-n", &ns, "addr", "add", &cidr, "dev", "eth0"])?;
    run(&["ip", "-n", &ns, "link", "set", "eth0", "up"])?;
    run(&["ip", "-n", &ns, "link", "set", "lo", "up"])
}

/// Drops every packet between node `node` and the nodes at `peers`, in
/// `node`'s namespace (a table of joinsim's own, so healing deletes it whole).
pub fn partition(node: usize, peers: &[usize]) -> Result<(), String> {
    let ns = namespace(node);
    let set: Vec<String> = peers.iter().map(|&p| address(p)).collect();
    let set = set.join(", ");
    let rules = format!(
        "table inet joinsim {{\n chain input {{ type filter hook input priority 0; ip saddr {{ {set} }} drop; }}\n \
         chain output {{ type filter hook output priority 0; ip daddr {{ {set} }} drop; }}\n}}\n"
    );
    let path = std::env::temp_dir().join(format!("joinsim-nft-{}-{node}", std::process::id()));
    std::fs::write(&path, rules).map_err(|e| e.to_string())?;
    let result = run(&["ip", "netns", "exec", &ns, "nft", "-f", &path.to_string_lossy()]);
    let _ = std::fs::remove_file(&path);
    result
}

pub fn heal(node: usize) -> Result<(), String> {
    run(&[
        "ip",
        "netns",
        "exec",
        &namespace(node),
        "nft",
        "delete",
        "table",
        "inet",
        "joinsim",
    ])
}

fn run(argv: &[&str]) -> Result<(), String> {
    let out = Command::new(argv[0])
        .args(&argv[1..])
        .output()
        .map_err(|e| format!("{}: {e}", argv.join(" ")))?;
    match out.status.success() {
        true => Ok(()),
        false => Err(format!(
            "{}: {}",
            argv.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )),
    }
}
