//! From the file's tables to a runnable [`Scenario`], checking every
//! reference on the way. Each error names the file, line and key.

use std::collections::BTreeMap;
use std::sync::Arc;

use toml::Spanned;

use super::error::{ScenarioError, line_of};
use super::expect::{Expect, Expectations, GroupBand};
use super::file::{AdminFile, ClusterFile, CommandFile, JoinerFile, ScenarioFile, Text, TriggerFile};
use super::incus_config;
use super::warn;
use super::{CrashPlan, Limits, PausePlan, Scenario};
use crate::check::Invariant;
use crate::model::admin::{AdminPlan, Command, Trigger, TriggerState};
use crate::model::bits::CAPACITY;
use crate::model::db::{Config, Db, Group, MemberRow, NetworkZoneKey, NodeSet, Project, Resource, ZoneKey};
use crate::model::names::{GroupName, GroupSet, Names, Sym};
use crate::model::ops::{self, Field, Fields, OPERATIONS, Op, Refused};
use crate::model::step::Step;
use crate::model::{FixedFault, JoinerPlan, Role, Setup, StepFaults, Variant};
use crate::sim::{NetworkConfig, NodeId, Partition, Ratio};

const DEFAULT_DELAY_MAX_TICKS: u64 = 10;
const DEFAULT_REQUEST_TIMEOUT_TICKS: u64 = 300;
const DEFAULT_MAX_EVENTS: u64 = 100_000;
const DEFAULT_LIVENESS_TICKS: u64 = 5_000;
const DEFAULT_RETRY_AFTER_TICKS: u64 = 100;
/// The most attempts a joiner may make.
const MAX_ATTEMPTS: u64 = 10;
/// The largest tick value (or event budget) a scenario may give: far beyond
/// any useful run, yet small enough that sums of a few such values fit in a
/// `u64` and a jitter plus one fits in the `u32` a choice is drawn as.
pub const MAX_TICKS: u64 = 1_000_000_000;

struct Compiler<'a> {
    file: &'a str,
    source: &'a str,
    names: Names,
    nodes: BTreeMap<String, NodeId>,
    roles: Vec<Role>,
}

type Result<T> = std::result::Result<T, ScenarioError>;

impl Compiler<'_> {
    fn error(&self, span: Option<std::ops::Range<usize>>, key: &str, message: impl Into<String>) -> ScenarioError {
        ScenarioError {
            file: self.file.to_string(),
            line: span
                .map(|s| line_of(self.source, s.start))
                .or_else(|| super::error::line_of_key(self.source, key)),
            key: Some(key.to_string()),
            message: message.into(),
        }
    }

    fn at<T>(&self, value: &Spanned<T>, key: &str, message: impl Into<String>) -> ScenarioError {
        self.error(Some(value.span()), key, message)
    }

    fn intern(&mut self, text: &Text, key: &str) -> Result<Sym> {
        self.names
            .intern(text.get_ref())
            .map_err(|e| self.at(text, key, format!("too many {}", e.0)))
    }

    fn group(&mut self, text: &Text, key: &str) -> Result<GroupName> {
        self.names
            .group(text.get_ref())
            .map_err(|e| self.at(text, key, format!("too many {}", e.0)))
    }

    /// A config value for `key`; an empty one unsets the key, as Incus
    /// stores no empty value (`CreateConfig`,
    /// internal/server/db/cluster/config.mapper.go:165-168 at be7afc5df3).
    fn config_value(&mut self, key: Sym, value: &Text, at: &str) -> Result<Option<Sym>> {
        if value.get_ref().is_empty() {
            return Ok(None);
        }
        self.names
            .intern_value(key, value.get_ref())
            .map(Some)
            .map_err(|e| self.at(value, at, format!("too many {}", e.0)))
    }

    /// A project config written as a TOML table under `at`.
    fn config(&mut self, table: &BTreeMap<Text, Text>, at: &str) -> Result<Config> {
        let mut config = Config::default();
        for (k, v) in table {
            let ckey = format!("{at}.\"{}\"", k.get_ref());
            let ksym = self.intern(k, &ckey)?;
            let value = self.config_value(ksym, v, &ckey)?;
            config.set(ksym, value);
        }
        Ok(config)
    }

    fn ticks(&self, value: &Option<Spanned<i64>>, key: &str, default: u64) -> Result<u64> {
        self.bounded(value, key, default, "ticks")
    }

    /// A non-negative count of `unit`s, at most [`MAX_TICKS`].
    fn bounded(&self, value: &Option<Spanned<i64>>, key: &str, default: u64, unit: &str) -> Result<u64> {
        match value {
            None => Ok(default),
            Some(v) if *v.get_ref() < 0 => Err(self.at(v, key, format!("must not be negative, got {}", v.get_ref()))),
            Some(v) if *v.get_ref() as u64 > MAX_TICKS => {
                Err(self.at(v, key, format!("at most {MAX_TICKS} {unit}, got {}", v.get_ref())))
            }
            Some(v) => Ok(*v.get_ref() as u64),
        }
    }

    fn add_node(&mut self, name: &Text, key: &str, role: Role) -> Result<NodeId> {
        if let Some(&existing) = self.nodes.get(name.get_ref()) {
            let what = match self.roles[usize::from(existing)] {
                Role::Member => "already a cluster member",
                Role::Joiner(_) => "already a joiner",
                Role::Admin(_) => "already an admin client",
            };
            return Err(self.at(name, key, format!("\"{}\" is {what}", name.get_ref())));
        }
        if self.roles.len() >= CAPACITY {
            let limit = format!("too many nodes (at most {CAPACITY}: members, joiners and admin clients together)");
            return Err(self.at(name, key, limit));
        }
        let id = self.roles.len() as NodeId;
        self.names
            .add_node(name.get_ref())
            .map_err(|e| self.at(name, key, format!("too many {}", e.0)))?;
        self.nodes.insert(name.get_ref().clone(), id);
        self.roles.push(role);
        Ok(id)
    }

    fn node(&self, name: &Text, key: &str) -> Result<NodeId> {
        self.nodes
            .get(name.get_ref())
            .copied()
            .ok_or_else(|| self.at(name, key, format!("unknown node \"{}\"", name.get_ref())))
    }

    fn member(&self, name: &Text, key: &str) -> Result<NodeId> {
        let node = self.node(name, key)?;
        match self.roles[usize::from(node)] {
            Role::Member => Ok(node),
            _ => Err(self.at(name, key, format!("\"{}\" is not a cluster member", name.get_ref()))),
        }
    }

    fn ratio(&self, text: &Option<Text>, key: &str) -> Result<Ratio> {
        let Some(text) = text else { return Ok(Ratio::NEVER) };
        let parsed = text.get_ref().split_once('/').and_then(|(n, d)| {
            let (n, d) = (n.trim().parse::<u32>().ok()?, d.trim().parse::<u32>().ok()?);
            (d > 0 && n <= d).then(|| Ratio::new(n, d))
        });
        parsed.ok_or_else(|| {
            self.at(
                text,
                key,
                format!("expected a probability like \"1/100\", got \"{}\"", text.get_ref()),
            )
        })
    }
}

pub fn compile(name: &str, file: &str, source: &str) -> Result<Scenario> {
    let parsed: ScenarioFile = super::error::parse_toml(file, source)?;
    let mut c = Compiler {
        file,
        source,
        names: Names::new(),
        nodes: BTreeMap::new(),
        roles: Vec::new(),
    };
    let variant = variant(&c, &parsed)?;
    let (leader, db) = declare_nodes(&mut c, &parsed)?;
    check_removals(&c, &parsed, leader)?;
    incus_accepts_commands(&c, &parsed)?;

    let network = network(&c, &parsed)?;
    let crashes = crashes(&c, &parsed)?;
    let pauses = pauses(&c, &parsed)?;
    let step_faults = step_faults(&mut c, &parsed)?;
    let expect = expectations(&c, &parsed.expect, "expect")?;
    let expect_variants = variant_expectations(&c, &parsed, variant)?;
    // The incus client has no request timeout (client/util.go:36-44 at
    // be7afc5df3): an admin gives up only when the scenario says so, and
    // only where a message can be lost. (A default timeout here made the
    // model's admin give up on a request a partition only delayed, which a
    // real client waits out: scenarios/real/project-update-toctou.toml.)
    let timeouts_needed =
        parsed.network.request_timeout.is_some() && (network.can_lose_messages() || !crashes.is_empty());
    let request_timeout = c.ticks(
        &parsed.network.request_timeout,
        "network.request_timeout",
        DEFAULT_REQUEST_TIMEOUT_TICKS,
    )?;
    if request_timeout == 0 {
        return Err(c.error(
            parsed.network.request_timeout.as_ref().map(|v| v.span()),
            "network.request_timeout",
            "must be at least 1 tick",
        ));
    }
    let limits = limits(&c, &parsed, &network, (&crashes, &pauses), &step_faults)?;
    let campaign_seeds = campaign_seeds(&c, &parsed)?;
    let warnings = warn::warnings(
        &parsed,
        &warn::Facts {
            file,
            source,
            network: &network,
            random_step_error_never: step_faults.random.is_never(),
            random_step_error_until_tick: step_faults.random_until_tick,
        },
    );

    let setup = Setup {
        standalone: Arc::new(Db::standalone(&c.names)),
        names: c.names,
        roles: c.roles,
        leader,
        db: Arc::new(db),
        variant,
        request_timeout_ticks: timeouts_needed.then_some(request_timeout),
        step_faults,
    };
    Ok(Scenario {
        name: name.to_string(),
        path: file.to_string(),
        source: source.to_string(),
        description: parsed.description.trim().to_string(),
        setup: Arc::new(setup),
        network,
        crashes,
        pauses,
        expect: expect.clone(),
        file_expect: expect,
        expect_variants,
        file_variant: variant,
        limits,
        campaign_seeds,
        swarm: false,
        warnings,
    })
}

fn variant(c: &Compiler<'_>, parsed: &ScenarioFile) -> Result<Variant> {
    variant_named(c, &parsed.variant, "variant")
}

fn variant_named(c: &Compiler<'_>, name: &Text, key: &str) -> Result<Variant> {
    Variant::parse(name.get_ref()).ok_or_else(|| {
        let known: Vec<&str> = Variant::ALL.iter().map(|v| v.name()).collect();
        let got = name.get_ref();
        c.at(
            name,
            key,
            format!("unknown variant \"{got}\" (known: {})", known.join(", ")),
        )
    })
}

/// `[expect_variant.NAME]`: the expectations under another variant, each
/// read as `[expect]` is; the scenario's own variant has `[expect]`.
fn variant_expectations(c: &Compiler<'_>, parsed: &ScenarioFile, own: Variant) -> Result<Vec<(Variant, Expectations)>> {
    let mut out = Vec::new();
    for (name, table) in &parsed.expect_variant {
        let key = format!("expect_variant.{}", name.get_ref());
        let variant = variant_named(c, name, &key)?;
        if variant == own {
            return Err(c.at(
                name,
                &key,
                format!(
                    "\"{}\" is the scenario's own variant: its expectations go in [expect]",
                    own.name()
                ),
            ));
        }
        out.push((variant, expectations(c, table, &key)?));
    }
    Ok(out)
}

/// Members (numbered first), the cluster database, joiners (each holding a
/// join token), then admin clients: the leader and the starting database.
fn declare_nodes(c: &mut Compiler<'_>, parsed: &ScenarioFile) -> Result<(NodeId, Db)> {
    let cluster = &parsed.cluster;
    if cluster.members.is_empty() {
        return Err(c.error(None, "cluster.members", "a cluster needs at least one member"));
    }
    for (i, m) in cluster.members.iter().enumerate() {
        c.add_node(m, &format!("cluster.members[{i}]"), Role::Member)?;
    }
    let leader = c.member(&cluster.leader, "cluster.leader")?;
    let mut db = cluster_db(c, parsed)?;
    for (i, j) in parsed.joiners.iter().enumerate() {
        let key = format!("joiners[{i}]");
        let target = join_target(c, parsed, i)?;
        let plan = joiner_plan(c, j, &key, target)?;
        let joiner = c.add_node(&j.name, &format!("{key}.name"), Role::Joiner(plan))?;
        db.tokens.insert(joiner);
    }
    for (i, a) in parsed.admins.iter().enumerate() {
        let plan = admin_plan(c, a, &format!("admins[{i}]"))?;
        c.add_node(&a.name, &format!("admins[{i}].name"), Role::Admin(plan))?;
    }
    Ok((leader, db))
}

/// A joiner's start, jitter and attempts.
fn joiner_plan(c: &Compiler<'_>, j: &JoinerFile, key: &str, target: NodeId) -> Result<JoinerPlan> {
    let attempts = c.bounded(&j.attempts, &format!("{key}.attempts"), 1, "attempts")?;
    if !(1..=MAX_ATTEMPTS).contains(&attempts) {
        let span = j.attempts.as_ref().map(|v| v.span());
        let message = format!("must be between 1 and {MAX_ATTEMPTS}, got {attempts}");
        return Err(c.error(span, &format!("{key}.attempts"), message));
    }
    let retry_with_new_token = match &j.retry_token {
        None => true,
        Some(t) if t.get_ref() == "new" => true,
        Some(t) if t.get_ref() == "same" => false,
        Some(t) => {
            let message = format!("expected \"new\" or \"same\", got \"{}\"", t.get_ref());
            return Err(c.at(t, &format!("{key}.retry_token"), message));
        }
    };
    Ok(JoinerPlan {
        target,
        start_tick: c.ticks(&j.start, &format!("{key}.start"), 0)?,
        start_jitter_ticks: c.ticks(&j.start_jitter, &format!("{key}.start_jitter"), 0)?,
        attempts: attempts as u8,
        retry_after_ticks: c.ticks(&j.retry_after, &format!("{key}.retry_after"), DEFAULT_RETRY_AFTER_TICKS)?,
        retry_with_new_token,
    })
}

/// The member joiner `i` asks to join through. Joiners are declared after
/// the members, so a target naming a joiner (even itself) is not yet a known
/// node: say what it names rather than "unknown node".
fn join_target(c: &Compiler<'_>, parsed: &ScenarioFile, i: usize) -> Result<NodeId> {
    let target = &parsed.joiners[i].target;
    let key = format!("joiners[{i}].target");
    if c.nodes.contains_key(target.get_ref()) {
        return c.member(target, &key);
    }
    let named = parsed.joiners.iter().position(|j| j.name.get_ref() == target.get_ref());
    let what = match named {
        Some(k) if k == i => "names this joiner itself".to_string(),
        Some(k) => format!("names a joiner (joiners[{k}])"),
        None => return c.node(target, &key),
    };
    Err(c.at(
        target,
        &key,
        format!(
            "\"{}\" {what}; a join target must be a cluster member",
            target.get_ref()
        ),
    ))
}

/// The cluster database the run starts from: every member full and, unless
/// the scenario declares `default`'s members, in the `default` group; plus
/// the declared groups, projects, pools and networks.
fn cluster_db(c: &mut Compiler<'_>, parsed: &ScenarioFile) -> Result<Db> {
    let mut db = Db::standalone(&c.names);
    db.version = 1;
    let mut all_members = NodeSet::default();
    for node in 0..c.roles.len() as NodeId {
        all_members.insert(node);
        let name = c.names.server_name(node);
        db.members.push(MemberRow {
            node,
            pending: false,
            name,
        });
    }
    db.groups[0].members = all_members;
    db.raft = all_members;
    declare_groups(c, &parsed.cluster, &mut db)?;
    declare_projects(c, &parsed.cluster, &mut db)?;
    declare_pools_and_networks(c, &parsed.cluster, &mut db)?;
    Ok(db)
}

/// `[[cluster.groups]]`: each new, its members members. `default` always
/// exists; declaring it gives its members, which may be any of the
/// cluster's, or none: an operator can take members out of it (a member
/// PUT replaces its group list, cmd/incusd/api_cluster.go:1992 at
/// be7afc5df3) and a group PATCH can even leave a member in no group
/// (cmd/incusd/api_cluster_group.go:816-879: it deletes the group's pairs
/// before the check that a member keeps one, which then finds none).
fn declare_groups(c: &mut Compiler<'_>, cluster: &ClusterFile, db: &mut Db) -> Result<()> {
    let mut declared = GroupSet::EMPTY;
    for (i, g) in cluster.groups.iter().enumerate() {
        let key = format!("cluster.groups[{i}]");
        let name = c.group(&g.name, &format!("{key}.name"))?;
        if declared.contains(name) {
            return Err(c.at(
                &g.name,
                &format!("{key}.name"),
                format!("cluster group \"{}\" is declared twice", g.name.get_ref()),
            ));
        }
        declared.insert(name);
        let mut members = NodeSet::default();
        for (k, m) in g.members.iter().enumerate() {
            members.insert(c.member(m, &format!("{key}.members[{k}]"))?);
        }
        match db.group_mut(name) {
            Some(default) => default.members = members,
            None => db.groups.push(Group { name, members }),
        }
    }
    Ok(())
}

/// `[[cluster.projects]]`: config values naming only declared groups (a
/// project naming a missing group is what `dangling-group-reference`
/// forbids; Incus's validator refuses it, api_project.go:1790-1794 at
/// be7afc5df3).
fn declare_projects(c: &mut Compiler<'_>, cluster: &ClusterFile, db: &mut Db) -> Result<()> {
    for (i, p) in cluster.projects.iter().enumerate() {
        let key = format!("cluster.projects[{i}]");
        let name = c.intern(&p.name, &format!("{key}.name"))?;
        let config = c.config(&p.config, &format!("{key}.config"))?;
        incus_accepts_initial(c, cluster, &p.config, &format!("{key}.config"))?;
        for (k, v) in &p.config {
            let Some(vsym) = c.names.lookup(k.get_ref()).and_then(|k| config.get(k)) else {
                continue;
            };
            if let Some(missing) = c.names.group_list(vsym).iter().find(|g| db.group(**g).is_none()) {
                let missing = c.names.group_str(*missing).to_string();
                return Err(c.at(
                    v,
                    &format!("{key}.config.\"{}\"", k.get_ref()),
                    format!("names cluster group \"{missing}\", which the cluster does not have"),
                ));
            }
        }
        match db.projects.iter_mut().find(|q| q.name == name) {
            Some(existing) if name == c.names.keys.default_project && existing.config.0.is_empty() => {
                existing.config = config
            }
            Some(_) => {
                return Err(c.at(
                    &p.name,
                    &format!("{key}.name"),
                    format!("project \"{}\" is declared twice", p.name.get_ref()),
                ));
            }
            None => db.projects.push(Project { name, config }),
        }
    }
    Ok(())
}

/// A cluster holds only project config its validator accepted
/// (`incus_config`): each key and non-empty value (an empty one is no
/// value), then the rule across keys.
fn incus_accepts_initial(
    c: &Compiler<'_>,
    cluster: &ClusterFile,
    table: &BTreeMap<Text, Text>,
    at: &str,
) -> Result<()> {
    let pool_exists = |name: &str| cluster.pools.iter().any(|p| p.name.get_ref() == name);
    for (k, v) in table.iter().filter(|(_, v)| !v.get_ref().is_empty()) {
        incus_config::check_project_key(k.get_ref(), v.get_ref(), pool_exists).map_err(|e| {
            c.at(
                v,
                &format!("{at}.\"{}\"", k.get_ref()),
                format!("Incus refuses it: {e}"),
            )
        })?;
    }
    let get = |key: &str| {
        table
            .iter()
            .find(|(k, _)| k.get_ref() == key)
            .map_or("", |(_, v)| v.get_ref().as_str())
    };
    incus_config::check_project_config(get).map_err(|e| {
        let first = table.keys().next().map_or(0..0, |k| k.span());
        c.error(Some(first), at, format!("Incus refuses it: {e}"))
    })
}

/// Each admin's project key (and value, when it sets one) as Incus checks
/// it; the model does not refuse a bad key at run time, so the scenario
/// may not send one. A pool limit may name any pool the scenario declares
/// or an admin creates.
fn incus_accepts_commands(c: &Compiler<'_>, parsed: &ScenarioFile) -> Result<()> {
    let pool_exists = |name: &str| {
        parsed.cluster.pools.iter().any(|p| p.name.get_ref() == name)
            || parsed
                .admins
                .iter()
                .flat_map(|a| &a.commands)
                .any(|cmd| cmd.pool.as_ref().is_some_and(|p| p.get_ref() == name))
    };
    let refused = |span: std::ops::Range<usize>, at: String, e: String| {
        c.error(
            Some(span),
            &at,
            format!(
                "Incus refuses this request ({e}); joinsim does not model the refusal, so a scenario may not send it"
            ),
        )
    };
    for (i, a) in parsed.admins.iter().enumerate() {
        for (j, cmd) in a.commands.iter().enumerate() {
            let at = |field: &str| format!("admins[{i}].commands[{j}].{field}");
            let mut pairs: Vec<(&Text, Option<&Text>, String, String)> = Vec::new();
            if let Some(key) = &cmd.key {
                pairs.push((key, cmd.value.as_ref(), at("key"), at("value")));
            }
            for (k, v) in cmd.config.iter().flat_map(|t| t.get_ref()) {
                let here = at(&format!("config.\"{}\"", k.get_ref()));
                pairs.push((k, Some(v), here.clone(), here));
            }
            for (key, value, key_at, value_at) in pairs {
                incus_config::project_key(key.get_ref(), pool_exists).map_err(|e| refused(key.span(), key_at, e))?;
                if let Some(v) = value {
                    incus_config::check_project_key(key.get_ref(), v.get_ref(), pool_exists)
                        .map_err(|e| refused(v.span(), value_at, e))?;
                }
            }
        }
    }
    Ok(())
}

/// `[[cluster.pools]]` and `[[cluster.networks]]`, created on every member.
fn declare_pools_and_networks(c: &mut Compiler<'_>, cluster: &ClusterFile, db: &mut Db) -> Result<()> {
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

fn admin_plan(c: &mut Compiler<'_>, a: &AdminFile, key: &str) -> Result<AdminPlan> {
    let via = c.member(&a.via, &format!("{key}.via"))?;
    let mut commands = Vec::new();
    for (i, command) in a.commands.iter().enumerate() {
        commands.push(admin_command(c, command, &format!("{key}.commands[{i}]"))?);
    }
    Ok(AdminPlan {
        via,
        start_tick: c.ticks(&a.start, &format!("{key}.start"), 0)?,
        start_jitter_ticks: c.ticks(&a.start_jitter, &format!("{key}.start_jitter"), 0)?,
        pause_ticks: c.ticks(&a.pause, &format!("{key}.pause"), 0)?,
        commands,
        trigger: a.trigger.as_ref().map(|t| trigger(c, t, key)).transpose()?,
    })
}

fn trigger(c: &Compiler<'_>, t: &TriggerFile, key: &str) -> Result<Trigger> {
    let joiner = c.node(&t.joiner, &format!("{key}.trigger.joiner"))?;
    if !matches!(c.roles[usize::from(joiner)], Role::Joiner(_)) {
        return Err(c.at(
            &t.joiner,
            &format!("{key}.trigger.joiner"),
            format!("\"{}\" is not a joiner", t.joiner.get_ref()),
        ));
    }
    let state = TriggerState::ALL
        .into_iter()
        .find(|s| s.name() == t.state.get_ref())
        .ok_or_else(|| {
            let known: Vec<&str> = TriggerState::ALL.iter().map(|s| s.name()).collect();
            c.at(
                &t.state,
                &format!("{key}.trigger.state"),
                format!("unknown state \"{}\" (known: {})", t.state.get_ref(), known.join(", ")),
            )
        })?;
    Ok(Trigger { joiner, state })
}

/// Where each field of a command is written, if it is.
fn field_span(cmd: &CommandFile, field: Field) -> Option<std::ops::Range<usize>> {
    let text = |t: &Option<Text>| t.as_ref().map(|v| v.span());
    match field {
        Field::Group => text(&cmd.group),
        Field::Groups => cmd.groups.as_ref().map(|v| v.span()),
        Field::To => text(&cmd.to),
        Field::Member => text(&cmd.member),
        Field::Force => cmd.force.as_ref().map(|v| v.span()),
        Field::Project => text(&cmd.project),
        Field::Key => text(&cmd.key),
        Field::Value => text(&cmd.value),
        Field::Config => cmd.config.as_ref().map(|v| v.span()),
        Field::Pool => text(&cmd.pool),
        Field::Network => text(&cmd.network),
    }
}

/// The text of a field that holds one name.
fn field_text(cmd: &CommandFile, field: Field) -> Option<&Text> {
    match field {
        Field::Group => cmd.group.as_ref(),
        Field::To => cmd.to.as_ref(),
        Field::Member => cmd.member.as_ref(),
        Field::Project => cmd.project.as_ref(),
        Field::Key => cmd.key.as_ref(),
        Field::Value => cmd.value.as_ref(),
        Field::Pool => cmd.pool.as_ref(),
        Field::Network => cmd.network.as_ref(),
        Field::Groups | Field::Force | Field::Config => None,
    }
}

/// The operation `cmd` names, its fields checked against what it needs.
fn admin_op(c: &Compiler<'_>, cmd: &CommandFile, key: &str) -> Result<Op> {
    let name = cmd.op.get_ref().as_str();
    let Some(op) = ops::find(name) else {
        let known: Vec<&str> = OPERATIONS.iter().map(|o| o.name()).collect();
        return Err(c.at(
            &cmd.op,
            &format!("{key}.op"),
            format!("unknown admin operation \"{name}\" (known: {})", known.join(", ")),
        ));
    };
    let (needs, may) = (op.get().needs(), op.get().may());
    // A missing field first: `group` where `groups` is needed says more as
    // "needs `groups`" than as "takes no `group`".
    if let Some(field) = Field::ALL
        .into_iter()
        .find(|f| needs.contains(f) && field_span(cmd, *f).is_none())
    {
        return Err(c.at(
            &cmd.op,
            &format!("{key}.{}", field.name()),
            format!("\"{name}\" needs `{}`", field.name()),
        ));
    }
    let extra = Field::ALL
        .into_iter()
        .find(|f| field_span(cmd, *f).is_some() && !needs.contains(f) && !may.contains(f));
    if let Some(field) = extra {
        return Err(c.error(
            field_span(cmd, field),
            &format!("{key}.{}", field.name()),
            format!("\"{name}\" takes no `{}`", field.name()),
        ));
    }
    Ok(op)
}

fn admin_command(c: &mut Compiler<'_>, cmd: &CommandFile, key: &str) -> Result<Command> {
    let op = admin_op(c, cmd, key)?;
    let mut fields = CommandFields {
        c,
        cmd,
        key,
        error: None,
    };
    match op.get().compile(&mut fields) {
        Ok(args) => Ok(Command { op, args }),
        Err(Refused) => Err(fields.error.expect("a refusal keeps its error")),
    }
}

/// The scenario compiler's reader of one command's fields, for
/// [`crate::model::ops::Operation::compile`].
struct CommandFields<'c, 'a> {
    c: &'c mut Compiler<'a>,
    cmd: &'c CommandFile,
    key: &'c str,
    error: Option<ScenarioError>,
}

impl CommandFields<'_, '_> {
    fn keep(&mut self, error: ScenarioError) -> Refused {
        self.error = Some(error);
        Refused
    }

    fn sub(&self, field: Field) -> String {
        format!("{}.{}", self.key, field.name())
    }

    fn text(&self, field: Field) -> Text {
        field_text(self.cmd, field).cloned().expect("checked by admin_op")
    }
}

impl Fields for CommandFields<'_, '_> {
    fn name(&mut self, field: Field) -> std::result::Result<Sym, Refused> {
        let (text, key) = (self.text(field), self.sub(field));
        self.c.intern(&text, &key).map_err(|e| self.keep(e))
    }

    fn group(&mut self, field: Field) -> std::result::Result<GroupName, Refused> {
        let (text, key) = (self.text(field), self.sub(field));
        self.c.group(&text, &key).map_err(|e| self.keep(e))
    }

    fn groups(&mut self, field: Field) -> std::result::Result<Vec<GroupName>, Refused> {
        let cmd = self.cmd;
        let list = match field {
            Field::Groups => cmd.groups.as_ref().expect("checked by admin_op"),
            other => unreachable!("{other:?} holds no group list"),
        };
        let mut groups = Vec::new();
        for (i, g) in list.get_ref().iter().enumerate() {
            let key = format!("{}[{i}]", self.sub(field));
            groups.push(self.c.group(g, &key).map_err(|e| self.keep(e))?);
        }
        Ok(groups)
    }

    fn flag(&mut self, field: Field) -> bool {
        match field {
            Field::Force => self.cmd.force.as_ref().is_some_and(|f| *f.get_ref()),
            other => unreachable!("{other:?} is not a flag"),
        }
    }

    fn config(&mut self, field: Field) -> std::result::Result<Config, Refused> {
        let cmd = self.cmd;
        let table = match field {
            Field::Config => cmd.config.as_ref().expect("checked by admin_op").get_ref(),
            other => unreachable!("{other:?} is not a config"),
        };
        let key = self.sub(field);
        self.c.config(table, &key).map_err(|e| self.keep(e))
    }

    fn config_value(&mut self, config_key: Sym, field: Field) -> std::result::Result<Option<Sym>, Refused> {
        let Some(text) = field_text(self.cmd, field).cloned() else {
            return Ok(None);
        };
        let key = self.sub(field);
        self.c.config_value(config_key, &text, &key).map_err(|e| self.keep(e))
    }

    fn refuse(&mut self, field: Field, message: &str) -> Refused {
        let error = self.c.error(field_span(self.cmd, field), &self.sub(field), message);
        self.keep(error)
    }
}

/// Refuses a `remove-member` of a member whose removal the model cannot
/// follow: the leader (raft is not modelled), a join target or an admin's
/// `via`. Incus disables a removed member (`clusterNodeDelete` asks it to
/// leave, cmd/incusd/api_cluster.go:2425-2440 at be7afc5df3), after which
/// it serves no cluster request; the model's members never stop serving.
/// A rename can carry such a member to another name, so every name it may
/// take is refused too.
fn check_removals(c: &Compiler<'_>, parsed: &ScenarioFile, leader: NodeId) -> Result<()> {
    let commands = || {
        parsed.admins.iter().enumerate().flat_map(|(a, admin)| {
            admin
                .commands
                .iter()
                .enumerate()
                .map(move |(i, cmd)| (format!("admins[{a}].commands[{i}]"), cmd))
        })
    };
    let mut protected: BTreeMap<String, &'static str> = BTreeMap::new();
    protected.insert(c.names.node_str(leader).to_string(), "the leader");
    for role in &c.roles {
        match role {
            Role::Joiner(plan) => protected.insert(c.names.node_str(plan.target).to_string(), "a join target"),
            Role::Admin(plan) => protected.insert(c.names.node_str(plan.via).to_string(), "an admin's `via`"),
            Role::Member => None,
        };
    }
    // The names a protected member can take: close over the renames.
    loop {
        let before = protected.len();
        for (_, cmd) in commands().filter(|(_, cmd)| cmd.op.get_ref() == ops::RENAME_MEMBER) {
            let (Some(from), Some(to)) = (&cmd.member, &cmd.to) else {
                continue;
            };
            if let Some(&why) = protected.get(from.get_ref()) {
                protected.entry(to.get_ref().clone()).or_insert(why);
            }
        }
        if protected.len() == before {
            break;
        }
    }
    for (key, cmd) in commands().filter(|(_, cmd)| cmd.op.get_ref() == ops::REMOVE_MEMBER) {
        let Some(member) = &cmd.member else { continue };
        if let Some(why) = protected.get(member.get_ref()) {
            return Err(c.at(
                member,
                &format!("{key}.member"),
                format!(
                    "\"{}\" may name {why}, whose removal the model does not follow (a removed member leaves the cluster; the model's members keep serving)",
                    member.get_ref()
                ),
            ));
        }
    }
    Ok(())
}

fn network(c: &Compiler<'_>, parsed: &ScenarioFile) -> Result<NetworkConfig> {
    let n = &parsed.network;
    let delay_min = c.ticks(&n.delay_min, "network.delay_min", 1)?;
    let delay_max = c.ticks(
        &n.delay_max,
        "network.delay_max",
        DEFAULT_DELAY_MAX_TICKS.max(delay_min),
    )?;
    if delay_max < delay_min {
        let span = n.delay_max.as_ref().map(|v| v.span());
        return Err(c.error(
            span,
            "network.delay_max",
            format!("must be at least delay_min ({delay_min})"),
        ));
    }
    if delay_max - delay_min > u64::from(u32::MAX - 1) {
        return Err(c.error(
            n.delay_max.as_ref().map(|v| v.span()),
            "network.delay_max",
            "delay range too wide",
        ));
    }
    let mut partitions = Vec::new();
    for (i, p) in n.partitions.iter().enumerate() {
        let key = format!("network.partitions[{i}]");
        let side = |list: &Vec<Text>, name: &str| -> Result<Vec<NodeId>> {
            list.iter()
                .enumerate()
                .map(|(k, t)| c.node(t, &format!("{key}.{name}[{k}]")))
                .collect()
        };
        let from = c.ticks(&Some(p.from.clone()), &format!("{key}.from"), 0)?;
        let until = c.ticks(&Some(p.until.clone()), &format!("{key}.until"), 0)?;
        if until < from {
            return Err(c.at(
                &p.until,
                &format!("{key}.until"),
                format!("must not be before `from` ({from})"),
            ));
        }
        let (side_a, side_b) = (side(&p.side_a, "side_a")?, side(&p.side_b, "side_b")?);
        if let Some(k) = side_b.iter().position(|node| side_a.contains(node)) {
            let name = &p.side_b[k];
            return Err(c.at(
                name,
                &format!("{key}.side_b[{k}]"),
                format!(
                    "\"{}\" is on both sides of the partition; a node on both sides would be cut off \
                     from every other node of either side: list it on one side only",
                    name.get_ref()
                ),
            ));
        }
        partitions.push(Partition {
            side_a,
            side_b,
            from_tick: from,
            until_tick: until,
        });
    }
    Ok(NetworkConfig {
        delay_min_ticks: delay_min,
        delay_max_ticks: delay_max,
        reorder: n.reorder.unwrap_or(true),
        same_tick_order: n.same_tick_order.unwrap_or(false),
        drop: c.ratio(&n.drop, "network.drop")?,
        duplicate: no_duplicates(c, n)?,
        partitions,
        faults_until_tick: c.ticks(&n.faults_until, "network.faults_until", 1_000)?,
    })
}

/// `network.duplicate`: refused unless it says never. Every message of the
/// model travels on a TCP connection (`model/connection.rs`), which
/// delivers each byte once: a real network's duplicate packet never reaches
/// Incus twice, so the setting could only ever do nothing.
fn no_duplicates(c: &Compiler<'_>, n: &super::file::NetworkFile) -> Result<Ratio> {
    let duplicate = c.ratio(&n.duplicate, "network.duplicate")?;
    match &n.duplicate {
        Some(value) if !duplicate.is_never() => Err(c.at(
            value,
            "network.duplicate",
            "messages travel on TCP connections, which never deliver a message twice: \
             remove it (a broken connection is `network.drop`)",
        )),
        _ => Ok(duplicate),
    }
}

fn crashes(c: &Compiler<'_>, parsed: &ScenarioFile) -> Result<Vec<CrashPlan>> {
    let mut plans = Vec::new();
    for (i, crash) in parsed.faults.crashes.iter().enumerate() {
        let key = format!("faults.crashes[{i}]");
        let node = faulted_node(
            c,
            &crash.node,
            &key,
            "admin clients do not crash; crash a member or a joiner",
        )?;
        let restart_after_ticks = match &crash.restart_after {
            None => None,
            Some(_) => Some(c.ticks(&crash.restart_after, &format!("{key}.restart_after"), 0)?),
        };
        plans.push(CrashPlan {
            node,
            at_tick: c.ticks(&Some(crash.at.clone()), &format!("{key}.at"), 0)?,
            jitter_ticks: c.ticks(&crash.jitter, &format!("{key}.jitter"), 0)?,
            restart_after_ticks,
        });
    }
    Ok(plans)
}

/// The member or joiner `text` names at `key.node` (an admin client is
/// refused with `refusal`: it runs in no daemon).
fn faulted_node(c: &Compiler<'_>, text: &Text, key: &str, refusal: &str) -> Result<NodeId> {
    let node = c.node(text, &format!("{key}.node"))?;
    if matches!(c.roles[usize::from(node)], Role::Admin(_)) {
        return Err(c.at(text, &format!("{key}.node"), refusal));
    }
    Ok(node)
}

fn pauses(c: &Compiler<'_>, parsed: &ScenarioFile) -> Result<Vec<PausePlan>> {
    let mut plans = Vec::new();
    for (i, pause) in parsed.faults.pauses.iter().enumerate() {
        let key = format!("faults.pauses[{i}]");
        let refusal = "admin clients run in no daemon to pause; pause a member or a joiner";
        let node = faulted_node(c, &pause.node, &key, refusal)?;
        let resume_after_ticks = c.ticks(&Some(pause.resume_after.clone()), &format!("{key}.resume_after"), 0)?;
        if resume_after_ticks == 0 {
            return Err(c.error(
                Some(pause.resume_after.span()),
                &format!("{key}.resume_after"),
                "must be at least 1 tick (a pause that ends as it starts pauses nothing)",
            ));
        }
        plans.push(PausePlan {
            node,
            at_tick: c.ticks(&Some(pause.at.clone()), &format!("{key}.at"), 0)?,
            jitter_ticks: c.ticks(&pause.jitter, &format!("{key}.jitter"), 0)?,
            resume_after_ticks,
        });
    }
    Ok(plans)
}

fn step_faults(c: &mut Compiler<'_>, parsed: &ScenarioFile) -> Result<StepFaults> {
    let f = &parsed.faults;
    let mut fixed = Vec::new();
    for (i, e) in f.step_errors.iter().enumerate() {
        let key = format!("faults.step_errors[{i}]");
        let step = Step::parse(e.step.get_ref())
            .filter(|s| *s != Step::Revert)
            .ok_or_else(|| c.at(&e.step, &format!("{key}.step"), unknown_step(e.step.get_ref())))?;
        let joiner = match &e.joiner {
            None => None,
            Some(j) => {
                let node = c.node(j, &format!("{key}.joiner"))?;
                if !matches!(c.roles[usize::from(node)], Role::Joiner(_)) {
                    return Err(c.at(
                        j,
                        &format!("{key}.joiner"),
                        format!("\"{}\" is not a joiner", j.get_ref()),
                    ));
                }
                Some(node)
            }
        };
        let attempt = match &e.attempt {
            None => None,
            Some(a) if (1..=MAX_ATTEMPTS as i64).contains(a.get_ref()) => Some(*a.get_ref() as u8),
            Some(a) => {
                let message = format!("must be between 1 and {MAX_ATTEMPTS}, got {}", a.get_ref());
                return Err(c.at(a, &format!("{key}.attempt"), message));
            }
        };
        fixed.push(FixedFault { joiner, step, attempt });
    }
    let mutex_handoff_any = match f.mutex_handoff.as_ref().map(|t| t.get_ref().as_str()) {
        None | Some("fifo") => false,
        Some("any") => true,
        Some(other) => {
            let text = f.mutex_handoff.as_ref().expect("set");
            let message = format!("expected \"fifo\" or \"any\", got \"{other}\"");
            return Err(c.at(text, "faults.mutex_handoff", message));
        }
    };
    Ok(StepFaults {
        fixed,
        random: c.ratio(&f.random_step_error, "faults.random_step_error")?,
        random_until_tick: c.ticks(&f.until, "faults.until", 1_000)?,
        transaction: c.ratio(&f.transaction_retry, "faults.transaction_retry")?,
        leader_change: c.ratio(&f.leader_change, "faults.leader_change")?,
        local_work_max_ticks: c.ticks(&f.local_work_max, "faults.local_work_max", 0)?,
        mutex_handoff_any,
    })
}

/// Why `text` names no single join step. A code such as `J5` that several
/// steps share is ambiguous rather than unknown: list what it could mean, in
/// the forms [`Step::parse`] accepts.
fn unknown_step(text: &str) -> String {
    let sharing: Vec<String> = Step::ALL
        .iter()
        .filter(|s| s.code() == text && **s != Step::Revert)
        .map(|s| format!("{:?} ({})", s, s.name()))
        .collect();
    if sharing.is_empty() {
        format!("unknown join step \"{text}\" (use J0..J15 or a step name, e.g. AddToDefaultGroup)")
    } else {
        format!(
            "join step code \"{text}\" is ambiguous: it names {}; give one of these names instead",
            sharing.join(", ")
        )
    }
}

/// `[expect]`: per invariant `always`, `never` or a band; per failure group
/// (`"INVARIANT on ROLE at STEP"`) a band, whose invariant must allow
/// violations.
fn expectations(c: &Compiler<'_>, table: &BTreeMap<Text, Text>, table_key: &str) -> Result<Expectations> {
    let mut expect = Expectations::default();
    let mut groups = Vec::new();
    for (k, v) in table {
        let key = format!("{table_key}.{}", k.get_ref());
        if let Some(name) = k.get_ref().strip_prefix("probe: ") {
            let probe = crate::model::probe::Probe::parse(name).ok_or_else(|| {
                let known: Vec<&str> = crate::model::probe::Probe::ALL.iter().map(|p| p.name()).collect();
                c.at(
                    k,
                    &key,
                    format!("unknown probe \"{name}\" (known: {})", known.join(", ")),
                )
            })?;
            if v.get_ref() != "reached" {
                return Err(c.at(v, &key, "a required probe takes \"reached\""));
            }
            expect.probes.push(probe);
            continue;
        }
        if let Some(group) = GroupBand::parse_key(k.get_ref()) {
            let (invariant, label) = group.map_err(|message| c.at(k, &key, message))?;
            let band = match Expect::parse(v.get_ref()).map_err(|message| c.at(v, &key, message))? {
                Expect::Rate(band) => band,
                _ => return Err(c.at(v, &key, "a failure group takes a rate band, e.g. \"0.4%..0.7%\"")),
            };
            groups.push((k, GroupBand { label, invariant, band }));
            continue;
        }
        let invariant = Invariant::parse(k.get_ref()).ok_or_else(|| {
            let known: Vec<&str> = Invariant::ALL.iter().map(|i| i.name()).collect();
            c.at(
                k,
                &key,
                format!("unknown invariant \"{}\" (known: {})", k.get_ref(), known.join(", ")),
            )
        })?;
        expect.invariants[invariant.index()] = Expect::parse(v.get_ref()).map_err(|message| c.at(v, &key, message))?;
    }
    for (k, group) in groups {
        if !expect.of(group.invariant).allows_violations() {
            return Err(c.at(
                k,
                &format!("{table_key}.{}", k.get_ref()),
                format!(
                    "a band for a failure group of {0} needs {0} itself to allow violations (a band or always)",
                    group.invariant
                ),
            ));
        }
        expect.groups.push(group);
    }
    Ok(expect)
}

/// `[campaign] seeds`: at least one, at most [`MAX_TICKS`].
fn campaign_seeds(c: &Compiler<'_>, parsed: &ScenarioFile) -> Result<Option<u64>> {
    let Some(seeds) = &parsed.campaign.seeds else {
        return Ok(None);
    };
    match c.bounded(&parsed.campaign.seeds, "campaign.seeds", 0, "seeds")? {
        0 => Err(c.at(seeds, "campaign.seeds", "must be at least 1")),
        n => Ok(Some(n)),
    }
}

/// The run's bounds: faults heal at the last fault tick; every join must end
/// within `liveness_ticks` after that (or after the last scripted start).
fn limits(
    c: &Compiler<'_>,
    parsed: &ScenarioFile,
    network: &NetworkConfig,
    (crashes, pauses): (&[CrashPlan], &[PausePlan]),
    faults: &StepFaults,
) -> Result<Limits> {
    let l = &parsed.limits;
    let max_events = c.bounded(&l.max_events, "limits.max_events", DEFAULT_MAX_EVENTS, "events")?;
    let liveness = c.ticks(&l.liveness_ticks, "limits.liveness_ticks", DEFAULT_LIVENESS_TICKS)?;
    let mut heal = network.last_fault_tick();
    for crash in crashes {
        let restart = crash.restart_after_ticks.unwrap_or(0);
        heal = heal.max(crash.at_tick.saturating_add(crash.jitter_ticks).saturating_add(restart));
    }
    for pause in pauses {
        let resume = pause.at_tick.saturating_add(pause.jitter_ticks);
        heal = heal.max(resume.saturating_add(pause.resume_after_ticks));
    }
    if !faults.random.is_never() || !faults.transaction.is_never() || !faults.leader_change.is_never() {
        heal = heal.max(faults.random_until_tick);
    }
    for role in &c.roles {
        match role {
            Role::Joiner(p) => heal = heal.max(p.start_tick.saturating_add(p.start_jitter_ticks)),
            Role::Admin(p) => heal = heal.max(p.start_tick.saturating_add(p.start_jitter_ticks)),
            Role::Member => {}
        }
    }
    Ok(Limits {
        max_events,
        max_ticks: heal.saturating_add(liveness),
    })
}
