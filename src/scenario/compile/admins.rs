//! `[[admins]]`: each admin client's plan and trigger, and the checks
//! across all of its commands (keys Incus accepts, removals the model can
//! follow).

use std::collections::BTreeMap;

use super::commands::admin_command;
use super::compiler::Compiler;
use super::compiler::Result;
use super::resources::uplink_routes;
use crate::model::Role;
use crate::model::admin::{AdminPlan, Trigger, TriggerState};
use crate::model::ops;
use crate::scenario::file::{AdminFile, ScenarioFile, Text, TriggerFile};
use crate::scenario::incus_config;
use crate::sim::NodeId;

/// Each admin's project key (and value, when it sets one) as Incus checks
/// it; the model does not refuse a bad key at run time, so the scenario
/// may not send one. A pool limit may name any pool the scenario declares
/// or an admin creates.
pub(super) fn incus_accepts_commands(c: &Compiler<'_>, parsed: &ScenarioFile) -> Result<()> {
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
                    let routes = |uplink: &str| uplink_routes(&parsed.cluster, uplink);
                    incus_config::check_project_key(key.get_ref(), v.get_ref(), pool_exists, routes)
                        .map_err(|e| refused(v.span(), value_at, e))?;
                }
            }
        }
    }
    Ok(())
}

pub(super) fn admin_plan(c: &mut Compiler<'_>, a: &AdminFile, key: &str) -> Result<AdminPlan> {
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

pub(super) fn trigger(c: &Compiler<'_>, t: &TriggerFile, key: &str) -> Result<Trigger> {
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

/// Refuses a `remove-member` of a member whose removal the model cannot
/// follow: the leader (raft is not modelled), a join target or an admin's
/// `via`. Incus disables a removed member (`clusterNodeDelete` asks it to
/// leave, cmd/incusd/api_cluster.go:2425-2440 at be7afc5df3), after which
/// it serves no cluster request; the model's members never stop serving.
/// A rename can carry such a member to another name, so every name it may
/// take is refused too.
pub(super) fn check_removals(c: &Compiler<'_>, parsed: &ScenarioFile, leader: NodeId) -> Result<()> {
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
