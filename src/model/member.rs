//! Cluster members: API handlers that turn a call into transactions sent to
//! the leader, and the leader, which runs transactions and serialises
//! membership changes under `clusterMembershipMutex`.

use std::collections::VecDeque;

use super::message::{Answer, Call, Msg, Outcome, RequestId, Tx};
use crate::sim::NodeId;

/// An API request in progress on a member.
#[derive(Clone, Debug)]
struct Handler {
    /// The id this member uses for its transactions (or the forwarded call).
    id: RequestId,
    client: NodeId,
    client_request: RequestId,
    call: Call,
    /// How many transactions have completed.
    stage: u8,
    /// Forwarded to the leader rather than handled here.
    forwarded: bool,
}

/// A member's volatile state: its in-flight handlers (and, on the leader,
/// the membership mutex). A crash loses all of it; the database does not
/// live here.
#[derive(Clone, Debug, Default)]
pub struct Member {
    handlers: Vec<Handler>,
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
        (Call::CreateClusterGroup { group }, 0) => Tx::CreateGroup { group: *group },
        (Call::DeleteClusterGroup { group }, 0) => Tx::DeleteGroup { group: *group },
        (Call::RenameClusterGroup { group, to }, 0) => Tx::RenameGroup { group: *group, to: *to },
        (Call::AssignClusterMember { member, group }, 0) => Tx::AddMemberToGroup {
            member: *member,
            group: *group,
            by_admin: true,
        },
        (Call::UpdateProject { project, key, value }, 0) => Tx::ValidateProjectChange {
            project: *project,
            key: *key,
            value: *value,
        },
        (Call::UpdateProject { project, .. }, 1) => match previous {
            Answer::Validated(config) => Tx::WriteProject {
                project: *project,
                config: config.clone(),
            },
            _ => unreachable!("projectChange validates before it writes"),
        },
        (Call::CreateStoragePool { pool }, 0) => Tx::CreatePendingPool { pool: *pool },
        (Call::CreateStoragePool { pool }, 1) => Tx::MarkPoolCreated { pool: *pool },
        (Call::CreateNetwork { network, project }, 0) => Tx::CreatePendingNetwork {
            network: *network,
            project: *project,
        },
        (Call::CreateNetwork { network, .. }, 1) => Tx::MarkNetworkCreated { network: *network },
        _ => return None,
    };
    Some(tx)
}

impl Member {
    /// A client's API request arrives at member `me`.
    pub fn on_request(
        &mut self,
        me: NodeId,
        leader: NodeId,
        client: NodeId,
        id: RequestId,
        call: Call,
        out: &mut Outbox,
    ) {
        self.next_id += 1;
        let handler = Handler {
            id: self.next_id,
            client,
            client_request: id,
            call,
            stage: 0,
            forwarded: false,
        };
        if handler.call.leader_only() && me != leader {
            out.push((
                leader,
                Msg::Request {
                    id: handler.id,
                    call: handler.call.clone(),
                },
            ));
            self.handlers.push(Handler {
                forwarded: true,
                ..handler
            });
            return;
        }
        let hid = handler.id;
        let needs_mutex = handler.call.takes_membership_mutex();
        self.handlers.push(handler);
        if needs_mutex && self.mutex_holder.is_some() {
            self.mutex_waiters.push_back(hid);
            return;
        }
        if needs_mutex {
            self.mutex_holder = Some(hid);
        }
        self.advance(leader, hid, Ok(Answer::Done), out);
    }

    /// The leader answered a transaction or a forwarded call.
    pub fn on_answer(&mut self, leader: NodeId, id: RequestId, outcome: Outcome, out: &mut Outbox) {
        let Some(handler) = self.handlers.iter_mut().find(|h| h.id == id) else {
            return; // a duplicate, or an answer to a handler lost in a crash
        };
        if handler.forwarded {
            return self.reply(leader, id, outcome, out);
        }
        handler.stage += 1;
        self.advance(leader, id, outcome, out);
    }

    /// Runs the handler's next transaction, or replies when it is done.
    fn advance(&mut self, leader: NodeId, id: RequestId, previous: Outcome, out: &mut Outbox) {
        let handler = self.handlers.iter().find(|h| h.id == id).expect("live handler");
        let next = match &previous {
            Ok(answer) => transaction(&handler.call, handler.stage, answer),
            Err(_) => None,
        };
        match next {
            Some(tx) => out.push((leader, Msg::Tx { id, tx })),
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

    /// Whether this member holds a handler (for tests and traces).
    pub fn busy(&self) -> bool {
        !self.handlers.is_empty()
    }
}
