//! The Incus cluster join, as a model on the `sim` engine: members with a
//! leader holding the versioned cluster database, joiners with their own
//! local databases, and admin clients. It knows nothing of exploration.

pub mod access;
pub mod admin;
pub mod admin_tx;
pub mod bits;
pub mod boolean;
pub mod choice;
pub mod connection;
pub mod db;
mod handler;
pub mod joiner;
pub mod member;
pub mod message;
pub mod names;
pub mod note;
pub mod observe;
pub mod ops;
pub mod outstanding;
pub mod per_member;
pub mod probe;
pub mod restrictions;
pub mod step;
pub mod tables;
pub mod tx;
pub mod validate;
pub mod variant;
pub mod wire;

use std::sync::Arc;

use admin::{Admin, AdminPlan};
use db::Db;
use joiner::Joiner;
use member::Member;
use message::{ApiError, Call, Msg, Timer};
use names::{GroupSet, Names};
use note::Note;
use observe::Observation;
use step::Step;
pub use variant::Variant;

use crate::sim::{Ctx, Footprint, Label, Model, NodeId, Ratio};

/// What a node is in the scenario.
#[derive(Clone, Debug, PartialEq, Hash)]
pub enum Role {
    Member,
    Joiner(JoinerPlan),
    Admin(AdminPlan),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct JoinerPlan {
    /// The member the join token points at.
    pub target: NodeId,
    pub start_tick: u64,
    pub start_jitter_ticks: u64,
    /// How many times the operator runs `incus cluster join` (a failed
    /// attempt is followed by the next).
    pub attempts: u8,
    /// Ticks between a failed attempt and the next.
    pub retry_after_ticks: u64,
    /// Whether a retried attempt first gets a new join token (`incus
    /// cluster add`); otherwise it reuses the first one.
    pub retry_with_new_token: bool,
}

/// An injected error at a join step (FoundationDB's BUGGIFY): fixed ones,
/// and a random one at any step with a given probability.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StepFaults {
    /// Always fails there.
    pub fixed: Vec<FixedFault>,
    pub random: Ratio,
    /// Random faults (step errors, transaction faults, leader changes)
    /// only before this tick: faults heal.
    pub random_until_tick: u64,
    /// Per transaction attempt: the database is busy (the attempt is not
    /// applied), and, independently, the attempt commits but its answer is
    /// lost; `query.Retry` retries both (internal/server/db/query/retry.go:
    /// 20-58, 74-97 at be7afc5df3).
    pub transaction: Ratio,
    /// Per commit: leadership moves to another live member.
    pub leader_change: Ratio,
    /// A joiner's local step takes up to this many ticks (0: no time).
    pub local_work_max_ticks: u64,
    /// A released `clusterMembershipMutex` goes to any waiter (Go's
    /// `sync.Mutex` is not FIFO), not only the first.
    pub mutex_handoff_any: bool,
}

/// A step error that always fires: at `step` of `joiner` (any when `None`),
/// in `attempt` (every one when `None`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FixedFault {
    pub joiner: Option<NodeId>,
    pub step: Step,
    pub attempt: Option<u8>,
}

impl StepFaults {
    fn fires(
        &self,
        ctx: &mut Ctx<'_, World>,
        (me, attempt): (NodeId, u8),
        (step, visit): (Step, u32),
        random_enabled: bool,
    ) -> bool {
        let fixed = self
            .fixed
            .iter()
            .any(|f| f.step == step && f.joiner.is_none_or(|n| n == me) && f.attempt.is_none_or(|a| a == attempt));
        let random = random_enabled && ctx.now() < self.random_until_tick;
        fixed || (random && ctx.flip(choice::step_fault(me, step, visit), self.random))
    }
}

/// Everything a run of the model starts from; shared by all runs of a
/// scenario.
#[derive(Clone, Debug)]
pub struct Setup {
    pub names: Names,
    pub roles: Vec<Role>,
    pub leader: NodeId,
    pub db: Arc<Db>,
    /// A standalone server's local database, which every joiner starts
    /// with: shared (copy-on-write), so that a run allocates none.
    pub standalone: Arc<Db>,
    pub variant: Variant,
    /// An admin's request unanswered after this long fails (only when
    /// messages can be lost). Joiners have no such timeout: the Incus
    /// client has none (see `connection`).
    pub request_timeout_ticks: Option<u64>,
    pub step_faults: StepFaults,
    /// `cluster.join_token_expiry` in ticks, when the scenario sets it: a
    /// token issued at tick T is refused after T plus this. Unset, the
    /// default three hours outlast any run, so no token records its expiry.
    pub join_token_expiry_ticks: Option<u64>,
}

impl Setup {
    pub fn node_count(&self) -> usize {
        self.roles.len()
    }

    pub fn joiners(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.nodes_where(|r| matches!(r, Role::Joiner(_)))
    }

    pub fn members(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.nodes_where(|r| matches!(r, Role::Member))
    }

    fn nodes_where(&self, keep: impl Fn(&Role) -> bool + 'static) -> impl Iterator<Item = NodeId> + '_ {
        (0..self.roles.len())
            .filter(move |&i| keep(&self.roles[i]))
            .map(|i| i as NodeId)
    }

    fn joiner_plan(&self, node: NodeId) -> &JoinerPlan {
        match &self.roles[usize::from(node)] {
            Role::Joiner(plan) => plan,
            _ => unreachable!("node {node} is not a joiner"),
        }
    }

    fn admin_plan(&self, node: NodeId) -> &AdminPlan {
        match &self.roles[usize::from(node)] {
            Role::Admin(plan) => plan,
            _ => unreachable!("node {node} is not an admin"),
        }
    }

    pub fn node_name(&self, node: NodeId) -> &str {
        self.names.node_str(node)
    }
}

#[derive(Clone, Debug, Hash)]
pub enum Node {
    Member(Member),
    Joiner(Joiner),
    Admin(Admin),
}

/// The whole simulated system of one run. (`Clone` so that a stateful
/// search can branch from it; `Hash` so that every search can fingerprint
/// it.)
#[derive(Clone, Debug)]
pub struct World {
    pub setup: Arc<Setup>,
    /// The replicated cluster database (lives with the leader; survives
    /// crashes, as raft does).
    pub db: Arc<Db>,
    /// `(version, groups)` each time the committed group set changed, so
    /// that the checker can ask what the groups were at any version.
    pub group_history: Vec<(u64, GroupSet)>,
    pub nodes: Vec<Node>,
    /// Each joiner's daemon's API, serving what members forward to it once
    /// it is a member (`member.rs`, `forwarded_to_member`); `None` for the
    /// other nodes.
    joiner_apis: Vec<Option<Box<Member>>>,
    /// Facts for the checker, drained after every event.
    pub observations: Vec<Observation>,
    /// Messages a member handler asks to send, reused from event to event.
    outbox: member::Outbox,
    /// The requests and transactions in flight, each on its connection.
    connections: connection::Connections,
    /// Whether the scenario's random step errors may fire in this run (a
    /// run may switch them off: swarm testing).
    pub random_step_errors: bool,
    /// Whether clients draw their start jitter and pauses (off: every
    /// client acts at its earliest tick).
    pub client_timing: bool,
    /// Whether the cluster's own faults (transaction faults, leader
    /// changes) may happen in this run (swarm testing).
    pub cluster_faults: bool,
    /// Whether local steps may take time (`faults.local_work_max`) in this
    /// run (swarm testing).
    pub local_work: bool,
    /// Whether a released mutex may go to any waiter
    /// (`faults.mutex_handoff = "any"`) in this run (swarm testing).
    pub mutex_handoff: bool,
    /// The database leader now (leadership can move: `leader_change`).
    pub leader: NodeId,
    /// Transactions whose commit went through but whose answer was lost
    /// (for the probe of a retry meeting its own commit).
    lost_commits: Vec<(NodeId, message::RequestId)>,
}

/// Everything but the setup, which every state of a run shares. Written
/// out by destructuring, so that a field the world gains is a compile
/// error here until it is hashed or said to be left out.
impl std::hash::Hash for World {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let World {
            setup: _,
            db,
            group_history,
            nodes,
            joiner_apis,
            observations,
            outbox,
            connections,
            random_step_errors,
            client_timing,
            cluster_faults,
            local_work,
            mutex_handoff,
            leader,
            lost_commits,
        } = self;
        (db, group_history, nodes, joiner_apis, observations, outbox, connections).hash(state);
        (
            random_step_errors,
            client_timing,
            cluster_faults,
            local_work,
            mutex_handoff,
        )
            .hash(state);
        (leader, lost_commits).hash(state);
    }
}

impl World {
    /// A client's random delay: up to `max_ticks`, or none when client
    /// timing is off for this run.
    fn client_delay(&self, ctx: &mut Ctx<'_, World>, label: Label, max_ticks: u64) -> u64 {
        if !self.client_timing {
            return 0;
        }
        u64::from(ctx.choose(label, max_ticks as u32 + 1))
    }

    pub fn new(setup: Arc<Setup>) -> World {
        let nodes = setup
            .roles
            .iter()
            .enumerate()
            .map(|(i, role)| match role {
                Role::Member => Node::Member(Member::new(i as NodeId, setup.names.server_name(i as NodeId))),
                Role::Joiner(plan) => Node::Joiner(Joiner::new(plan.target, Arc::clone(&setup.standalone))),
                Role::Admin(_) => Node::Admin(Admin::default()),
            })
            .collect();
        let joiner_apis = (0..setup.node_count() as NodeId)
            .map(|n| {
                let joiner = matches!(setup.roles[usize::from(n)], Role::Joiner(_));
                joiner.then(|| Box::new(Member::serving_joiner(n, setup.names.server_name(n))))
            })
            .collect();
        World {
            joiner_apis,
            db: Arc::clone(&setup.db),
            group_history: vec![(setup.db.version, setup.db.group_set())],
            nodes,
            observations: Vec::new(),
            outbox: Vec::new(),
            connections: connection::Connections::default(),
            random_step_errors: true,
            client_timing: true,
            cluster_faults: true,
            local_work: true,
            mutex_handoff: true,
            leader: setup.leader,
            lost_commits: Vec::new(),
            setup,
        }
    }

    /// The committed cluster groups as of `version`.
    pub fn groups_at(&self, version: u64) -> GroupSet {
        self.group_history
            .iter()
            .rev()
            .find(|&&(v, _)| v <= version)
            .map_or(GroupSet::EMPTY, |&(_, g)| g)
    }

    pub fn joiner_state(&self, node: NodeId) -> Option<&Joiner> {
        match &self.nodes[usize::from(node)] {
            Node::Joiner(j) => Some(j),
            _ => None,
        }
    }

    /// The leader runs one transaction and answers its sender.
    fn run_transaction(
        &mut self,
        ctx: &mut Ctx<'_, World>,
        from: NodeId,
        (id, on_behalf_of): (message::RequestId, Option<(NodeId, message::RequestId)>),
        tx: message::Tx,
    ) {
        let leader = self.leader;
        let fault = |kind| choice::transaction_fault(kind, from, id, self.transaction_attempt(from, id));
        let (busy, answer_lost) = (fault(choice::TRANSACTION_BUSY), fault(choice::TRANSACTION_ANSWER_LOST));
        // Raft's Add is no SQL transaction (membership.go:444-458 retries it
        // only on "cluster busy"), and J1's token and certificate writes are
        // modelled as one transaction whose retry Incus would not see:
        // neither takes the transaction faults.
        let faultless = matches!(tx, message::Tx::RaftAdd { .. } | message::Tx::TrustCertificate { .. });
        let ratio = if faultless {
            Ratio::NEVER
        } else {
            self.cluster_fault_ratio(ctx, self.setup.step_faults.transaction)
        };
        if ctx.flip(busy, ratio) {
            ctx.note(leader, || {
                Note::Cluster("database busy: the attempt is not applied; query.Retry retries".into())
            });
            return self.break_transaction(ctx, from, id);
        }
        let attempt = self.transaction_attempt(from, id);
        if attempt > 1 {
            probe::Probe::TransactionRetried.hit(ctx);
        }
        let before = Arc::clone(&self.db);
        let differences = self.setup.variant.differences;
        let clock = tx::Clock {
            now: ctx.now(),
            token_expiry: self.setup.join_token_expiry_ticks,
        };
        let outcome = tx::execute(
            &mut self.db,
            &tx,
            (from, &differences),
            clock,
            &self.setup.names,
            &mut self.observations,
        );
        if attempt > 1 && outcome.is_err() && self.committed_before(from, id) {
            probe::Probe::RetryMetItsOwnCommit.hit(ctx);
        }
        // What search takes for independent rests on what each
        // transaction declares it writes (`access.rs`): hold it to that.
        let undeclared = before.changed_tables(&self.db) & !tables::Table::bits(tx.access().writes);
        assert!(
            undeclared == 0,
            "{tx:?} wrote tables it does not declare (bits {undeclared:#x})"
        );
        if self.db.version != before.version {
            self.record_group_history();
            self.probe_admin_commit(ctx, on_behalf_of, &tx);
            let version = self.db.version;
            ctx.note(leader, || Note::Committed {
                version,
                tx: tx.clone(),
            });
        } else if let Err(error) = &outcome {
            ctx.note(leader, || Note::RolledBack {
                tx: tx.clone(),
                error: error.clone(),
            });
        }
        if self.db.version != before.version {
            self.maybe_change_leader(ctx);
        }
        if ctx.flip(answer_lost, ratio) {
            if self.db.version != before.version {
                self.lost_commits.push((from, id));
            }
            ctx.note(leader, || {
                Note::Cluster("answer lost (driver: bad connection); query.Retry retries".into())
            });
            return self.break_transaction(ctx, from, id);
        }
        let result = Msg::TxResult {
            id,
            outcome,
            on_behalf_of,
        };
        self.transmit(ctx, leader, from, result);
    }

    /// Notes the committed group set if the last commit changed it.
    fn record_group_history(&mut self) {
        let groups = self.db.group_set();
        if self.group_history.last().is_none_or(|&(_, g)| g != groups) {
            self.group_history.push((self.db.version, groups));
        }
    }

    /// Whether an earlier attempt of transaction `(client, id)` committed
    /// and lost its answer.
    fn committed_before(&self, client: NodeId, id: message::RequestId) -> bool {
        self.lost_commits.contains(&(client, id))
    }

    /// `ratio` while the cluster's faults are on and not yet healed.
    fn cluster_fault_ratio(&self, ctx: &Ctx<'_, World>, ratio: Ratio) -> Ratio {
        let live = self.cluster_faults && ctx.now() < self.setup.step_faults.random_until_tick;
        if live { ratio } else { Ratio::NEVER }
    }

    /// The leader crashed: when leadership can move in this scenario, raft
    /// elects another live member (drawn); otherwise the leader stays and
    /// resumes after its restart, as before.
    fn elect_after_crash(&mut self, ctx: &mut Ctx<'_, World>) {
        if self.setup.step_faults.leader_change.is_never() || !self.cluster_faults {
            return;
        }
        let label = Label::new(choice::LEADER_CHANGE, 2, 0, ctx.now() as u32);
        self.elect(ctx, label);
    }

    /// Moves leadership to a live member other than the leader, drawn at
    /// `label` (none when no other member is up).
    fn elect(&mut self, ctx: &mut Ctx<'_, World>, label: Label) {
        let others: Vec<NodeId> = self
            .setup
            .members()
            .filter(|&m| m != self.leader && ctx.is_up(m))
            .collect();
        if others.is_empty() {
            return;
        }
        let pick = ctx.choose(label, others.len() as u32);
        self.move_leadership(ctx, others[pick as usize]);
    }

    /// After a commit, leadership may move to another live member (raft
    /// elects a new leader; the old one's in-flight handlers keep their own
    /// daemon's `clusterMembershipMutex`, cmd/incusd/daemon.go:128-130 at
    /// be7afc5df3, which serialises nothing on the new leader).
    fn maybe_change_leader(&mut self, ctx: &mut Ctx<'_, World>) {
        let ratio = self.cluster_fault_ratio(ctx, self.setup.step_faults.leader_change);
        let version = self.db.version;
        if !ctx.flip(choice::leader_change(version), ratio) {
            return;
        }
        self.elect(ctx, Label::new(choice::LEADER_CHANGE, 1, 0, version as u32));
    }

    fn move_leadership(&mut self, ctx: &mut Ctx<'_, World>, new: NodeId) {
        let old = self.leader;
        self.leader = new;
        probe::Probe::LeaderChanged.hit(ctx);
        let names = &self.setup.names;
        let text = format!("leader change: {} -> {}", names.node_str(old), names.node_str(new));
        ctx.note(new, || Note::Cluster(text));
    }

    /// Probes the windows an admin's commit can fall in. A member rename
    /// commits on the renamed member's daemon, on behalf of the member that
    /// forwarded the admin's request there (`member.rs`).
    fn probe_admin_commit(
        &self,
        ctx: &mut Ctx<'_, World>,
        on_behalf_of: Option<(NodeId, message::RequestId)>,
        tx: &message::Tx,
    ) {
        let Some((client, _)) = on_behalf_of else { return };
        let forwarded = matches!(tx, message::Tx::RenameMember { .. });
        if !matches!(self.nodes[usize::from(client)], Node::Admin(_)) && !forwarded {
            return;
        }
        for node in &self.nodes {
            let Node::Joiner(joiner) = node else { continue };
            match joiner.status {
                joiner::JoinStatus::Running(Step::AddToDefaultGroup | Step::ValidateDeferred) => {
                    probe::Probe::AdminCommitBetweenJ9AndJ10.hit(ctx)
                }
                joiner::JoinStatus::Running(Step::GetClusterGroups | Step::GetProjects | Step::GetNetworks) => {
                    probe::Probe::AdminCommitDuringJ5Reads.hit(ctx)
                }
                _ => {}
            }
        }
    }

    /// The API handlers of daemon `node`: a member's, or a joiner's (which
    /// serves what is forwarded to it once it is a member); none for an
    /// admin client.
    fn api_mut(&mut self, node: NodeId) -> Option<&mut Member> {
        match &mut self.nodes[usize::from(node)] {
            Node::Member(member) => Some(member),
            Node::Joiner(_) => self.joiner_apis[usize::from(node)].as_deref_mut(),
            Node::Admin(_) => None,
        }
    }

    fn member_do(&mut self, ctx: &mut Ctx<'_, World>, me: NodeId, work: impl FnOnce(&mut Member, &mut member::Outbox)) {
        // One outbox for the whole run: a member event allocates nothing.
        let mut out = std::mem::take(&mut self.outbox);
        let Some(member) = self.api_mut(me) else {
            self.outbox = out;
            return; // an admin client serves no API
        };
        work(member, &mut out);
        self.hand_off_mutex(ctx, me, &mut out);
        for (to, msg) in out.drain(..) {
            self.transmit(ctx, me, to, msg);
        }
        self.outbox = out;
    }

    /// A released `clusterMembershipMutex` with waiters goes to one of
    /// them: the first to wait, or, when the scenario says Go's mutex may
    /// hand it to any (`sync.Mutex` is not FIFO), a drawn one.
    fn hand_off_mutex(&mut self, ctx: &mut Ctx<'_, World>, me: NodeId, out: &mut member::Outbox) {
        let (leader, any) = (
            self.leader,
            self.setup.step_faults.mutex_handoff_any && self.mutex_handoff,
        );
        let Some(member) = self.api_mut(me) else {
            return;
        };
        while let Some((release, waiters)) = member.pending_handoff() {
            let pick = if any {
                ctx.choose(choice::mutex_handoff(me, release), waiters as u32)
            } else {
                0
            };
            if pick > 0 {
                probe::Probe::MutexHandedOutOfOrder.hit(ctx);
            }
            member.hand_off(leader, pick as usize, out);
        }
    }

    fn answer(&mut self, ctx: &mut Ctx<'_, World>, to: NodeId, id: message::RequestId, outcome: message::Outcome) {
        let leader = self.leader;
        match &self.nodes[usize::from(to)] {
            Node::Member(_) => self.member_do(ctx, to, |m, out| m.on_answer(leader, id, outcome, out)),
            Node::Joiner(_) if self.joiner_apis[usize::from(to)].as_ref().is_some_and(|a| a.awaits(id)) => {
                self.member_do(ctx, to, |m, out| m.on_answer(leader, id, outcome, out))
            }
            Node::Joiner(_) => self.joiner_answer(ctx, to, id, outcome),
            Node::Admin(_) => self.admin_answer(ctx, to, id, outcome),
        }
    }
}

impl Model for World {
    type Msg = Msg;
    type Timer = Timer;
    type Note = Note;

    fn on_start(&mut self, ctx: &mut Ctx<'_, Self>) {
        for node in 0..self.nodes.len() as NodeId {
            match &self.setup.roles[usize::from(node)] {
                Role::Joiner(plan) => self.schedule_join(ctx, node, plan.start_tick, plan.start_jitter_ticks),
                Role::Admin(_) => self.schedule_admin(ctx, node),
                Role::Member => {}
            }
        }
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, Self>, to: NodeId, from: NodeId, msg: Msg) {
        let leader = self.leader;
        match msg {
            Msg::Request {
                id,
                call: Call::Heartbeat,
            } if !matches!(self.nodes[usize::from(to)], Node::Member(_)) => {
                // A joiner's daemon serves `/internal/database` too, whatever
                // became of its join.
                let answer = Msg::Response {
                    id,
                    outcome: Ok(message::Answer::Done),
                };
                self.transmit(ctx, to, from, answer)
            }
            Msg::Request { id, call } => {
                self.member_do(ctx, to, |m, out| m.on_request(to, leader, from, id, call, out))
            }
            Msg::Tx { id, tx, on_behalf_of } if to == leader => self.run_transaction(ctx, from, (id, on_behalf_of), tx),
            // A transaction sent to a member that lost leadership on the
            // way: the driver sees a bad connection, and query.Retry sends it
            // again, to the leader it finds (retry.go:92).
            Msg::Tx { id, .. } => self.break_transaction(ctx, from, id),
            Msg::Response { id, outcome } | Msg::TxResult { id, outcome, .. } => {
                if self.close(ctx, to, id) {
                    self.answer(ctx, to, id, outcome)
                }
            }
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, Self>, node: NodeId, timer: Timer) {
        match timer {
            Timer::StartJoin => self.start_join(ctx, node),
            Timer::AdminNext => self.admin_next(ctx, node),
            Timer::Timeout { id } => {
                self.close(ctx, node, id);
                let timeout = Err(ApiError::new("context deadline exceeded"));
                self.answer(ctx, node, id, timeout)
            }
            Timer::ConnectionFailed { id, failure } => self.connection_failed(ctx, node, id, failure),
            Timer::RetryTransaction { id } => self.retry_transaction(ctx, node, id),
            Timer::LocalWorkDone { step } => self.local_work_done(ctx, node, step),
            Timer::HeartbeatTimeout { id } => self.heartbeat_timed_out(ctx, node, id),
            Timer::RetryRevert => self.retry_revert(ctx, node),
        }
    }

    /// Every message of the model is an HTTP request or a database
    /// transaction, and both travel on TCP connections.
    fn on_connection(_msg: &Msg) -> bool {
        true
    }

    /// A transaction the leader runs touches the tables it declares
    /// (`access.rs`), not the leader's own handlers, mutex or connections
    /// to clients; every other delivery touches its receiver's state. All
    /// transactions reach the one leader database, so two of them commute
    /// only when their tables do. When leadership can move, a commit may
    /// move it, and every event reads who leads: then everything conflicts.
    fn footprint(&self, to: NodeId, msg: &Msg) -> Footprint {
        let leadership_moves = !self.setup.step_faults.leader_change.is_never() && self.cluster_faults;
        match msg {
            _ if leadership_moves => Footprint::EVERYTHING,
            Msg::Tx { tx, .. } if to == self.leader => {
                let access = tx.access();
                Footprint::shared(tables::Table::bits(access.reads), tables::Table::bits(access.writes))
            }
            _ => Footprint::LOCAL,
        }
    }

    fn on_crash(&mut self, ctx: &mut Ctx<'_, Self>, node: NodeId) {
        self.connections_on_crash(ctx, node);
        if node == self.leader {
            self.elect_after_crash(ctx);
        }
        match &mut self.nodes[usize::from(node)] {
            Node::Member(m) => m.crash(),
            Node::Joiner(_) => {
                if let Some(api) = self.joiner_apis[usize::from(node)].as_mut() {
                    api.crash();
                }
                self.joiner_crashed(ctx, node)
            }
            Node::Admin(_) => {}
        }
    }

    fn on_restart(&mut self, ctx: &mut Ctx<'_, Self>, node: NodeId) {
        // Volatile state was dropped at the crash; the database survives.
        if let Node::Joiner(_) = &self.nodes[usize::from(node)] {
            self.joiner_restarted(ctx, node);
        }
    }
}
