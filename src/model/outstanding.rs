//! A client's one outstanding request (joiners and admins run one request
//! at a time) and its timeout, cancelled when the answer comes.

use super::World;
use super::message::{RequestId, Timer};
use crate::sim::{Ctx, NodeId, TimerId};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Outstanding {
    next_id: RequestId,
    current: Option<(RequestId, Option<TimerId>)>,
}

impl Outstanding {
    /// A new request id, now outstanding, timing out after `timeout_ticks`
    /// when messages can be lost.
    pub fn start(&mut self, ctx: &mut Ctx<'_, World>, me: NodeId, timeout_ticks: Option<u64>) -> RequestId {
        self.abandon(ctx);
        self.next_id += 1;
        let id = self.next_id;
        let timer = timeout_ticks.map(|ticks| ctx.set_timer(me, ticks, Timer::Timeout { id }));
        self.current = Some((id, timer));
        id
    }

    /// A new request id that is not the outstanding one (a joiner's
    /// heartbeats run beside its step).
    pub fn fresh_id(&mut self) -> RequestId {
        self.next_id += 1;
        self.next_id
    }

    /// Whether `id` answers the outstanding request. If it does, the request
    /// is settled and its timeout cancelled; a duplicate or late answer is
    /// not.
    pub fn settle(&mut self, ctx: &mut Ctx<'_, World>, id: RequestId) -> bool {
        match self.current {
            Some((current, timer)) if current == id => {
                if let Some(timer) = timer {
                    ctx.cancel_timer(timer);
                }
                self.current = None;
                true
            }
            _ => false,
        }
    }

    /// Gives up on the outstanding request, if any.
    pub fn abandon(&mut self, ctx: &mut Ctx<'_, World>) {
        if let Some((_, Some(timer))) = self.current.take() {
            ctx.cancel_timer(timer);
        }
    }
}
