//! The admin client: a person running `incus` commands one after another
//! against a member while joins run. A command is one API request, or, for
//! the commands the `incus` client builds from a GET, a GET and then a PUT
//! carrying the ETag of the GET. Citations are `file:line` at lxc/incus
//! be7afc5df3.

use super::message::{Answer, ApiError, Call, Msg, Outcome, RequestId, Timer};
use super::note::Note;
pub use super::ops::Command;
use super::ops::Next;
use super::outstanding::Outstanding;
use super::{Node, World};
use crate::sim::{Ctx, NodeId};

/// A scripted admin: the commands and when they run.
#[derive(Clone, Debug, PartialEq, Hash)]
pub struct AdminPlan {
    /// The member whose API the admin talks to.
    pub via: NodeId,
    pub start_tick: u64,
    /// The first command runs up to this many ticks after `start_tick`.
    pub start_jitter_ticks: u64,
    /// The admin thinks up to this many ticks between commands.
    pub pause_ticks: u64,
    pub commands: Vec<Command>,
    /// The admin's first command waits, from its start, until it observes
    /// this state of a join (`None`: it runs at its start).
    pub trigger: Option<Trigger>,
}

/// A state of a join an admin waits for before its first command: the
/// scenario key `trigger = { joiner, state }`. The model's admin observes it
/// once a tick in the cluster database (or, for `JoinStarted`, the joiner's
/// own progress); the real back end polls a member's API about once a
/// millisecond. If the join ends without reaching the state, the admin
/// gives up and runs no command.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Trigger {
    pub joiner: NodeId,
    pub state: TriggerState,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TriggerState {
    /// The joiner sent its join request (J1 began).
    JoinStarted,
    /// The cluster database holds a pending row for the joiner (J7 done).
    PendingMember,
    /// The joiner's row is a full member (J9's transaction committed).
    FullMember,
}

impl TriggerState {
    pub const ALL: [TriggerState; 3] = [
        TriggerState::JoinStarted,
        TriggerState::PendingMember,
        TriggerState::FullMember,
    ];

    pub fn name(self) -> &'static str {
        match self {
            TriggerState::JoinStarted => "join-started",
            TriggerState::PendingMember => "pending-member",
            TriggerState::FullMember => "full-member",
        }
    }
}

#[derive(Clone, Debug, Default, Hash)]
pub struct Admin {
    next_command: usize,
    request: Outstanding,
    /// The request in flight and where it went; a second request of the
    /// same command (the PUT after a GET) replaces it.
    call: Option<(Call, NodeId)>,
    /// The outcome of each command run so far.
    pub results: Vec<Result<(), ApiError>>,
}

impl World {
    fn admin(&mut self, node: NodeId) -> (&mut Admin, &AdminPlan) {
        let plan = self.setup.admin_plan(node);
        match &mut self.nodes[usize::from(node)] {
            Node::Admin(a) => (a, plan),
            _ => unreachable!("node {node} is not an admin"),
        }
    }

    pub(super) fn schedule_admin(&mut self, ctx: &mut Ctx<'_, World>, me: NodeId) {
        let plan = self.setup.admin_plan(me);
        let (start, jitter_ticks) = (plan.start_tick, plan.start_jitter_ticks);
        let jitter = self.client_delay(ctx, super::choice::client_start(me), jitter_ticks);
        ctx.set_timer(me, start + jitter, Timer::AdminNext);
    }

    pub(super) fn admin_next(&mut self, ctx: &mut Ctx<'_, World>, me: NodeId) {
        let setup = std::sync::Arc::clone(&self.setup);
        let plan = setup.admin_plan(me);
        let (admin, _) = self.admin(me);
        let first = admin.next_command == 0;
        let Some(command) = plan.commands.get(admin.next_command) else {
            return;
        };
        if let Some(trigger) = plan.trigger.filter(|_| first) {
            match self.trigger_seen(trigger) {
                Some(true) => {}
                Some(false) => {
                    ctx.set_timer(me, 1, Timer::AdminNext);
                    return;
                }
                None => return, // the join ended first: the admin gives up
            }
        }
        ctx.note(me, || Note::AdminCommand(command.clone()));
        self.admin_send(ctx, me, plan.via, command.op.get().first_call(&command.args));
    }

    /// Whether the admin sees `trigger`'s state now; `None` once the join
    /// has ended without it (it never will).
    fn trigger_seen(&self, trigger: Trigger) -> Option<bool> {
        use super::joiner::JoinStatus;
        let joiner = self.joiner_state(trigger.joiner).expect("a trigger names a joiner");
        let seen = match trigger.state {
            TriggerState::JoinStarted => !matches!(joiner.status, JoinStatus::NotStarted),
            TriggerState::PendingMember => self.db.pending_member(trigger.joiner).is_some(),
            TriggerState::FullMember => self.db.full_member(trigger.joiner).is_some(),
        };
        let ended = matches!(
            joiner.status,
            JoinStatus::Completed | JoinStatus::Failed | JoinStatus::Crashed
        );
        match (seen, ended) {
            (true, _) => Some(true),
            (false, true) => None,
            (false, false) => Some(false),
        }
    }

    fn admin_send(&mut self, ctx: &mut Ctx<'_, World>, me: NodeId, to: NodeId, call: Call) {
        let timeout = self.setup.request_timeout_ticks;
        let (admin, _) = self.admin(me);
        let id = admin.request.start(ctx, me, timeout);
        admin.call = Some((call.clone(), to));
        self.transmit(ctx, me, to, Msg::Request { id, call });
    }

    pub(super) fn admin_answer(&mut self, ctx: &mut Ctx<'_, World>, me: NodeId, id: RequestId, outcome: Outcome) {
        let setup = std::sync::Arc::clone(&self.setup);
        let plan = setup.admin_plan(me);
        let (admin, _) = self.admin(me);
        if !admin.request.settle(ctx, id) {
            return; // a duplicate, or late after a timeout
        }
        let (call, _) = admin.call.take().expect("a request was in flight");
        let command = &plan.commands[admin.next_command];
        let next = match outcome {
            // A membership endpoint on a member that is not the leader.
            Ok(Answer::Redirect(leader)) => return self.admin_send(ctx, me, leader, call),
            Ok(answer) => command.op.get().after(&command.args, &call, &answer, &setup.names),
            Err(e) => Next::Failed(e),
        };
        let result = match next {
            Next::Send(request) => return self.admin_send(ctx, me, plan.via, request),
            Next::Done => Ok(()),
            Next::Failed(e) => Err(e),
        };
        self.admin_done(ctx, me, result);
    }

    /// The command ended with `result`: record it and, after a pause, run
    /// the next one.
    fn admin_done(&mut self, ctx: &mut Ctx<'_, World>, me: NodeId, result: Result<(), ApiError>) {
        let (admin, plan) = self.admin(me);
        let command = plan.commands[admin.next_command].clone();
        admin.results.push(result.clone());
        let probe = if result.is_ok() {
            super::probe::Probe::AdminCommandSucceeded
        } else {
            super::probe::Probe::AdminCommandFailed
        };
        probe.hit(ctx);
        admin.next_command += 1;
        let more = admin.next_command < plan.commands.len();
        let pause_ticks = plan.pause_ticks;
        ctx.note(me, || Note::AdminResult(command, result));
        if more {
            let label = super::choice::client_pause(me, self.admin(me).0.next_command);
            let pause = self.client_delay(ctx, label, pause_ticks);
            ctx.set_timer(me, 1 + pause, Timer::AdminNext);
        }
    }
}
