//! The admin client: a person running `incus` commands one after another
//! against a member while joins run.

use super::message::{ApiError, Call, Msg, Outcome, RequestId, Timer};
use super::note::Note;
use super::outstanding::Outstanding;
use super::{Node, World};
use crate::sim::{Ctx, NodeId};

/// A scripted admin: the commands and when they run.
#[derive(Clone, Debug, PartialEq)]
pub struct AdminPlan {
    /// The member whose API the admin talks to.
    pub via: NodeId,
    pub start_tick: u64,
    /// The first command runs up to this many ticks after `start_tick`.
    pub start_jitter_ticks: u64,
    /// The admin thinks up to this many ticks between commands.
    pub pause_ticks: u64,
    pub commands: Vec<Call>,
}

#[derive(Clone, Debug, Default)]
pub struct Admin {
    next_command: usize,
    request: Outstanding,
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
        let jitter = self.client_delay(ctx, jitter_ticks);
        ctx.set_timer(me, start + jitter, Timer::AdminNext);
    }

    pub(super) fn admin_next(&mut self, ctx: &mut Ctx<'_, World>, me: NodeId) {
        let timeout = self.setup.request_timeout_ticks;
        let (admin, plan) = self.admin(me);
        let Some(call) = plan.commands.get(admin.next_command).cloned() else {
            return;
        };
        let id = admin.request.start(ctx, me, timeout);
        let via = plan.via;
        ctx.note(me, || Note::AdminCommand(call.clone()));
        self.transmit(ctx, me, via, Msg::Request { id, call });
    }

    pub(super) fn admin_answer(&mut self, ctx: &mut Ctx<'_, World>, me: NodeId, id: RequestId, outcome: Outcome) {
        let (admin, plan) = self.admin(me);
        if !admin.request.settle(ctx, id) {
            return; // a duplicate, or late after a timeout
        }
        let call = plan.commands[admin.next_command].clone();
        let result = outcome.map(|_| ());
        admin.results.push(result.clone());
        admin.next_command += 1;
        let more = admin.next_command < plan.commands.len();
        let pause_ticks = plan.pause_ticks;
        ctx.note(me, || Note::AdminResult(call, result));
        if more {
            let pause = self.client_delay(ctx, pause_ticks);
            ctx.set_timer(me, 1 + pause, Timer::AdminNext);
        }
    }
}
