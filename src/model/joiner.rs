//! The joiner: a standalone server running `incus cluster join`
//! (`clusterPutJoin`), one step at a time, with the reverter on failure.

use std::sync::Arc;

use super::World;
use super::db::{Db, Resource, Snapshot};
use super::message::{Answer, ApiError, Call, Msg, Outcome, RequestId, Timer, Tx};
use super::names::{DEFAULT_GROUP, GroupSet, Sym};
use super::note::Note;
use super::observe::{GroupView, Observation, Site, Validation};
use super::outstanding::Outstanding;
use super::step::Step;
use super::validate::{KeysChecked, referenced_groups, validate_project_config};
use crate::sim::{Ctx, NodeId};

/// Where a join is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JoinStatus {
    NotStarted,
    Running(Step),
    /// The join failed; `DeletePendingClusterMember` is on its way.
    Reverting,
    Completed,
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

/// Why a join failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JoinFailure {
    pub step: Step,
    /// The whole Incus error chain, as `incus cluster join` prints it.
    pub error: String,
    /// Set when the failure is a project validation error.
    pub rejection: Option<Rejection>,
}

#[derive(Clone, Debug)]
pub struct Joiner {
    pub target: NodeId,
    pub status: JoinStatus,
    /// The joiner's own global database until J9 deletes it.
    pub local: Arc<Db>,
    /// The cluster version the local groups were synced at (`groups-first`).
    groups_synced_at: Option<u64>,
    /// From J9 on the joiner reads the replicated cluster database.
    pub joined: bool,
    request: Outstanding,
    projects: Option<Snapshot>,
    networks_to_fetch: Vec<Sym>,
    network_reads: Vec<(Sym, Snapshot)>,
    pub failure: Option<JoinFailure>,
    /// The tick the join was drawn to start at.
    start_at_tick: u64,
    /// The joiner crashed before its join began (it may still run it).
    crashed_before_start: bool,
    /// Why the reverter's `DeletePendingClusterMember` failed, if it did (a
    /// lost request times out).
    pub revert_error: Option<String>,
    /// The tick at which the join ended.
    pub ended_tick: Option<u64>,
    /// How often each step was entered (numbers the step's fault label).
    visits: Visits,
}

/// Entries per step, so that the n-th entry of a step has its own label.
#[derive(Clone, Debug, Default)]
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
            local,
            groups_synced_at: None,
            joined: false,
            request: Outstanding::default(),
            projects: None,
            networks_to_fetch: Vec::new(),
            network_reads: Vec::new(),
            failure: None,
            start_at_tick: 0,
            crashed_before_start: false,
            revert_error: None,
            ended_tick: None,
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
}

/// The context prefix Incus puts before an error at each step.
fn error_chain(step: Step, cause: &str) -> String {
    let inner = match step {
        Step::SetupTrust => format!("Failed to setup cluster trust: {cause}"),
        Step::UpdateTrust => format!("Failed to update cluster trust: {cause}"),
        Step::GetClusterMembers => format!("Failed to get the list of cluster members: {cause}"),
        Step::GetServer => format!("Failed to get the cluster configuration: {cause}"),
        Step::GetStoragePools => {
            format!("Failed to initialize member: Failed to fetch information about cluster storage pools: {cause}")
        }
        Step::GetClusterGroups => {
            format!("Failed to initialize member: Failed to fetch information about cluster groups: {cause}")
        }
        Step::GetProjects => {
            format!("Failed to initialize member: Failed to fetch information about cluster projects: {cause}")
        }
        Step::GetNetworks => {
            format!("Failed to initialize member: Failed to fetch information about cluster networks: {cause}")
        }
        Step::ApplyServerPreseed => {
            format!("Failed to initialize member: Failed to initialize storage pools and networks: {cause}")
        }
        Step::ClusterAccept => format!("Failed request to add member: {cause}"),
        Step::ClusterJoin => format!("Failed to join the cluster database: {cause}"),
        Step::ValidateDeferred => format!("Failed to validate project configuration after join: {cause}"),
        Step::AddToDefaultGroup => format!("Failed to add new member to the default cluster group: {cause}"),
        _ => cause.to_string(),
    };
    format!("Failed to join cluster: {inner}")
}

impl World {
    fn joiner(&mut self, node: NodeId) -> &mut Joiner {
        match &mut self.nodes[usize::from(node)] {
            super::Node::Joiner(j) => j,
            _ => unreachable!("node {node} is not a joiner"),
        }
    }

    /// `incus cluster join` starts on `me`.
    pub(super) fn start_join(&mut self, ctx: &mut Ctx<'_, World>, me: NodeId) {
        if self.joiner(me).status == JoinStatus::NotStarted {
            self.enter(ctx, me, Step::SetupTrust);
        }
    }

    /// Begins `step`: a fault point first, then the step's request or its
    /// local work.
    fn enter(&mut self, ctx: &mut Ctx<'_, World>, me: NodeId, step: Step) {
        let joiner = self.joiner(me);
        joiner.status = JoinStatus::Running(step);
        let visit = joiner.visits.enter(step);
        ctx.note(me, || Note::Step(step));
        if self
            .setup
            .step_faults
            .fires(ctx, me, (step, visit), self.random_step_errors)
        {
            let cause = format!("injected error at {} {}", step.code(), step.name());
            ctx.note(me, || Note::InjectedFault(step));
            return self.fail(ctx, me, step, cause, None);
        }
        match step {
            Step::ApplyServerPreseed => self.apply_server_preseed(ctx, me),
            Step::ClusterJoin => {
                let local = Snapshot(Arc::clone(&self.joiner(me).local));
                self.transaction(ctx, me, Tx::JoinMember { joiner: me, local })
            }
            Step::ValidateDeferred => self.transaction(ctx, me, Tx::Read),
            Step::AddToDefaultGroup => {
                let tx = Tx::AddMemberToGroup {
                    member: me,
                    group: DEFAULT_GROUP,
                    by_admin: false,
                };
                self.transaction(ctx, me, tx)
            }
            Step::RegisterRevert
            | Step::StoreCertificates
            | Step::StartClusterTasks
            | Step::NetworkStartup
            | Step::ImageSync
            | Step::LifecycleEvent => self.after(ctx, me, step, Ok(Answer::Done)),
            _ => {
                // J13 goes to the leader; every other request to the target.
                let to = if step == Step::Rebalance {
                    self.setup.leader
                } else {
                    self.joiner(me).target
                };
                let call = self.call_for(me, step);
                self.request(ctx, me, to, call)
            }
        }
    }

    /// The API call a request step makes.
    fn call_for(&mut self, me: NodeId, step: Step) -> Call {
        let joiner = self.joiner(me);
        match step {
            Step::SetupTrust => Call::SetupTrust { joiner: me },
            Step::UpdateTrust => Call::UpdateTrust,
            Step::GetClusterMembers => Call::GetClusterMembers,
            Step::GetServer => Call::GetServer,
            Step::GetStoragePools => Call::GetStoragePools,
            Step::GetClusterGroups => Call::GetClusterGroups,
            Step::GetProjects => Call::GetProjects,
            Step::GetNetworks => Call::GetNetworks {
                project: *joiner.networks_to_fetch.last().expect("a project to fetch"),
            },
            Step::ClusterAccept => Call::ClusterAccept {
                joiner: me,
                local: Snapshot(Arc::clone(&joiner.local)),
            },
            Step::Rebalance => Call::Rebalance,
            Step::Revert => Call::DeletePendingClusterMember { joiner: me },
            _ => unreachable!("{step:?} makes no API call"),
        }
    }

    fn request(&mut self, ctx: &mut Ctx<'_, World>, me: NodeId, to: NodeId, call: Call) {
        let id = self.await_answer(ctx, me);
        ctx.send(me, to, Msg::Request { id, call });
    }

    /// From J9 on the joiner is a database node: it talks to the leader.
    fn transaction(&mut self, ctx: &mut Ctx<'_, World>, me: NodeId, tx: Tx) {
        let id = self.await_answer(ctx, me);
        let on_behalf_of = None;
        ctx.send(me, self.setup.leader, Msg::Tx { id, tx, on_behalf_of });
    }

    fn await_answer(&mut self, ctx: &mut Ctx<'_, World>, me: NodeId) -> RequestId {
        let timeout = self.setup.request_timeout_ticks;
        self.joiner(me).request.start(ctx, me, timeout)
    }

    /// A response, transaction result or timeout for request `id`.
    pub(super) fn joiner_answer(&mut self, ctx: &mut Ctx<'_, World>, me: NodeId, id: RequestId, outcome: Outcome) {
        let joiner = self.joiner(me);
        if !joiner.request.settle(ctx, id) {
            return; // a duplicate, or late after a timeout
        }
        let Some(step) = joiner.step() else { return };
        if let Ok(Answer::Redirect(leader)) = outcome {
            // A membership endpoint on a non-leader: follow the redirect.
            let call = self.call_for(me, step);
            return self.request(ctx, me, leader, call);
        }
        if step == Step::Revert {
            self.joiner(me).revert_error = outcome.err().map(|e| e.to_string());
            return self.end(ctx, me, JoinStatus::Failed);
        }
        self.after(ctx, me, step, outcome)
    }

    /// What the joiner does with the answer to `step`.
    fn after(&mut self, ctx: &mut Ctx<'_, World>, me: NodeId, step: Step, outcome: Outcome) {
        let answer = match outcome {
            Ok(answer) => answer,
            Err(e) if step == Step::Rebalance => {
                // J13: a failed rebalance is only a warning.
                ctx.note(me, || Note::Warning(step, e.clone()));
                Answer::Done
            }
            Err(e) => return self.fail(ctx, me, step, e.to_string(), None),
        };
        let variant = self.setup.variant;
        let next = match (step, answer) {
            (Step::GetClusterMembers, Answer::Snapshot(db)) => {
                // By name (api_cluster.go:563 at be7afc5df3): a member renamed
                // to the joiner's name collides; the joiner's own renamed row
                // does not.
                if db.0.member_named(self.setup.names.server_name(me), false).is_some() {
                    let name = self.setup.names.node_str(me);
                    let cause = format!("The cluster already has a member with name: {name}");
                    return self.fail(ctx, me, step, cause, None);
                }
                following(step, variant)
            }
            (
                Step::GetStoragePools | Step::GetClusterGroups | Step::GetProjects | Step::GetNetworks,
                Answer::Snapshot(db),
            ) => self.member_init_read(me, step, db),
            (Step::ClusterJoin, _) => {
                // cluster.Join deleted the local database; from here on the
                // joiner reads the replicated one.
                self.joiner(me).joined = true;
                following(step, variant)
            }
            (Step::ValidateDeferred, Answer::Snapshot(db)) => {
                if let Err((cause, rejection)) = self.validate_deferred(ctx, me, &db) {
                    return self.fail(ctx, me, step, cause, Some(rejection));
                }
                following(step, variant)
            }
            (Step::LifecycleEvent, _) => return self.end(ctx, me, JoinStatus::Completed),
            // GET /1.0 and the rebalance return what they read; the joiner
            // needs none of it here.
            (step, Answer::Done) | (step @ (Step::GetServer | Step::Rebalance), Answer::Snapshot(_)) => {
                following(step, variant)
            }
            (step, answer) => unreachable!("{step:?} cannot answer {answer:?}"),
        };
        self.enter(ctx, me, next)
    }

    /// J5 `clusterInitMember`: keeps what one of its reads returned and
    /// says which step comes next.
    fn member_init_read(&mut self, me: NodeId, step: Step, db: Snapshot) -> Step {
        let setup = Arc::clone(&self.setup);
        let names = &setup.names;
        let joiner = self.joiner(me);
        match step {
            Step::GetStoragePools => {
                // Pending pools are skipped; the joiner creates the others.
                Arc::make_mut(&mut joiner.local).pools = created_for(&db.0.pools, me);
            }
            Step::GetClusterGroups => {
                let groups = db.0.groups.iter().map(|g| super::db::Group {
                    name: g.name,
                    members: Default::default(),
                });
                Arc::make_mut(&mut joiner.local).groups = groups.collect();
                joiner.groups_synced_at = Some(db.0.version);
            }
            Step::GetProjects => {
                let others = db.0.projects.iter().filter(|p| p.name != names.keys.default_project);
                let mut fetch: Vec<Sym> = others
                    .filter(|p| initialised_at_join(p, names))
                    .map(|p| p.name)
                    .collect();
                fetch.push(names.keys.default_project);
                joiner.networks_to_fetch = fetch; // fetched from the back: default first
                joiner.projects = Some(db);
            }
            Step::GetNetworks => {
                let project = joiner.networks_to_fetch.pop().expect("fetching");
                joiner.network_reads.push((project, db));
                if !joiner.networks_to_fetch.is_empty() {
                    return Step::GetNetworks;
                }
            }
            _ => unreachable!("{step:?} is not a clusterInitMember read"),
        }
        following(step, setup.variant)
    }

    /// J5 `ApplyServerPreseed` on the joiner's local daemon: pools, the
    /// networks of `default`, projects (`default` by update, others by
    /// create, each validated against the local database), then the
    /// networks of other projects.
    fn apply_server_preseed(&mut self, ctx: &mut Ctx<'_, World>, me: NodeId) {
        let setup = Arc::clone(&self.setup);
        let names = &setup.names;
        let joiner = self.joiner(me);
        let projects = joiner.projects.clone().expect("J5 read projects");
        let reads = std::mem::take(&mut joiner.network_reads);
        let synced_at = joiner.groups_synced_at;
        let local = Arc::make_mut(&mut joiner.local);
        for (project, db) in &reads {
            for net in db.0.networks.iter().filter(|n| n.created && n.project == *project) {
                local.networks.push(Resource {
                    members: Default::default(),
                    ..net.clone()
                });
            }
        }
        let view = GroupView {
            groups: local.group_set(),
            synced_at,
        };
        for project in projects.0.projects.iter().filter(|p| initialised_at_join(p, names)) {
            let config = setup.variant.config_at_member_init(&project.config, names);
            let keys = setup.variant.keys_checked_at_member_init();
            let result = validate_project_config(&config, view.groups, names, keys);
            let referenced = referenced_groups(&config, names);
            let validation = Validation {
                node: me,
                site: Site::Join(Step::ApplyServerPreseed),
                project: project.name,
                config_version: projects.0.version,
                view,
                referenced,
                passed: result.is_ok(),
            };
            if keys == KeysChecked::All && !referenced.is_empty() {
                if view.synced_at.is_none_or(|at| at < projects.0.version)
                    && view.groups != self.groups_at(projects.0.version)
                {
                    super::probe::Probe::ValidationAgainstStaleGroups.hit(ctx);
                }
                self.observations.push(Observation::Validation(validation));
                ctx.note(me, || Note::Validation(validation));
            }
            if let Err(cause) = result {
                let verb = if project.name == names.keys.default_project {
                    "update"
                } else {
                    "create"
                };
                let cause = format!(
                    "Failed to {verb} local member project \"{}\": {cause}",
                    names.str(project.name)
                );
                let rejection = Rejection {
                    project: project.name,
                    config_version: projects.0.version,
                    referenced,
                };
                return self.fail(ctx, me, Step::ApplyServerPreseed, cause, Some(rejection));
            }
            let local = Arc::make_mut(&mut self.joiner(me).local);
            match local.projects.iter_mut().find(|p| p.name == project.name) {
                Some(p) => p.config = config,
                None => local.projects.push(super::db::Project {
                    name: project.name,
                    config,
                }),
            }
        }
        self.after(ctx, me, Step::ApplyServerPreseed, Ok(Answer::Done))
    }

    /// `deferred-validation`: validate the config J5 applied against the
    /// groups of the replicated database.
    fn validate_deferred(
        &mut self,
        ctx: &mut Ctx<'_, World>,
        me: NodeId,
        db: &Snapshot,
    ) -> Result<(), (String, Rejection)> {
        let setup = Arc::clone(&self.setup);
        let names = &setup.names;
        let projects = self.joiner(me).projects.clone().expect("J5 read projects");
        let view = GroupView {
            groups: db.0.group_set(),
            synced_at: Some(db.0.version),
        };
        for project in projects.0.projects.iter().filter(|p| initialised_at_join(p, names)) {
            let referenced = referenced_groups(&project.config, names);
            if referenced.is_empty() {
                continue;
            }
            let result = validate_project_config(&project.config, view.groups, names, KeysChecked::All);
            let validation = Validation {
                node: me,
                site: Site::Join(Step::ValidateDeferred),
                project: project.name,
                config_version: projects.0.version,
                view,
                referenced,
                passed: result.is_ok(),
            };
            self.observations.push(Observation::Validation(validation));
            ctx.note(me, || Note::Validation(validation));
            if let Err(cause) = result {
                let cause = format!("Failed to validate project \"{}\": {cause}", names.str(project.name));
                let rejection = Rejection {
                    project: project.name,
                    config_version: projects.0.version,
                    referenced,
                };
                return Err((cause, rejection));
            }
        }
        Ok(())
    }

    /// A step failed: before J12 the join fails and the reverter runs;
    /// later steps only log.
    fn fail(&mut self, ctx: &mut Ctx<'_, World>, me: NodeId, step: Step, cause: String, rejection: Option<Rejection>) {
        if !step.fails_join() {
            let error = ApiError::new(cause);
            ctx.note(me, || Note::Warning(step, error));
            return self.after(ctx, me, step, Ok(Answer::Done));
        }
        let error = error_chain(step, &cause);
        ctx.note(me, || Note::JoinError(step, error.clone()));
        let target = self.joiner(me).target;
        let joiner = self.joiner(me);
        joiner.failure = Some(JoinFailure { step, error, rejection });
        if step.revert_registered() {
            if joiner.joined {
                super::probe::Probe::RevertAfterJ9.hit(ctx);
            }
            joiner.status = JoinStatus::Reverting;
            ctx.note(me, || Note::Step(Step::Revert));
            let call = self.call_for(me, Step::Revert);
            self.request(ctx, me, target, call);
        } else {
            self.end(ctx, me, JoinStatus::Failed);
        }
    }

    fn end(&mut self, ctx: &mut Ctx<'_, World>, me: NodeId, status: JoinStatus) {
        match status {
            JoinStatus::Completed => super::probe::Probe::JoinCompleted.hit(ctx),
            JoinStatus::Failed => super::probe::Probe::JoinFailed.hit(ctx),
            _ => {}
        }
        let joiner = self.joiner(me);
        joiner.status = status;
        joiner.ended_tick = Some(ctx.now());
        joiner.request.abandon(ctx);
        ctx.note(me, || Note::JoinEnded(status));
    }

    /// The joiner crashed: a join under way is lost (no revert runs); one
    /// not yet begun is lost too, unless the joiner comes back before its
    /// start (see `joiner_restarted`).
    pub(super) fn joiner_crashed(&mut self, ctx: &mut Ctx<'_, World>, me: NodeId) {
        let status = self.joiner(me).status;
        if !status.ended() {
            self.joiner(me).crashed_before_start = status == JoinStatus::NotStarted;
            self.end(ctx, me, JoinStatus::Crashed);
        }
    }

    /// A joiner that crashed before its join began runs it after all, at
    /// the tick it was to start (or now, if that has passed).
    pub(super) fn joiner_restarted(&mut self, ctx: &mut Ctx<'_, World>, me: NodeId) {
        let joiner = self.joiner(me);
        if joiner.status == JoinStatus::Crashed && joiner.crashed_before_start {
            joiner.status = JoinStatus::NotStarted;
            joiner.ended_tick = None;
            joiner.crashed_before_start = false;
            let after = joiner.start_at_tick.saturating_sub(ctx.now());
            ctx.set_timer(me, after, Timer::StartJoin);
        }
    }

    /// When the join starts: its earliest tick plus a drawn jitter.
    pub(super) fn schedule_join(&mut self, ctx: &mut Ctx<'_, World>, me: NodeId, start_tick: u64, jitter_ticks: u64) {
        let jitter = self.client_delay(ctx, super::choice::client_start(me), jitter_ticks);
        self.joiner(me).start_at_tick = start_tick + jitter;
        ctx.set_timer(me, start_tick + jitter, Timer::StartJoin);
    }
}

/// The step after `step` on the nominal path (what a read returned can
/// change the course; see `World::after`).
fn following(step: Step, variant: super::Variant) -> Step {
    match step {
        Step::SetupTrust => Step::UpdateTrust,
        Step::UpdateTrust => Step::GetClusterMembers,
        Step::GetClusterMembers => Step::GetServer,
        Step::GetServer => Step::GetStoragePools,
        Step::GetStoragePools if variant.syncs_groups_first() => Step::GetClusterGroups,
        Step::GetStoragePools | Step::GetClusterGroups => Step::GetProjects,
        Step::GetProjects => Step::GetNetworks,
        Step::GetNetworks => Step::ApplyServerPreseed,
        Step::ApplyServerPreseed => Step::RegisterRevert,
        Step::RegisterRevert => Step::ClusterAccept,
        Step::ClusterAccept => Step::StoreCertificates,
        Step::StoreCertificates => Step::ClusterJoin,
        Step::ClusterJoin if variant.validates_after_join() => Step::ValidateDeferred,
        Step::ClusterJoin | Step::ValidateDeferred => Step::AddToDefaultGroup,
        Step::AddToDefaultGroup => Step::StartClusterTasks,
        Step::StartClusterTasks => Step::NetworkStartup,
        Step::NetworkStartup => Step::Rebalance,
        Step::Rebalance => Step::ImageSync,
        Step::ImageSync => Step::LifecycleEvent,
        Step::LifecycleEvent | Step::Revert => unreachable!("{step:?} has no next step"),
    }
}

/// Whether `clusterInitMember` carries a project to the joiner: `default`,
/// and the projects with their own networks (`features.networks`); the
/// others exist only in the cluster database, which the joiner gets at J9.
fn initialised_at_join(project: &super::db::Project, names: &super::names::Names) -> bool {
    project.name == names.keys.default_project || project.config.is_true(names.keys.features_networks, names)
}

/// The created pools of the cluster, as the joiner creates them locally.
fn created_for(pools: &[Resource], me: NodeId) -> Vec<Resource> {
    pools
        .iter()
        .filter(|p| p.created)
        .map(|p| {
            let mut members = super::db::NodeSet::default();
            members.insert(me);
            Resource { members, ..p.clone() }
        })
        .collect()
}

/// The project config the joiner enforces: its local database's before J9,
/// the cluster's from then on.
pub fn effective_projects<'a>(joiner: &'a Joiner, cluster: &'a Db) -> &'a [super::db::Project] {
    if joiner.joined {
        &cluster.projects
    } else {
        &joiner.local.projects
    }
}
