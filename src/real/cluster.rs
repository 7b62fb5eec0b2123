//! The cluster a scenario declares, formed from nothing on real daemons:
//! a namespace and an `incusd` per member and joiner, the leader's cluster
//! enabled first, the other members joined one by one as `incus admin init
//! --preseed` joins them, then the storage pools (`dir`), cluster groups,
//! projects, network zones and networks (each bridge its own explicit
//! address; after the projects and zones they may name) of the scenario's
//! database. The joiners are left standalone, each with its join token
//! already issued.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;

use super::api::{Answer, Api, Log};
use super::daemon::Daemon;
use super::network;
use super::record::Record;
use super::requests::{self, Rest};
use crate::model::Setup;
use crate::model::names::{DEFAULT_GROUP, Sym};
use crate::sim::NodeId;

/// How long a daemon may take to start.
const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// The daemons of a try, by node number (admins have none).
pub struct Cluster {
    pub daemons: Vec<Option<Daemon>>,
    pub setup: std::sync::Arc<Setup>,
    pub log: Log,
    /// The cluster certificate (`GET /1.0` environment.certificate), which
    /// the client sends with a join.
    pub certificate: String,
    /// Each joiner's first join token.
    pub tokens: Vec<Option<String>>,
    /// The scenario's bridge networks and their addresses.
    pub bridges: network::Bridges,
    root: PathBuf,
}

impl Cluster {
    /// The API of `node`'s daemon, as client `who`.
    pub fn api(&self, node: NodeId, who: &str) -> Api {
        let name = self.setup.node_name(node);
        Api::new(&dir_of(&self.root, name), name, who, &self.log)
    }

    /// The scenario's members, by name.
    /// The name of the node whose daemon listens on `address`
    /// (`10.213.7.N:8443`), or the address when none does.
    pub fn node_at(&self, address: &str) -> String {
        let setup = &self.setup;
        (0..setup.node_count())
            .find(|&i| super::network::https_address(i) == address)
            .map_or_else(|| address.to_string(), |i| setup.node_name(i as NodeId).to_string())
    }

    pub fn member_names(&self) -> Vec<String> {
        self.setup
            .members()
            .map(|m| self.setup.node_name(m).to_string())
            .collect()
    }

    /// Kills every daemon and reaps it (teardown then removes the rest).
    pub fn stop(&mut self) {
        for d in self.daemons.iter_mut().flatten() {
            d.kill();
        }
    }

    pub fn daemon(&mut self, node: NodeId) -> &mut Daemon {
        self.daemons[usize::from(node)]
            .as_mut()
            .expect("a member or joiner has a daemon")
    }

    /// Starts the daemons, forms the cluster and prepares the joins.
    pub fn form(record: &Record, setup: std::sync::Arc<Setup>, log: Log) -> Result<Cluster, String> {
        let nodes: Vec<NodeId> = setup.members().chain(setup.joiners()).collect();
        if setup.node_count() > network::MAX_NODES {
            return Err(format!("the real back end runs at most {} nodes", network::MAX_NODES));
        }
        let bridges = network::Bridges::of(&setup);
        bridges.check()?;
        network::create_bridge(record)?;
        let mut daemons: Vec<Option<Daemon>> = (0..setup.node_count()).map(|_| None).collect();
        for &node in &nodes {
            let i = usize::from(node);
            network::create_namespace(record, i)?;
            let name = setup.node_name(node);
            daemons[i] = Some(Daemon::start(
                record,
                name,
                &dir_of(&record.root, name),
                &network::namespace(i),
            )?);
        }
        let mut cluster = Cluster {
            daemons,
            setup,
            log,
            certificate: String::new(),
            tokens: Vec::new(),
            bridges,
            root: record.root.clone(),
        };
        for &node in &nodes {
            cluster.daemon(node).wait_ready(READY_TIMEOUT)?;
            let api = cluster.api(node, "setup");
            send(
                &api,
                &requests::set_https_address(&network::https_address(usize::from(node))),
            )?;
        }
        cluster.enable_and_join_members()?;
        cluster.declare_resources()?;
        cluster.set_join_token_expiry()?;
        cluster.tokens = cluster.issue_tokens()?;
        Ok(cluster)
    }

    fn enable_and_join_members(&mut self) -> Result<(), String> {
        let leader = self.setup.leader;
        let lead = self.api(leader, "setup");
        send(&lead, &requests::enable_cluster(self.setup.node_name(leader)))?;
        let server = send(&lead, &Rest::get("/1.0"))?;
        self.certificate = server.metadata()["environment"]["certificate"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let others: Vec<NodeId> = self.setup.members().filter(|&m| m != leader).collect();
        for member in others {
            let token = self.token(leader, member)?;
            let rest = self.join_request(member, leader, &token);
            send(&self.api(member, "setup"), &rest)?;
        }
        Ok(())
    }

    /// A join token for `joiner`, issued by `issuer` (`incus cluster add`).
    pub fn token(&self, issuer: NodeId, joiner: NodeId) -> Result<String, String> {
        let name = self.setup.node_name(joiner);
        let rest = requests::join_token(name);
        let answer = self
            .api(issuer, "setup")
            .submit(rest.method, &rest.path, rest.body.as_ref())?;
        match answer.error() {
            None => Ok(requests::token_text(&answer.metadata()["metadata"])),
            Some(e) => Err(format!("setting up the cluster: a join token for {name}: {e}")),
        }
    }

    /// The joiner's `PUT /1.0/cluster` toward `target`.
    pub fn join_request(&self, joiner: NodeId, target: NodeId, token: &str) -> Rest {
        requests::join(
            self.setup.node_name(joiner),
            &network::https_address(usize::from(joiner)),
            &network::https_address(usize::from(target)),
            &self.certificate,
            token,
        )
    }

    /// Pools, groups, projects, zones and networks as the scenario's
    /// database has them, created through the leader, each after what it
    /// may name (a network its project and zones).
    fn declare_resources(&self) -> Result<(), String> {
        let setup = &self.setup;
        let names = &setup.names;
        let lead = self.api(setup.leader, "setup");
        let members = self.member_names();
        for pool in setup.db.pools.iter() {
            for rest in requests::create_pool(names.str(pool.name), &members) {
                send(&lead, &rest)?;
            }
        }
        for group in setup.db.groups.iter().filter(|g| g.name != DEFAULT_GROUP) {
            let members: Vec<String> = group.members.iter().map(|m| names.node_str(m).to_string()).collect();
            send(&lead, &requests::create_group(names.group_str(group.name), &members))?;
        }
        self.declare_projects(&lead)?;
        for &zone in setup.db.zones.iter() {
            send(&lead, &requests::create_zone(names.str(zone)))?;
        }
        for net in setup.db.networks.iter() {
            let (name, project) = (names.str(net.name), names.str(net.project));
            let address = self.bridges.address(project, name);
            let config = network_config(setup, net.name, net.project);
            for rest in requests::create_network(name, project, &members, &address, &config) {
                send(&lead, &rest)?;
            }
        }
        Ok(())
    }

    fn declare_projects(&self, lead: &Api) -> Result<(), String> {
        let names = &self.setup.names;
        for project in self.setup.db.projects.iter() {
            let config: serde_json::Map<String, Value> = project
                .config
                .0
                .iter()
                .map(|&(k, v)| (names.str(k).to_string(), Value::from(names.str(v))))
                .collect();
            let name = names.str(project.name);
            match name {
                // `incus project set default K=V` per key: GET, merge, PUT
                // (a PUT of these keys alone would drop its features.*).
                "default" if config.is_empty() => {}
                "default" => {
                    let read = send(lead, &Rest::get("/1.0/projects/default"))?;
                    let mut merged = read.metadata()["config"].as_object().cloned().unwrap_or_default();
                    merged.extend(config);
                    send(lead, &requests::project(name, &merged))?;
                }
                _ => {
                    send(lead, &requests::project(name, &config))?;
                }
            }
        }
        Ok(())
    }

    /// `cluster.join_token_expiry` as the scenario sets it, before the
    /// joiners' tokens are issued (each reads it then: api_cluster.go:1283
    /// at v6.0.4). Every unit the scenario takes is whole seconds.
    fn set_join_token_expiry(&self) -> Result<(), String> {
        let Some(ticks) = self.setup.join_token_expiry_ticks else {
            return Ok(());
        };
        let value = format!("{}S", ticks / 1000);
        send(
            &self.api(self.setup.leader, "setup"),
            &requests::server_config("cluster.join_token_expiry", &value),
        )?;
        Ok(())
    }

    /// Each joiner's first token, issued by its target (the scenario's
    /// database holds it from the start).
    fn issue_tokens(&self) -> Result<Vec<Option<String>>, String> {
        let mut tokens = vec![None; self.setup.node_count()];
        for (i, role) in self.setup.roles.iter().enumerate() {
            let crate::model::Role::Joiner(plan) = role else {
                continue;
            };
            let (joiner, target) = (i as NodeId, plan.target);
            tokens[usize::from(joiner)] = Some(self.token(target, joiner)?);
        }
        Ok(tokens)
    }
}

/// The `dns.zone.*` keys of network `name` in `project`, as its config
/// (`dns.zone.forward` may name several zones, comma-separated).
fn network_config(setup: &Setup, name: Sym, project: Sym) -> serde_json::Map<String, Value> {
    let mut config = serde_json::Map::new();
    for row in setup
        .db
        .network_zone_keys
        .iter()
        .filter(|r| r.network == name && r.project == project)
    {
        let zone = setup.names.str(row.zone);
        let value = match config.get(row.key.name()).and_then(Value::as_str) {
            Some(before) => format!("{before},{zone}"),
            None => zone.to_string(),
        };
        config.insert(row.key.name().to_string(), Value::from(value));
    }
    config
}

/// `INCUS_DIR` of node `name`.
pub fn dir_of(root: &std::path::Path, name: &str) -> PathBuf {
    root.join(name)
}

/// Sends a setup request; any error fails the try's setup.
fn send(api: &Api, rest: &Rest) -> Result<Answer, String> {
    let answer = api.call(rest.method, &rest.path, rest.body.as_ref(), None)?;
    match answer.error() {
        None => Ok(answer),
        Some(e) => Err(format!("setting up the cluster: {} {}: {e}", rest.method, rest.path)),
    }
}
