//! What a run left, as the end checks read it: the cluster's rows (members,
//! raft nodes, trusted certificates, groups, per-member rows, projects) and
//! each joiner's end (status, failure step and error text, its own server).
//! The model builds it from its `World` ([`EndView::of_world`]); the real
//! back end builds the same view from a real cluster (`real/judge.rs`), so
//! that the end predicates run once, on the view, for both.
//!
//! Nodes are the scenario's (`NodeId`s of the shared `Setup`); names are
//! borrowed from the model's interned strings or owned when read from a
//! real cluster. Built once per run: no per-event cost.

use std::borrow::Cow;

use super::LimitHit;
use crate::model::db::NodeSet;
use crate::model::joiner::{JoinStatus, Joiner};
use crate::model::step::Step;
use crate::model::{Setup, World};
use crate::sim::NodeId;

/// The end of a run (or of a real try), as the end checks read it.
pub struct EndView<'a> {
    pub setup: &'a Setup,
    /// When the run ended (the model's tick, a real try's milliseconds).
    pub tick: u64,
    /// A model run that stopped at its event limit: a runaway.
    pub event_limit: Option<u64>,
    /// The bound an unfinished join missed, for its message.
    pub bound: Cow<'a, str>,
    /// The cluster's database; `None` when no member answered.
    pub cluster: Option<ClusterView<'a>>,
    pub joiners: Vec<JoinerView<'a>>,
}

/// The cluster database's rows the end checks read.
pub struct ClusterView<'a> {
    /// The database's version (the model's raft index), when known.
    pub version: Option<u64>,
    /// The `nodes` table.
    pub members: Vec<MemberView<'a>>,
    /// The nodes of the raft configuration.
    pub raft: NodeSet,
    /// The nodes whose server certificate the cluster trusts (the model
    /// holds joiners' only).
    pub trusted: NodeSet,
    /// The cluster groups' names.
    pub groups: Vec<Cow<'a, str>>,
    /// Rows of the per-member tables (`model/per_member.rs`), grouped by
    /// table and the entity they are about.
    pub per_member: Vec<PerMemberRows<'a>>,
    pub projects: Vec<ProjectView<'a>>,
}

/// A row of `nodes`.
pub struct MemberView<'a> {
    pub node: NodeId,
    /// Its `name` column (a rename changes it).
    pub name: Cow<'a, str>,
    pub pending: bool,
}

/// The members with a row in a per-member table for one entity (a pool,
/// a network, a group), or for the whole table when `entity` is `None`.
pub struct PerMemberRows<'a> {
    pub table: Cow<'a, str>,
    pub entity: Option<Cow<'a, str>>,
    pub members: NodeSet,
}

/// A project and its `restricted.cluster.groups` value, as stored.
pub struct ProjectView<'a> {
    pub name: Cow<'a, str>,
    pub restricted_cluster_groups: Option<Cow<'a, str>>,
}

pub struct JoinerView<'a> {
    pub node: NodeId,
    pub end: JoinEnd<'a>,
}

/// How a join ended.
pub enum JoinEnd<'a> {
    Completed,
    /// The joiner crashed mid-join; nothing was reverted.
    Crashed,
    Failed(Box<FailedJoin<'a>>),
    /// Neither completed nor failed: where it was.
    Unfinished(Cow<'a, str>),
}

/// A failed join: its last attempt's failure and what the joiner's own
/// server was left with.
pub struct FailedJoin<'a> {
    pub step: Option<Step>,
    /// The error chain, as `incus cluster join` prints it.
    pub error: Cow<'a, str>,
    pub ended_tick: Option<u64>,
    /// Attempts that failed before the last.
    pub earlier_failures: usize,
    pub revert: Revert<'a>,
    /// The project config the joiner rejected, if it failed validating one.
    pub rejection: Option<Rejection<'a>>,
    pub own: OwnServer<'a>,
}

/// What became of the last attempt's reverter.
pub enum Revert<'a> {
    /// Not run, or not known (a real try).
    NotKnown,
    Ran,
    /// Ran and failed; the error it logged.
    Failed(Cow<'a, str>),
}

/// A project config a join rejected, and the cluster's groups when it was
/// read (the model) or now (a real cluster).
pub struct Rejection<'a> {
    pub project: Cow<'a, str>,
    pub read_at: Option<u64>,
    /// The groups its `restricted.cluster.groups` names.
    pub referenced: Vec<Cow<'a, str>>,
    pub cluster_groups: Vec<Cow<'a, str>>,
}

/// What a failed join may have left changed on the joiner's own server;
/// a fact a real cluster cannot show stays `false`.
#[derive(Default)]
pub struct OwnServer<'a> {
    pub database_removed: bool,
    /// Its node-local raft node list, when set (the addresses, if known).
    pub raft_nodes: Option<Cow<'a, str>>,
    pub clustered: bool,
    /// It still carries the join's server name.
    pub renamed: bool,
    pub cluster_certificate: bool,
}

impl<'a> EndView<'a> {
    /// The view of a model run.
    pub fn of_world(world: &'a World, tick: u64, limit: Option<&LimitHit>) -> EndView<'a> {
        let bound = match limit {
            Some(LimitHit::Ticks(t)) => Cow::Owned(format!("its time limit (t={t})")),
            Some(LimitHit::Events(n)) => Cow::Owned(format!("its event limit ({n} events)")),
            None => Cow::Borrowed("the end of the run"),
        };
        EndView {
            setup: &world.setup,
            tick,
            event_limit: match limit {
                Some(LimitHit::Events(n)) => Some(*n),
                _ => None,
            },
            bound,
            cluster: Some(ClusterView::of_world(world)),
            joiners: world
                .setup
                .joiners()
                .filter_map(|node| {
                    let joiner = world.joiner_state(node)?;
                    Some(JoinerView {
                        node,
                        end: JoinEnd::of_joiner(world, joiner),
                    })
                })
                .collect(),
        }
    }

    pub fn node_name(&self, node: NodeId) -> &'a str {
        self.setup.node_name(node)
    }

    /// The joiners whose join failed, with their failure.
    pub fn failed_joins(&self) -> impl Iterator<Item = (NodeId, &FailedJoin<'a>)> {
        self.joiners.iter().filter_map(|j| match &j.end {
            JoinEnd::Failed(f) => Some((j.node, &**f)),
            _ => None,
        })
    }
}

impl<'a> ClusterView<'a> {
    fn of_world(world: &'a World) -> ClusterView<'a> {
        let db = &*world.db;
        let names = &world.setup.names;
        let mut per_member = Vec::new();
        for g in db.groups.iter() {
            per_member.push(PerMemberRows {
                table: Cow::Borrowed("nodes_cluster_groups"),
                entity: Some(Cow::Borrowed(names.group_str(g.name))),
                members: g.members,
            });
        }
        // A pool or network still pending is in the middle of its creation:
        // members have rows only where it was defined.
        let created = |table: &'static str, list: &'a [crate::model::db::Resource]| {
            list.iter().filter(|r| r.created).map(move |r| PerMemberRows {
                table: Cow::Borrowed(table),
                entity: Some(Cow::Borrowed(names.str(r.name))),
                members: r.members,
            })
        };
        per_member.extend(created("storage_pools_nodes", &db.pools));
        per_member.extend(created("networks_nodes", &db.networks));
        let restricted = names.keys.restricted_cluster_groups;
        ClusterView {
            version: Some(db.version),
            members: db
                .members
                .iter()
                .map(|m| MemberView {
                    node: m.node,
                    name: Cow::Borrowed(names.str(m.name)),
                    pending: m.pending,
                })
                .collect(),
            raft: db.raft,
            trusted: db.trusted,
            groups: db
                .groups
                .iter()
                .map(|g| Cow::Borrowed(names.group_str(g.name)))
                .collect(),
            per_member,
            projects: db
                .projects
                .iter()
                .map(|p| ProjectView {
                    name: Cow::Borrowed(names.str(p.name)),
                    restricted_cluster_groups: p.config.get(restricted).map(|v| Cow::Borrowed(names.str(v))),
                })
                .collect(),
        }
    }

    /// Whether `node` has a full (not pending) member row.
    pub fn is_full_member(&self, node: NodeId) -> bool {
        self.members.iter().any(|m| m.node == node && !m.pending)
    }
}

impl<'a> JoinEnd<'a> {
    fn of_joiner(world: &'a World, joiner: &'a Joiner) -> JoinEnd<'a> {
        match joiner.status {
            JoinStatus::Completed => JoinEnd::Completed,
            JoinStatus::Crashed => JoinEnd::Crashed,
            JoinStatus::Failed => JoinEnd::Failed(Box::new(FailedJoin::of_joiner(world, joiner))),
            JoinStatus::Running(step) => JoinEnd::Unfinished(Cow::Owned(format!("still at {step}"))),
            JoinStatus::Reverting => JoinEnd::Unfinished(Cow::Borrowed("still reverting")),
            JoinStatus::NotStarted if joiner.attempt > 0 => {
                JoinEnd::Unfinished(Cow::Owned(format!("attempt {} never started", joiner.attempt + 1)))
            }
            JoinStatus::NotStarted => JoinEnd::Unfinished(Cow::Borrowed("never started")),
        }
    }
}

impl<'a> FailedJoin<'a> {
    fn of_joiner(world: &'a World, joiner: &'a Joiner) -> FailedJoin<'a> {
        let names = &world.setup.names;
        let failure = joiner.failure.as_ref();
        let group_names = |set: crate::model::names::GroupSet| -> Vec<Cow<'a, str>> {
            set.iter().map(|g| Cow::Borrowed(names.group_str(g))).collect()
        };
        let rejection = failure.and_then(|f| f.rejection).map(|r| Rejection {
            project: Cow::Borrowed(names.str(r.project)),
            read_at: Some(r.config_version),
            referenced: group_names(r.referenced),
            cluster_groups: group_names(world.groups_at(r.config_version)),
        });
        let server = &joiner.server;
        FailedJoin {
            step: failure.map(|f| f.step),
            error: Cow::Borrowed(failure.map_or("", |f| f.error.as_str())),
            ended_tick: joiner.ended_tick.0,
            earlier_failures: joiner.earlier_failures.len(),
            revert: match &joiner.revert_error {
                Some(logged) => Revert::Failed(Cow::Borrowed(logged)),
                None if joiner.revert_ran => Revert::Ran,
                None => Revert::NotKnown,
            },
            rejection,
            own: OwnServer {
                database_removed: server.database.is_none(),
                raft_nodes: server.raft_nodes.then_some(Cow::Borrowed("")),
                clustered: server.clustered,
                renamed: server.renamed,
                cluster_certificate: server.cluster_certificate,
            },
        }
    }
}
