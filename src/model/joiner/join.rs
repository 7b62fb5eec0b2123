//! J9 `cluster.Join` (internal/server/cluster/membership.go:317-584 at
//! be7afc5df3), in its order: the raft node list set locally, the local
//! pool and network config read, the database taken exclusively, the local
//! global database removed, raft joined, then one transaction on the
//! cluster database, then a heartbeat round. A failure at any sub-step
//! leaves the joiner's server as that sub-step left it.

use std::sync::Arc;

use super::super::World;
use super::super::connection::HEARTBEAT_TIMEOUT_TICKS;
use super::super::db::Snapshot;
use super::super::message::{Answer, Call, Msg, RequestId, Timer, Tx};
use super::super::step::Step;
use crate::sim::{Ctx, NodeId};

impl World {
    /// Runs one sub-step of `cluster.Join`.
    pub(super) fn cluster_join_step(&mut self, ctx: &mut Ctx<'_, World>, me: NodeId, step: Step) {
        let cluster = Arc::clone(&self.db);
        let joiner = self.joiner(me);
        match step {
            Step::ReplaceRaftNodes => {
                // membershipCheckNodeStateForBootstrapOrJoin, then
                // ReplaceRaftNodes (membership.go:334-343, 1201-1225).
                if joiner.server.raft_nodes {
                    let cause = "The member is already part of a cluster".to_string();
                    return self.fail(ctx, me, step, cause, None);
                }
                joiner.server.raft_nodes = true;
            }
            Step::GetLocalConfig => {
                // GetStoragePoolsLocalConfig and GetNetworksLocalConfig read
                // the joiner's own database (membership.go:360-382); after
                // an earlier attempt removed it, its handle reaches the
                // cluster's.
                let local = joiner.server.database.clone().unwrap_or(cluster);
                joiner.reads.local_config = Some(Snapshot(local));
            }
            // Nothing else uses the joiner's database meanwhile, so the
            // lock is free (membership.go:386-389).
            Step::EnterExclusive => {}
            Step::RemoveGlobalDatabase => joiner.server.database = None,
            Step::RaftAdd => return self.transaction(ctx, me, Tx::RaftAdd { joiner: me }),
            Step::ExitExclusive => {
                let local = joiner.reads.local_config.clone().expect("J9 read the local config");
                return self.transaction(ctx, me, Tx::JoinMember { joiner: me, local });
            }
            // The member list for the round, read in its own transaction
            // (membership.go:626-638).
            Step::NotifyHeartbeat => return self.transaction(ctx, me, Tx::Read),
            _ => unreachable!("{step:?} is not a cluster.Join sub-step"),
        }
        self.after(ctx, me, step, Ok(Answer::Done))
    }

    /// `NotifyHeartbeat`: a heartbeat to every other non-pending member,
    /// each with a 2 s client timeout, and a wait for all of them; their
    /// errors are ignored (membership.go:650-665, heartbeat.go
    /// `HeartbeatNode`).
    pub(super) fn send_heartbeats(&mut self, ctx: &mut Ctx<'_, World>, me: NodeId, members: &Snapshot) {
        let others: Vec<NodeId> = members
            .0
            .members
            .iter()
            .filter(|m| !m.pending && m.node != me)
            .map(|m| m.node)
            .collect();
        for member in others {
            let id = self.joiner(me).request.fresh_id();
            let timer = ctx.set_timer(me, HEARTBEAT_TIMEOUT_TICKS, Timer::HeartbeatTimeout { id });
            self.joiner(me).reads.heartbeats.waiting.push((id, timer));
            self.transmit(
                ctx,
                me,
                member,
                Msg::Request {
                    id,
                    call: Call::Heartbeat,
                },
            );
        }
        self.heartbeats_done(ctx, me);
    }

    /// A heartbeat was answered (or failed): true when `id` was one.
    pub(super) fn heartbeat_answered(&mut self, ctx: &mut Ctx<'_, World>, me: NodeId, id: RequestId) -> bool {
        let waiting = &mut self.joiner(me).reads.heartbeats.waiting;
        let Some(at) = waiting.iter().position(|&(h, _)| h == id) else {
            return false;
        };
        let (_, timer) = waiting.swap_remove(at);
        ctx.cancel_timer(timer);
        self.heartbeats_done(ctx, me);
        true
    }

    /// A heartbeat's client timed out: its connection is abandoned.
    pub(in crate::model) fn heartbeat_timed_out(&mut self, ctx: &mut Ctx<'_, World>, me: NodeId, id: RequestId) {
        self.close(ctx, me, id);
        let waiting = &mut self.joiner(me).reads.heartbeats.waiting;
        waiting.retain(|&(h, _)| h != id);
        self.heartbeats_done(ctx, me);
    }

    /// The round is over once every heartbeat is answered or timed out.
    fn heartbeats_done(&mut self, ctx: &mut Ctx<'_, World>, me: NodeId) {
        let joiner = self.joiner(me);
        if joiner.reads.heartbeats.waiting.is_empty()
            && joiner.status == super::JoinStatus::Running(Step::NotifyHeartbeat)
        {
            self.after(ctx, me, Step::NotifyHeartbeat, Ok(Answer::Done))
        }
    }
}
