//! The joiner: a standalone server running `incus cluster join`
//! (`clusterPutJoin`, cmd/incusd/api_cluster.go:412-909 at be7afc5df3), one
//! step at a time, with the reverter on failure, and as many attempts as the
//! scenario gives it.
//!
//! - `flow`: which step comes next and what each sends;
//! - `init`: J5 `clusterInitMember` on the joiner's local daemon;
//! - `join`: J9 `cluster.Join`'s sub-steps and its heartbeat round;
//! - `failure`: error chains, the reverter, the end of an attempt.

mod failure;
mod flow;
mod init;
mod join;

use std::sync::Arc;

pub use failure::{SubRequest, error_chain, error_chain_of};

use super::db::{Db, Project, Snapshot};
use super::message::RequestId;
use super::names::{GroupSet, Sym};
use super::outstanding::Outstanding;
use super::step::Step;
use crate::sim::{NodeId, TimerId};

/// Where a join is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JoinStatus {
    /// Not started, or waiting to run its next attempt.
    NotStarted,
    Running(Step),
    /// The join failed; `DeletePendingClusterMember` is on its way.
    Reverting,
    Completed,
    /// The last attempt failed.
    Failed,
    /// The joiner crashed mid-join; nothing was reverted.
    Crashed,
}

impl JoinStatus {
    pub fn ended(self) -> bool {
        matches!(self, JoinStatus::Completed | JoinStatus::Failed | JoinStatus::Crashed)
    }
}

/// A project config the joiner rejected, kept so that the checker can ask
/// whether it was valid on the cluster.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rejection {
    pub project: Sym,
    pub config_version: u64,
    pub referenced: GroupSet,
}

/// Why an attempt failed.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct JoinFailure {
    pub step: Step,
    /// The whole Incus error chain, as `incus cluster join` prints it.
    pub error: String,
    /// Set when the failure is a project validation error.
    pub rejection: Option<Rejection>,
}

/// The joiner's own server: what a join changes on it and what outlives a
/// failed join. A standalone server has its database, an empty raft node
/// list, its name and its own certificate.
#[derive(Clone, Debug, PartialEq, Hash)]
pub struct LocalServer {
    /// Its own global database, until J9 removes the whole directory
    /// (membership.go:399); `None` from then on, failed join or not.
    pub database: Option<Arc<Db>>,
    /// The node-local `raft_nodes` table was set (J9, membership.go:340):
    /// a daemon with raft nodes starts as a cluster member
    /// (membership.go:1184-1197), and a later join is refused with `The
    /// member is already part of a cluster` (membership.go:1220-1222).
    pub raft_nodes: bool,
    /// `d.serverClustered` in memory (set at api_cluster.go:583, restored
    /// by the reverter at 588).
    pub clustered: bool,
    /// `d.serverName` changed to the join's name in memory (582, restored
    /// at 587).
    pub renamed: bool,
    /// `cluster.crt` written and served on the network endpoint (J8,
    /// api_cluster.go:720-730); nothing reverts it, and a restart loads it
    /// instead of the server certificate (internal/util/cert.go:16-28).
    pub cluster_certificate: bool,
}

impl LocalServer {
    pub fn standalone(database: Arc<Db>) -> LocalServer {
        LocalServer {
            database: Some(database),
            raft_nodes: false,
            clustered: false,
            renamed: false,
            cluster_certificate: false,
        }
    }
}

/// A value the model records for reports and never reads (when a join
/// ended): left out of a state's `Hash`, since two states that differ only
/// in it go on alike (a search over orders reaches one join's end at many
/// times).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Recorded<T>(pub T);

impl<T> std::hash::Hash for Recorded<T> {
    fn hash<H: std::hash::Hasher>(&self, _: &mut H) {}
}

/// One attempt's heartbeat round (J9 `NotifyHeartbeat`): the heartbeats
/// still unanswered, each with its client timeout.
#[derive(Clone, Debug, Default, Hash)]
struct HeartbeatRound {
    waiting: Vec<(RequestId, TimerId)>,
}

/// What one attempt read and keeps until it ends.
#[derive(Clone, Debug, Default, Hash)]
struct AttemptReads {
    /// The cluster version the local groups were synced at (`groups-first`).
    groups_synced_at: Option<u64>,
    /// J5's reads: pools, projects, and each carried project's networks.
    pools_read: Option<Snapshot>,
    projects: Option<Snapshot>,
    networks_to_fetch: Vec<Sym>,
    network_reads: Vec<(Sym, Snapshot)>,
    /// J6: the pools and networks listed for the accept request.
    local_storage: Option<Snapshot>,
    /// J9: the joiner's pool and network config, read from its local
    /// database before it is removed.
    local_config: Option<Snapshot>,
    heartbeats: HeartbeatRound,
    /// The request on its way, for a step that sends two that Incus wraps
    /// apart (J1's `GET /1.0`, J8's `GET /1.0/certificates`).
    sub_request: Option<SubRequest>,
    /// J1 read the target's `GET /1.0` (`setup-trust-reads-server`).
    trust_target_read: bool,
    /// The reverter's `DeletePendingClusterMember` was answered, and with
    /// `untrust-on-failure` its `DeleteCertificate` comes next.
    member_reverted: bool,
    /// What that delete logged, if it failed.
    member_revert_error: Option<String>,
}

#[derive(Clone, Debug, Hash)]
pub struct Joiner {
    pub target: NodeId,
    pub status: JoinStatus,
    pub server: LocalServer,
    /// The attempt running or last run, from 1.
    pub attempt: u8,
    request: Outstanding,
    /// What the running attempt has read so far (boxed: a joiner is the
    /// largest node).
    reads: Box<AttemptReads>,
    /// Why the last attempt failed, if it did.
    pub failure: Option<JoinFailure>,
    /// Why each earlier attempt failed.
    pub earlier_failures: Vec<JoinFailure>,
    /// The tick the join was drawn to start at.
    start_at_tick: u64,
    /// The joiner crashed before its join began (it may still run it).
    crashed_before_start: bool,
    /// Whether the last attempt's reverter sent `DeletePendingClusterMember`
    /// (it is registered at J6) and got an answer.
    pub revert_ran: bool,
    /// What the reverter logged when its `DeletePendingClusterMember`
    /// failed (api_cluster.go:707-710).
    pub revert_error: Option<String>,
    /// How often the last attempt's reverter sent its delete again
    /// (`revert-retries` only).
    revert_retries: u8,
    /// The tick at which the last attempt ended.
    pub ended_tick: Recorded<Option<u64>>,
    /// How often each step was entered, over all attempts (numbers the
    /// step's fault label).
    visits: Visits,
}

/// Entries per step, so that the n-th entry of a step has its own label.
#[derive(Clone, Debug, Default, Hash)]
struct Visits(Vec<(Step, u32)>);

impl Visits {
    /// Counts an entry of `step`; returns how many came before it.
    fn enter(&mut self, step: Step) -> u32 {
        match self.0.iter_mut().find(|(s, _)| *s == step) {
            Some((_, count)) => {
                *count += 1;
                *count - 1
            }
            None => {
                self.0.push((step, 1));
                0
            }
        }
    }
}

impl Joiner {
    pub fn new(target: NodeId, local: Arc<Db>) -> Joiner {
        Joiner {
            target,
            status: JoinStatus::NotStarted,
            server: LocalServer::standalone(local),
            attempt: 0,
            request: Outstanding::default(),
            reads: Box::default(),
            failure: None,
            earlier_failures: Vec::new(),
            start_at_tick: 0,
            crashed_before_start: false,
            revert_ran: false,
            revert_error: None,
            revert_retries: 0,
            ended_tick: Recorded(None),
            visits: Visits::default(),
        }
    }

    fn step(&self) -> Option<Step> {
        match self.status {
            JoinStatus::Running(step) => Some(step),
            JoinStatus::Reverting => Some(Step::Revert),
            _ => None,
        }
    }

    /// Forgets what the last attempt read, for the next one.
    fn reset_attempt(&mut self) {
        *self.reads = AttemptReads::default();
        self.revert_ran = false;
        self.revert_error = None;
        self.revert_retries = 0;
        self.ended_tick = Recorded(None);
        if let Some(failure) = self.failure.take() {
            self.earlier_failures.push(failure);
        }
    }
}

/// The project config a joiner's daemon would read now, for reports: its
/// local database's while it has one, the cluster's once J9 removed it
/// (its database handle then reaches the cluster's). The checker does not
/// use this: it judges from what the joiner was observed to enforce.
impl Joiner {
    /// Whether J9 has begun: the joiner's own database is gone, so it
    /// reads the cluster's from here on (and a revert runs after J9).
    pub fn joined(&self) -> bool {
        self.server.database.is_none()
    }
}

pub fn projects_in_use<'a>(joiner: &'a Joiner, cluster: &'a Db) -> (&'static str, &'a [Project]) {
    match &joiner.server.database {
        Some(local) => ("local DB", &local.projects),
        None => ("replicated DB", &cluster.projects),
    }
}
