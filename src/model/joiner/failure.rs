//! How an attempt fails: the error chain Incus builds around a step's
//! error, the reverter, the end of the attempt, and the next attempt.

use std::sync::Arc;

use super::super::World;
use super::super::message::{Answer, ApiError, Call, Outcome, Timer};
use super::super::names::Names;
use super::super::note::Note;
use super::super::step::Step;
use super::{JoinFailure, JoinStatus, Rejection};
use crate::sim::{Ctx, NodeId};

/// How many times `revert-retries` sends the reverter's delete again.
const REVERT_RETRIES_MAX: u8 = 9;
/// The pause before each of those (100 ms, a tick being a millisecond).
const REVERT_RETRY_TICKS: u64 = 100;

/// The context Incus wraps around an error at `step` (each with its line in
/// cmd/incusd/api_cluster.go, internal/server/cluster/connect.go or
/// membership.go at be7afc5df3), inside the CLI's own `Failed to join
/// cluster: %w` (cmd/incus/cluster.go:1977). `project` names the project
/// whose networks J5 was fetching.
pub fn error_chain(step: Step, cause: &str, project: Option<&str>) -> String {
    error_chain_of(step, None, cause, project)
}

/// A step's second request, whose failure Incus wraps apart from the
/// step's other errors.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SubRequest {
    /// J1's `incus.ConnectIncus` reading `GET /1.0` from the target at
    /// this address (`setup-trust-reads-server`).
    Connect(String),
    /// J8's `client.GetCertificates()` to the target.
    TrustedCertificates,
}

/// [`error_chain`] for a failure of `sub`, a step's second request.
pub fn error_chain_of(step: Step, sub: Option<&SubRequest>, cause: &str, project: Option<&str>) -> String {
    let inner = match (step, sub) {
        // `incus cluster add` is its own command: its error is printed as is.
        (Step::RequestJoinToken, _) => return cause.to_string(),
        // connect.go:219-222 at v6.0.4, inside api_cluster.go:538.
        (Step::SetupTrust, Some(SubRequest::Connect(address))) => {
            format!("Failed to setup cluster trust: Failed to connect to target cluster node \"{address}\": {cause}")
        }
        // api_cluster.go:735 at be7afc5df3 (at v6.0.4 the same words).
        (Step::StoreCertificates, Some(SubRequest::TrustedCertificates)) => {
            format!("Failed to get trusted certificates: {cause}")
        }
        (step, _) => step_chain(step, cause, project),
    };
    format!("Failed to join cluster: {inner}")
}

/// The context of a step's own error (its one request, transaction or
/// local work).
fn step_chain(step: Step, cause: &str, project: Option<&str>) -> String {
    match step {
        // api_cluster.go:538, connect.go:312.
        Step::SetupTrust => format!("Failed to setup cluster trust: Failed to add server cert to cluster: {cause}"),
        // api_cluster.go:546, connect.go:353.
        Step::UpdateTrust => format!("Failed to update cluster trust: Failed getting existing certificate: {cause}"),
        // api_cluster.go:599.
        Step::GetServer => format!("Failed to retrieve cluster configuration: {cause}"),
        // api_cluster.go:645, then 1004, 1051, 1081, 1132.
        Step::GetStoragePools => {
            format!("Failed to initialize member: Failed to fetch information about cluster storage pools: {cause}")
        }
        // groups-first only (a proposed fix, not in the source).
        Step::GetClusterGroups => {
            format!("Failed to initialize member: Failed to fetch information about cluster groups: {cause}")
        }
        Step::GetProjects => {
            format!("Failed to initialize member: Failed to fetch project information about cluster networks: {cause}")
        }
        Step::GetNetworks => format!(
            "Failed to initialize member: Failed to fetch network information about cluster networks in project \"{}\": {cause}",
            project.unwrap_or("default")
        ),
        Step::ApplyServerPreseed => {
            format!("Failed to initialize member: Failed to initialize storage pools and networks: {cause}")
        }
        // api_cluster.go:716.
        Step::ClusterAccept => format!("Failed request to add member: {cause}"),
        // api_cluster.go:722.
        Step::StoreCertificates => format!("Failed to save cluster certificate: {cause}"),
        // cluster.Join's own wrapping, returned as is (api_cluster.go:787-790):
        // membership.go:342, 388, 401, 458, 575.
        Step::ReplaceRaftNodes if cause.starts_with("The member is already") => cause.to_string(),
        Step::ReplaceRaftNodes => format!("Failed to set raft nodes: {cause}"),
        Step::EnterExclusive => format!("Failed to acquire cluster database lock: {cause}"),
        Step::RemoveGlobalDatabase => format!("Failed to remove existing raft data: {cause}"),
        Step::RaftAdd => format!("Failed to join cluster: {cause}"),
        Step::ExitExclusive => format!("Cluster database initialization failed: {cause}"),
        // deferred-validation only (a proposed fix, not in the source).
        Step::ValidateDeferred => format!("Failed to validate project configuration after join: {cause}"),
        // api_cluster.go:796.
        Step::AddToDefaultGroup => format!("Failed to add new member to the default cluster group: {cause}"),
        // Returned as is: GetClusterMembers (556-559), the local listing at
        // J6 (702-704), GetLocalConfig (380-382), StartClusterTasks (816-832).
        _ => cause.to_string(),
    }
}

impl World {
    /// A step failed: before J12 (and but for the heartbeat round) the
    /// attempt fails and the reverter runs; later steps only log.
    pub(super) fn fail(
        &mut self,
        ctx: &mut Ctx<'_, World>,
        me: NodeId,
        step: Step,
        cause: String,
        rejection: Option<Rejection>,
    ) {
        if !step.fails_join() {
            let error = ApiError::new(cause);
            ctx.note(me, || Note::Warning(step, error));
            return self.after(ctx, me, step, Ok(Answer::Done));
        }
        let project = self.fetching_project(me);
        let sub = self.joiner(me).reads.sub_request.take();
        let error = error_chain_of(step, sub.as_ref(), &cause, project.as_deref());
        ctx.note(me, || Note::JoinError(step, error.clone()));
        // Incus 6.0.4 registers no DeletePendingClusterMember at J6.
        let registered = self.setup.variant.differences.registers_pending_member_revert;
        // `untrust-on-failure`: a reverter from J1 on deletes its certificate.
        let untrusts = self.setup.variant.differences.untrusts_on_failure && step > Step::SetupTrust;
        let joiner = self.joiner(me);
        joiner.failure = Some(JoinFailure { step, error, rejection });
        if (step.revert_registered() && registered) || untrusts {
            // The reverter runs its functions last-registered first
            // (shared/revert): DeletePendingClusterMember (registered at
            // J6) before the in-memory name and clustered flag (after J3).
            if joiner.joined() {
                crate::model::probe::Probe::RevertAfterJ9.hit(ctx);
            }
            joiner.status = JoinStatus::Reverting;
            ctx.note(me, || Note::Step(Step::Revert));
            let call = self.call_for(me, Step::Revert);
            let target = self.joiner(me).target;
            self.request(ctx, me, target, call);
        } else {
            self.revert_in_memory(me, step);
            self.end(ctx, me, JoinStatus::Failed);
        }
    }

    /// The name of the project whose networks J5 is fetching, if it is.
    fn fetching_project(&mut self, me: NodeId) -> Option<String> {
        let setup = Arc::clone(&self.setup);
        let names: &Names = &setup.names;
        let project = *self.joiner(me).reads.networks_to_fetch.last()?;
        Some(names.str(project).to_string())
    }

    /// The reverter's first function: the in-memory server name and
    /// clustered flag back (api_cluster.go:585-592); with
    /// `revert-restores-joiner`, the joiner's own server as it was.
    fn revert_in_memory(&mut self, me: NodeId, step: Step) {
        let restored =
            (self.setup.variant.differences.revert_restores_joiner).then(|| Arc::clone(&self.setup.standalone));
        let server = &mut self.joiner(me).server;
        if step.reverts_in_memory() {
            server.renamed = false;
            server.clustered = false;
        }
        if let Some(database) = restored {
            server.database = Some(database);
            server.raft_nodes = false;
            server.cluster_certificate = false;
        }
    }

    /// The reverter's `DeletePendingClusterMember` came back; a failure is
    /// only logged (api_cluster.go:707-710), or, with `revert-retries`,
    /// sent again after a pause.
    pub(super) fn reverted(&mut self, ctx: &mut Ctx<'_, World>, me: NodeId, outcome: Outcome) {
        if let Err(e) = &outcome
            && self.retries_revert(me, e)
        {
            let joiner = self.joiner(me);
            joiner.revert_retries += 1;
            let retry = joiner.revert_retries;
            let logged = ApiError::new(format!(
                "Failed request to delete cluster member: {e}; retry {retry} of {REVERT_RETRIES_MAX} in {REVERT_RETRY_TICKS} ticks"
            ));
            ctx.note(me, || Note::Warning(Step::Revert, logged));
            ctx.set_timer(me, REVERT_RETRY_TICKS, Timer::RetryRevert);
            return;
        }
        let untrusting = matches!(self.call_for(me, Step::Revert), Call::DeleteCertificate { .. });
        let what = if untrusting {
            "Failed to delete the joiner's certificate"
        } else {
            "Failed request to delete cluster member"
        };
        let logged = outcome.err().map(|e| format!("{what}: {e}"));
        if !untrusting && self.setup.variant.differences.untrusts_on_failure {
            // `untrust-on-failure`: the certificate's delete comes next.
            let reads = &mut self.joiner(me).reads;
            reads.member_reverted = true;
            reads.member_revert_error = logged;
            let call = self.call_for(me, Step::Revert);
            let target = self.joiner(me).target;
            return self.request(ctx, me, target, call);
        }
        let joiner = self.joiner(me);
        joiner.revert_ran = true;
        joiner.revert_error = joiner.reads.member_revert_error.take().or(logged);
        let step = joiner.failure.as_ref().map_or(Step::Revert, |f| f.step);
        self.revert_in_memory(me, step);
        self.end(ctx, me, JoinStatus::Failed)
    }

    /// Whether the reverter sends its delete again after `error`: only
    /// with `revert-retries`, not when there was nothing to delete, and at
    /// most [`REVERT_RETRIES_MAX`] times.
    fn retries_revert(&mut self, me: NodeId, error: &ApiError) -> bool {
        self.setup.variant.differences.revert_retries
            && !error.is_not_found()
            && self.joiner(me).revert_retries < REVERT_RETRIES_MAX
    }

    /// The pause after a failed revert ended: the delete goes to the
    /// target again, unless the joiner crashed meanwhile.
    pub(in crate::model) fn retry_revert(&mut self, ctx: &mut Ctx<'_, World>, me: NodeId) {
        if self.joiner(me).status != JoinStatus::Reverting {
            return;
        }
        let call = self.call_for(me, Step::Revert);
        let target = self.joiner(me).target;
        self.request(ctx, me, target, call);
    }

    /// The attempt ended: a failed one is followed by the next attempt, if
    /// the scenario gives the joiner one.
    pub(super) fn end(&mut self, ctx: &mut Ctx<'_, World>, me: NodeId, status: JoinStatus) {
        match status {
            JoinStatus::Completed => crate::model::probe::Probe::JoinCompleted.hit(ctx),
            JoinStatus::Failed => crate::model::probe::Probe::JoinFailed.hit(ctx),
            _ => {}
        }
        let plan = *self.setup.joiner_plan(me);
        let joiner = self.joiner(me);
        joiner.status = status;
        joiner.ended_tick = super::Recorded(Some(ctx.now()));
        joiner.request.abandon(ctx);
        ctx.note(me, || Note::JoinEnded(status));
        if status == JoinStatus::Failed && joiner.attempt < plan.attempts {
            joiner.status = JoinStatus::NotStarted;
            ctx.set_timer(me, plan.retry_after_ticks, Timer::StartJoin);
        }
    }

    /// The joiner crashed: a join under way is lost (no revert runs); one
    /// not yet begun is lost too, unless the joiner comes back before its
    /// start (see `joiner_restarted`). What J9 did to its server stays.
    pub(in crate::model) fn joiner_crashed(&mut self, ctx: &mut Ctx<'_, World>, me: NodeId) {
        let joiner = self.joiner(me);
        let status = joiner.status;
        if !status.ended() {
            joiner.crashed_before_start = status == JoinStatus::NotStarted && joiner.attempt == 0;
            // In memory only: a restarted daemon has its configured name
            // and is clustered only if it has raft nodes.
            joiner.server.renamed = false;
            joiner.server.clustered = false;
            joiner.reads.heartbeats = super::HeartbeatRound::default();
            self.end(ctx, me, JoinStatus::Crashed);
        }
    }

    /// A joiner that crashed before its join began runs it after all, at
    /// the tick it was to start (or now, if that has passed).
    pub(in crate::model) fn joiner_restarted(&mut self, ctx: &mut Ctx<'_, World>, me: NodeId) {
        let joiner = self.joiner(me);
        if joiner.status == JoinStatus::Crashed && joiner.crashed_before_start {
            joiner.status = JoinStatus::NotStarted;
            joiner.ended_tick = super::Recorded(None);
            joiner.crashed_before_start = false;
            let after = joiner.start_at_tick.saturating_sub(ctx.now());
            ctx.set_timer(me, after, Timer::StartJoin);
        }
    }

    /// A local step's time elapsed: its work runs, if the join is still
    /// at that step (a crash in between ended it).
    pub(in crate::model) fn local_work_done(&mut self, ctx: &mut Ctx<'_, World>, me: NodeId, step: Step) {
        if self.joiner(me).status == JoinStatus::Running(step) {
            self.begin(ctx, me, step);
        }
    }

    /// When the join starts: its earliest tick plus a drawn jitter.
    pub(in crate::model) fn schedule_join(
        &mut self,
        ctx: &mut Ctx<'_, World>,
        me: NodeId,
        start_tick: u64,
        jitter_ticks: u64,
    ) {
        let jitter = self.client_delay(ctx, crate::model::choice::client_start(me), jitter_ticks);
        self.joiner(me).start_at_tick = start_tick + jitter;
        ctx.set_timer(me, start_tick + jitter, Timer::StartJoin);
    }
}
