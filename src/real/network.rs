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
/// How many bridge networks a scenario may have: the upper /25 split in
/// /28s, one each (two bridges of one namespace on one subnet collide:
/// the second's dnsmasq cannot take the address).
pub const MAX_BRIDGES: usize = 8;

/// The scenario's bridge networks, `(project, name)`, in the order their
/// addresses are given: those the cluster starts with, then those its
/// admins create, in role and command order.
#[derive(Clone, Debug, Default)]
pub struct Bridges(Vec<(String, String)>);

impl Bridges {
    pub fn of(setup: &crate::model::Setup) -> Bridges {
        let names = &setup.names;
        let mut all: Vec<(String, String)> = setup
            .db
            .networks
            .iter()
            .map(|n| (names.str(n.project).to_string(), names.str(n.name).to_string()))
            .collect();
        for role in &setup.roles {
            let crate::model::Role::Admin(plan) = role else {
                continue;
            };
            for c in plan.commands.iter().filter(|c| c.op.get().name() == "create-network") {
                let field = |f| names.str(c.args.name(f)).to_string();
                use crate::model::ops::Field;
                let bridge = (field(Field::Project), field(Field::Network));
                if !all.contains(&bridge) {
                    all.push(bridge);
                }
            }
        }
        Bridges(all)
    }

    /// Whether each bridge can have an address of its own.
    pub fn check(&self) -> Result<(), String> {
        match self.0.len() {
            n if n > MAX_BRIDGES => Err(format!(
                "the scenario has {n} bridge networks; the real back end gives at most {MAX_BRIDGES} an address"
            )),
            _ => Ok(()),
        }
    }

    /// The explicit IPv4 address of bridge `name` in `project`: its own /28
    /// in the upper half of the run's /24 (every bridge a scenario names is
    /// listed, and [`Bridges::check`] holds their number).
    pub fn address(&self, project: &str, name: &str) -> String {
        let index = self.0.iter().position(|(p, n)| p == project && n == name).unwrap_or(0);
        format!("{PREFIX}.{}/28", 128 + 16 * index + 1)
    }
}

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
