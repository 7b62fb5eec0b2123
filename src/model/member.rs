//! Cluster members: API handlers that turn a call into transactions sent to
//! the leader, and the leader, which runs transactions and serialises
//! membership changes under `clusterMembershipMutex`.

use std::collections::VecDeque;

use super::message::{Answer, Call, Msg, Outcome, RequestId, Tx};
use crate::sim::NodeId;

/// An API request in progress on a member.
#[derive(Clone, Debug)]
struct Handler {
    /// The handler's own number (the membership mutex names it).
    id: RequestId,
    /// The transaction in flight: each transaction gets a fresh id, so that a
    /// late or duplicated answer to an earlier one is not taken for it.
    tx: Option<RequestId>,
    client: NodeId,
    client_request: RequestId,
    call: Call,
    /// How many transactions have completed.
    stage: u8,
}

/// A member's volatile state: its in-flight handlers (and, on the leader,
/// the membership mutex). A crash loses it; the database does not live
/// here.
#[derive(Clone, Debug, Default)]
pub struct Member {
    handlers: Vec<Handler>,
    /// Kept across crashes, so that an answer meant for a handler lost in a
    /// crash never matches a new one.
    next_id: RequestId,
    mutex_holder: Option<RequestId>,
    mutex_waiters: VecDeque<RequestId>,
}

/// What a member asks its caller to send.
pub type Outbox = Vec<(NodeId, Msg)>;

/// The transaction a call runs at `stage`, given the previous answer;
/// `None` when the handler is done and replies.
fn transaction(call: &Call, stage: u8, previous: &Answer) -> Option<Tx> {
    let tx = match (call, stage) {
        (Call::SetupTrust { joiner }, 0) => Tx::ConsumeJoinToken { joiner: *joiner },
        (
            Call::GetClusterMembers
            | Call::GetServer
            | Call::GetStoragePools
            | Call::GetClusterGroups
            | Call::GetProjects
            | Call::GetNetworks { .. }
            | Call::Rebalance,
            0,
        ) => Tx::Read,
        (Call::ClusterAccept { local, .. }, 0) => Tx::CheckJoinerStorage { local: local.clone() },
        (Call::ClusterAccept { joiner, .. }, 1) => Tx::Accept { joiner: *joiner },
        (Call::DeletePendingClusterMember { joiner }, 0) => Tx::DeletePendingMember { joiner: *joiner },
        // Every other call is an operator's.
        _ => return super::admin::transaction(call, stage, previous),
    };
    Some(tx)
}

impl Member {
    /// A client's API request arrives at member `me`. Membership endpoints
    /// on a member that is not the leader answer with a redirect to it
    /// (`SyncResponseRedirect`); the client follows it.
    #[allow(clippy::too_many_arguments)]
    pub fn on_request(
        &mut self,
        me: NodeId,
        leader: NodeId,
        client: NodeId,
        id: RequestId,
        call: Call,
        out: &mut Outbox,
    ) {
        if call.leader_only() && me != leader {
            let outcome = Ok(Answer::Redirect(leader));
            out.push((client, Msg::Response { id, outcome }));
            return;
        }
        let hid = self.fresh_id();
        let needs_mutex = call.takes_membership_mutex();
        self.handlers.push(Handler {
            id: hid,
            tx: None,
            client,
            client_request: id,
            call,
            stage: 0,
        });
        if needs_mutex && self.mutex_holder.is_some() {
            self.mutex_waiters.push_back(hid);
            return;
        }
        if needs_mutex {
            self.mutex_holder = Some(hid);
        }
        self.advance(leader, hid, Ok(Answer::Done), out);
    }

    fn fresh_id(&mut self) -> RequestId {
        self.next_id += 1;
        self.next_id
    }

    /// The leader answered transaction `tx`.
    pub fn on_answer(&mut self, leader: NodeId, tx: RequestId, outcome: Outcome, out: &mut Outbox) {
        let Some(handler) = self.handlers.iter_mut().find(|h| h.tx == Some(tx)) else {
            return; // a duplicate, or an answer to a handler lost in a crash
        };
        handler.tx = None;
        handler.stage += 1;
        let id = handler.id;
        self.advance(leader, id, outcome, out);
    }

    /// Runs the handler's next transaction, or replies when it is done.
    fn advance(&mut self, leader: NodeId, id: RequestId, previous: Outcome, out: &mut Outbox) {
        let at = self.handlers.iter().position(|h| h.id == id).expect("live handler");
        let next = match &previous {
            Ok(answer) => transaction(&self.handlers[at].call, self.handlers[at].stage, answer),
            Err(_) => None,
        };
        match next {
            Some(tx) => {
                let tx_id = self.fresh_id();
                let handler = &mut self.handlers[at];
                handler.tx = Some(tx_id);
                let on_behalf_of = Some((handler.client, handler.client_request));
                out.push((
                    leader,
                    Msg::Tx {
                        id: tx_id,
                        tx,
                        on_behalf_of,
                    },
                ));
            }
            None => self.reply(leader, id, previous, out),
        }
    }

    /// Answers the handler's client with `outcome`, retires the handler and
    /// hands the membership mutex to the next waiter if it held it.
    fn reply(&mut self, leader: NodeId, id: RequestId, outcome: Outcome, out: &mut Outbox) {
        let at = self.handlers.iter().position(|h| h.id == id).expect("live handler");
        let handler = self.handlers.remove(at);
        let response = Msg::Response {
            id: handler.client_request,
            outcome,
        };
        out.push((handler.client, response));
        if self.mutex_holder == Some(id) {
            self.mutex_holder = None;
            if let Some(next) = self.mutex_waiters.pop_front() {
                self.mutex_holder = Some(next);
                self.advance(leader, next, Ok(Answer::Done), out);
            }
        }
    }

    /// A crash: every handler and the mutex are gone.
    pub fn crash(&mut self) {
        *self = Member {
            next_id: self.next_id,
            ..Member::default()
        };
    }

    /// Whether this member holds a handler (for tests and traces).
    pub fn busy(&self) -> bool {
        !self.handlers.is_empty()
    }
}
