//! The course of one attempt: each step's request, transaction or local
//! work, and what the joiner does with its answer.

use std::sync::Arc;

use super::super::World;
use super::super::choice;
use super::super::db::Snapshot;
use super::super::message::{Answer, Call, Msg, Outcome, RequestId, Timer, Tx};
use super::super::names::DEFAULT_GROUP;
use super::super::note::Note;
use super::super::observe::{ConfigSource, Enforcement, Observation};
use super::super::step::Step;
use super::{JoinStatus, Joiner, SubRequest};
use crate::sim::{Ctx, NodeId};

impl World {
    pub(in crate::model) fn joiner(&mut self, node: NodeId) -> &mut Joiner {
        match &mut self.nodes[usize::from(node)] {
            super::super::Node::Joiner(j) => j,
            _ => unreachable!("node {node} is not a joiner"),
        }
    }

    /// `incus cluster join` starts on `me` (again, for a retried attempt).
    pub(in crate::model) fn start_join(&mut self, ctx: &mut Ctx<'_, World>, me: NodeId) {
        if self.joiner(me).status != JoinStatus::NotStarted {
            return;
        }
        let plan = *self.setup.joiner_plan(me);
        let joiner = self.joiner(me);
        joiner.reset_attempt();
        joiner.attempt += 1;
        let first = if joiner.attempt > 1 && plan.retry_with_new_token {
            Step::RequestJoinToken
        } else {
            Step::SetupTrust
        };
        self.enter(ctx, me, first)
    }

    /// Begins `step`: a fault point first, then the step's request,
    /// transaction or local work.
    pub(super) fn enter(&mut self, ctx: &mut Ctx<'_, World>, me: NodeId, step: Step) {
        let joiner = self.joiner(me);
        joiner.status = JoinStatus::Running(step);
        let attempt = joiner.attempt;
        let visit = joiner.visits.enter(step);
        ctx.note(me, || Note::Step(step));
        if self
            .setup
            .step_faults
            .fires(ctx, (me, attempt), (step, visit), self.random_step_errors)
        {
            let cause = format!("injected error at {} {}", step.code(), step.name());
            ctx.note(me, || Note::InjectedFault(step));
            return self.fail(ctx, me, step, cause, None);
        }
        let max = self.setup.step_faults.local_work_max_ticks;
        if max > 0 && self.local_work && step.is_local_work() {
            let ticks = ctx.choose(choice::local_work(me, step, visit), max as u32 + 1);
            if ticks > 0 {
                crate::model::probe::Probe::LocalWorkTookTime.hit(ctx);
                let names = &self.setup.names;
                let text = format!("{} works locally for {ticks} ticks", names.node_str(me));
                ctx.note(me, || Note::Cluster(text));
                ctx.set_timer(me, u64::from(ticks), Timer::LocalWorkDone { step });
                return;
            }
        }
        self.begin(ctx, me, step)
    }

    /// The work of `step`, once its fault point passed and its local time,
    /// if any, elapsed.
    pub(in crate::model) fn begin(&mut self, ctx: &mut Ctx<'_, World>, me: NodeId, step: Step) {
        match step {
            Step::ApplyServerPreseed => self.apply_server_preseed(ctx, me),
            Step::RegisterRevert => self.list_local_storage(ctx, me),
            Step::StoreCertificates => {
                // internalUtil.WriteCert(..., "cluster", ...) and
                // NetworkUpdateCert (api_cluster.go:720-730), then the
                // members' server certificates read from the target
                // (`client.GetCertificates()`, 733-736) and stored locally.
                let joiner = self.joiner(me);
                joiner.server.cluster_certificate = true;
                joiner.reads.sub_request = Some(SubRequest::TrustedCertificates);
                let target = joiner.target;
                self.request(ctx, me, target, Call::GetCertificates)
            }
            step if step.in_cluster_join() => self.cluster_join_step(ctx, me, step),
            Step::ValidateDeferred | Step::StartClusterTasks => self.transaction(ctx, me, Tx::Read),
            Step::AddToDefaultGroup => {
                let tx = Tx::AddMemberToGroup {
                    member: me,
                    group: DEFAULT_GROUP,
                    by_admin: false,
                };
                self.transaction(ctx, me, tx)
            }
            Step::NetworkStartup | Step::ImageSync | Step::LifecycleEvent => {
                self.after(ctx, me, step, Ok(Answer::Done))
            }
            _ => {
                if step == self.first_step_after_name_check() {
                    self.set_cluster_identity(me);
                }
                let target = self.joiner(me).target;
                let call = self.call_for(me, step);
                self.request(ctx, me, target, call)
            }
        }
    }

    /// The step that follows J3's name check (J2, for a release without
    /// it): J4's config fetch, or, for a variant without it, J5's first
    /// fetch.
    fn first_step_after_name_check(&self) -> Step {
        following(Step::GetClusterMembers, self.setup.variant)
    }

    /// After J3 the daemon takes the join's name and marks itself
    /// clustered, in memory (api_cluster.go:580-594).
    fn set_cluster_identity(&mut self, me: NodeId) {
        let server = &mut self.joiner(me).server;
        server.renamed = true;
        server.clustered = true;
    }

    /// The API call a request step makes.
    pub(super) fn call_for(&mut self, me: NodeId, step: Step) -> Call {
        let setup = Arc::clone(&self.setup);
        let joiner = self.joiner(me);
        match step {
            Step::RequestJoinToken => Call::IssueJoinToken { joiner: me },
            // `incus.ConnectIncus` reads the target's `GET /1.0` first
            // (connect.go:219-222 at v6.0.4).
            Step::SetupTrust
                if setup.variant.differences.setup_trust_reads_server && !joiner.reads.trust_target_read =>
            {
                let address = format!(
                    "{}:{}",
                    setup.names.node_str(joiner.target),
                    super::super::connection::PORT
                );
                joiner.reads.sub_request = Some(SubRequest::Connect(address));
                Call::GetServer
            }
            Step::SetupTrust => Call::SetupTrust { joiner: me },
            Step::UpdateTrust => Call::UpdateTrust,
            Step::GetClusterMembers => Call::GetClusterMembers,
            Step::GetServer => Call::GetServer,
            Step::GetStoragePools => Call::GetStoragePools,
            Step::GetClusterGroups => Call::GetClusterGroups,
            Step::GetProjects => Call::GetProjects,
            Step::GetNetworks => Call::GetNetworks {
                project: *joiner.reads.networks_to_fetch.last().expect("a project to fetch"),
            },
            Step::ClusterAccept => Call::ClusterAccept {
                joiner: me,
                local: joiner
                    .reads
                    .local_storage
                    .clone()
                    .expect("J6 listed the local pools and networks"),
            },
            Step::Rebalance => Call::Rebalance,
            // The reverter runs last-registered first: J6's member delete,
            // then (`untrust-on-failure`, registered after J1) the
            // certificate's.
            Step::Revert => {
                let registered = setup.variant.differences.registers_pending_member_revert
                    && joiner.failure.as_ref().is_some_and(|f| f.step.revert_registered());
                if registered && !joiner.reads.member_reverted {
                    Call::DeletePendingClusterMember { joiner: me }
                } else {
                    Call::DeleteCertificate { joiner: me }
                }
            }
            _ => unreachable!("{step:?} makes no API call"),
        }
    }

    /// Sends an API request on a new connection; the joiner waits for its
    /// answer as long as it takes (no client timeout: see `connection`).
    pub(super) fn request(&mut self, ctx: &mut Ctx<'_, World>, me: NodeId, to: NodeId, call: Call) {
        let id = self.joiner(me).request.start(ctx, me, None);
        self.transmit(ctx, me, to, Msg::Request { id, call });
    }

    /// From J9 on the joiner is a database node: it talks to the leader.
    pub(super) fn transaction(&mut self, ctx: &mut Ctx<'_, World>, me: NodeId, tx: Tx) {
        let id = self.joiner(me).request.start(ctx, me, None);
        let on_behalf_of = None;
        let leader = self.leader;
        self.transmit(ctx, me, leader, Msg::Tx { id, tx, on_behalf_of });
    }

    /// A response, transaction result or connection error for request `id`.
    pub(in crate::model) fn joiner_answer(
        &mut self,
        ctx: &mut Ctx<'_, World>,
        me: NodeId,
        id: RequestId,
        outcome: Outcome,
    ) {
        if self.heartbeat_answered(ctx, me, id) {
            return;
        }
        let joiner = self.joiner(me);
        if !joiner.request.settle(ctx, id) {
            return; // late, for an attempt that moved on
        }
        let Some(step) = joiner.step() else { return };
        if let Ok(Answer::Redirect(leader)) = outcome {
            // Accept or rebalance on a non-leader: Go's client follows the
            // redirect with the same request.
            let call = self.call_for(me, step);
            return self.request(ctx, me, leader, call);
        }
        if step == Step::Revert {
            return self.reverted(ctx, me, outcome);
        }
        self.after(ctx, me, step, outcome)
    }

    /// What the joiner does with the answer to `step`.
    pub(super) fn after(&mut self, ctx: &mut Ctx<'_, World>, me: NodeId, step: Step, outcome: Outcome) {
        let answer = match outcome {
            Ok(answer) => answer,
            Err(e) if step == Step::Rebalance => {
                // J13: only a warning (api_cluster.go:880-883).
                let warning = super::super::message::ApiError::new(format!("Failed to trigger cluster rebalance: {e}"));
                ctx.note(me, || Note::Warning(step, warning));
                Answer::Done
            }
            Err(e) => return self.fail(ctx, me, step, e.to_string(), None),
        };
        let variant = self.setup.variant;
        self.joiner(me).reads.sub_request = None;
        let next = match (step, answer) {
            (Step::SetupTrust, Answer::Snapshot(_)) => {
                // Connected: now the `POST /1.0/certificates`.
                self.joiner(me).reads.trust_target_read = true;
                let (target, call) = (self.joiner(me).target, self.call_for(me, step));
                return self.request(ctx, me, target, call);
            }
            (Step::GetClusterMembers, Answer::Snapshot(db)) => {
                // The list leaves out pending members (node.go:407-409); the
                // check is by name (api_cluster.go:563): a member renamed to
                // the joiner's name collides, the joiner's own renamed row
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
            (Step::NotifyHeartbeat, Answer::Snapshot(db)) => return self.send_heartbeats(ctx, me, &db),
            (Step::ValidateDeferred, Answer::Snapshot(db)) => {
                if let Err((cause, rejection)) = self.validate_deferred(ctx, me, &db) {
                    return self.fail(ctx, me, step, cause, Some(rejection));
                }
                following(step, variant)
            }
            (Step::StartClusterTasks, Answer::Snapshot(db)) => {
                self.enforce_config(me, db);
                following(step, variant)
            }
            (Step::LifecycleEvent, _) => return self.end(ctx, me, JoinStatus::Completed),
            // GET /1.0, the rebalance and J8's certificates return what they
            // read; the joiner needs none of it here (the model keeps no
            // certificate contents).
            (step, Answer::Done)
            | (step @ (Step::GetServer | Step::Rebalance | Step::StoreCertificates), Answer::Snapshot(_)) => {
                following(step, variant)
            }
            (step, answer) => unreachable!("{step:?} cannot answer {answer:?}"),
        };
        self.enter(ctx, me, next)
    }

    /// J11: the joined server reloads its configuration from the database
    /// it now uses (api_cluster.go:809-837) and from here on enforces the
    /// project config that database holds: the observation the checker
    /// judges `restrictions-lost` by.
    fn enforce_config(&mut self, me: NodeId, replicated: Snapshot) {
        let local = self.joiner(me).server.database.clone();
        let (source, read) = match local {
            Some(db) => (ConfigSource::Local, Snapshot(db)),
            None => (ConfigSource::Replicated(replicated.0.version), replicated),
        };
        let enforcement = Enforcement { node: me, source, read };
        self.observations.push(Observation::Enforced(enforcement));
    }

    /// J6: the joiner lists its pools and networks (in any state) from its
    /// global database, to send them with the accept request
    /// (api_cluster.go:648-704). Once J9 of an earlier attempt removed its
    /// own database, its database handle reaches the cluster's, so that is
    /// what it lists (simplified: read here without a transaction).
    fn list_local_storage(&mut self, ctx: &mut Ctx<'_, World>, me: NodeId) {
        let cluster = Arc::clone(&self.db);
        let joiner = self.joiner(me);
        let listed = joiner.server.database.clone().unwrap_or(cluster);
        joiner.reads.local_storage = Some(Snapshot(listed));
        if !self.setup.variant.differences.registers_pending_member_revert {
            // The J6 row reads "register the revert": say this release has none.
            let text = "no revert registered: this release has no DeletePendingClusterMember (lxc/incus#2145, v6.13.0)";
            ctx.note(me, || Note::Cluster(text.to_string()));
        }
        self.after(ctx, me, Step::RegisterRevert, Ok(Answer::Done))
    }
}

/// The step after `step` on the nominal path (what a read returned can
/// change the course; see `World::after`).
pub(super) fn following(step: Step, variant: super::super::Variant) -> Step {
    match step {
        Step::RequestJoinToken => Step::SetupTrust,
        Step::SetupTrust => Step::UpdateTrust,
        Step::UpdateTrust if variant.differences.checks_name_before_init => Step::GetClusterMembers,
        Step::UpdateTrust => following(Step::GetClusterMembers, variant),
        Step::GetClusterMembers if variant.differences.applies_cluster_config_before_init => Step::GetServer,
        Step::GetClusterMembers => Step::GetStoragePools,
        Step::GetServer => Step::GetStoragePools,
        Step::GetStoragePools if variant.syncs_groups_first() => Step::GetClusterGroups,
        Step::GetStoragePools | Step::GetClusterGroups => Step::GetProjects,
        Step::GetProjects => Step::GetNetworks,
        Step::GetNetworks => Step::ApplyServerPreseed,
        Step::ApplyServerPreseed => Step::RegisterRevert,
        Step::RegisterRevert => Step::ClusterAccept,
        Step::ClusterAccept => Step::StoreCertificates,
        Step::StoreCertificates => Step::ReplaceRaftNodes,
        Step::ReplaceRaftNodes => Step::GetLocalConfig,
        Step::GetLocalConfig => Step::EnterExclusive,
        Step::EnterExclusive => Step::RemoveGlobalDatabase,
        Step::RemoveGlobalDatabase => Step::RaftAdd,
        Step::RaftAdd => Step::ExitExclusive,
        Step::ExitExclusive => Step::NotifyHeartbeat,
        Step::NotifyHeartbeat if variant.validates_after_join() => Step::ValidateDeferred,
        Step::NotifyHeartbeat | Step::ValidateDeferred if variant.differences.default_group_in_join_transaction => {
            Step::StartClusterTasks
        }
        Step::NotifyHeartbeat | Step::ValidateDeferred => Step::AddToDefaultGroup,
        Step::AddToDefaultGroup => Step::StartClusterTasks,
        Step::StartClusterTasks => Step::NetworkStartup,
        Step::NetworkStartup => Step::Rebalance,
        Step::Rebalance => Step::ImageSync,
        Step::ImageSync => Step::LifecycleEvent,
        Step::LifecycleEvent | Step::Revert => unreachable!("{step:?} has no next step"),
    }
}
