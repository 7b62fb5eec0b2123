//! Cluster members: API handlers that turn a call into transactions sent to
//! the leader (or into a request forwarded to it), and the leader, which
//! runs transactions and serialises membership changes under
//! `clusterMembershipMutex`.

use std::collections::VecDeque;

use super::message::{Answer, ApiError, Call, Msg, Outcome, RequestId, Tx};
use super::names::Sym;
use crate::sim::NodeId;

/// What a handler does next: a transaction on the leader, or the client
/// request it forwards to another daemon (the leader, or the member a
/// request is about).
#[derive(Clone, Debug, PartialEq, Hash)]
enum Work {
    Transaction(Tx),
    Forward(NodeId, Call),
}

/// An API request in progress on a member.
#[derive(Clone, Debug, Hash)]
struct Handler {
    /// The handler's own number (the membership mutex names it).
    id: RequestId,
    /// The transaction or forwarded request in flight: each gets a fresh
    /// id, so that a late answer to an earlier one is not taken for it.
    awaiting: Option<RequestId>,
    client: NodeId,
    client_request: RequestId,
    call: Call,
    /// How many transactions (or forwards) have completed.
    stage: u8,
    /// A member that is not the leader forwards this call to it.
    forwarding: bool,
}

/// A member's volatile state: its in-flight handlers (and, on the leader,
/// the membership mutex). A crash loses it; the database does not live
/// here.
#[derive(Clone, Debug, Hash)]
pub struct Member {
    handlers: Vec<Handler>,
    /// Kept across crashes, so that an answer meant for a handler lost in a
    /// crash never matches a new one.
    next_id: RequestId,
    mutex_holder: Option<RequestId>,
    mutex_waiters: VecDeque<RequestId>,
    /// How often the mutex was released (numbers the hand-off choices).
    releases: u32,
    /// The mutex was released while handlers waited: who gets it is the
    /// caller's to draw ([`Member::hand_off`]).
    handoff_due: bool,
    /// This member's own node number.
    me: NodeId,
    /// The name this daemon knows itself by (`s.ServerName`), which
    /// `cluster.ResolveTarget` compares a target with before any
    /// transaction (internal/server/cluster/resolve.go:14-16 at v6.0.4 and
    /// at be7afc5df3).
    server_name: Sym,
}

/// What a member asks its caller to send.
pub type Outbox = Vec<(NodeId, Msg)>;

/// `clusterNodeDelete` on a member that is not the leader
/// (api_cluster.go:2222-2284 at be7afc5df3): one transaction reading the
/// local and the leader's member rows, then the request forwarded to the
/// leader with the member's own client; its answer is the answer.
fn forwarding_work(call: &Call, stage: u8, leader: NodeId) -> Option<Work> {
    match stage {
        0 => Some(Work::Transaction(Tx::Read)),
        1 => Some(Work::Forward(leader, call.clone())),
        _ => None,
    }
}

/// `forwardedResponseToNode` (cmd/incusd/response.go:13-31 at v6.0.4,
/// :12-30 at be7afc5df3), which `clusterNodePost` runs first
/// (api_cluster.go:1844 at v6.0.4, :2127 at be7afc5df3): a request about
/// member X is answered by X's own daemon. On X itself `ResolveTarget`
/// answers "local" without a transaction (resolve.go:14-16); elsewhere its
/// transaction finds X's address (`Answer::Resolved`), and the request
/// goes there with the member's own client, whose answer is the answer
/// (response.go:21-27). So a rename of a joining member runs on the
/// joiner's daemon, between the steps of its own join.
fn forwarded_to_member(call: &Call, stage: u8, previous: &Answer, me: NodeId) -> Option<Work> {
    let Answer::Resolved(node) = previous else {
        return None;
    };
    (call.forwarded_to_member() && stage == 1 && *node != me).then(|| Work::Forward(*node, call.clone()))
}

/// Whether `call` names this daemon itself (`ResolveTarget`'s shortcut:
/// resolve.go:14-16), so that it runs here with no resolve transaction.
/// The member a forwarded call names is the one its first transaction
/// resolves.
fn about_this_member(call: &Call, server_name: Sym) -> bool {
    call.forwarded_to_member()
        && matches!(
            super::handler::transaction(call, 0, &Answer::Done),
            Some(Tx::ResolveMember { member }) if member == server_name
        )
}

/// The first request id of a joiner's daemon's API handlers: far above the
/// ids its own join uses (one per request), so that an answer finds its
/// way to the one or the other.
const JOINER_API_FIRST_ID: RequestId = 1 << 30;

/// Whether a joiner's message `id` is its daemon's API handler's (a
/// forwarded request it serves), not its join's.
pub fn joiner_api_id(id: RequestId) -> bool {
    id >= JOINER_API_FIRST_ID
}

impl Member {
    pub fn new(me: NodeId, server_name: Sym) -> Member {
        Member {
            handlers: Vec::new(),
            next_id: 0,
            mutex_holder: None,
            mutex_waiters: VecDeque::new(),
            releases: 0,
            handoff_due: false,
            me,
            server_name,
        }
    }

    /// The API of a joiner's daemon, which serves requests forwarded to it
    /// once it is a member (a rename of itself: [`forwarded_to_member`]).
    pub fn serving_joiner(me: NodeId, server_name: Sym) -> Member {
        Member {
            next_id: JOINER_API_FIRST_ID,
            ..Member::new(me, server_name)
        }
    }

    /// Whether transaction or forward `id` is one of this API's handlers'.
    pub fn awaits(&self, id: RequestId) -> bool {
        self.handlers.iter().any(|h| h.awaiting == Some(id))
    }

    /// A client's API request arrives at member `me`. Accept and rebalance
    /// on a member that is not the leader answer with a redirect to it
    /// (`SyncResponseRedirect`), which the client follows; member delete is
    /// forwarded; a heartbeat is answered at once.
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
        if call.redirected_to_leader() && me != leader {
            let outcome = Ok(Answer::Redirect(leader));
            out.push((client, Msg::Response { id, outcome }));
            return;
        }
        if call == Call::Heartbeat {
            out.push((
                client,
                Msg::Response {
                    id,
                    outcome: Ok(Answer::Done),
                },
            ));
            return;
        }
        let hid = self.fresh_id();
        let forwarding = call.forwarded_to_leader() && me != leader;
        let needs_mutex = call.takes_membership_mutex() && !forwarding;
        self.handlers.push(Handler {
            id: hid,
            awaiting: None,
            client,
            client_request: id,
            call,
            stage: 0,
            forwarding,
        });
        if needs_mutex && self.mutex_holder.is_some() {
            self.mutex_waiters.push_back(hid);
            return;
        }
        if needs_mutex {
            self.mutex_holder = Some(hid);
        }
        if about_this_member(&self.handlers.last().expect("pushed").call, self.server_name) {
            let handler = self.handlers.last_mut().expect("pushed");
            handler.stage = 1;
            return self.advance(leader, hid, Ok(Answer::Resolved(me)), out);
        }
        self.advance(leader, hid, Ok(Answer::Done), out);
    }

    fn fresh_id(&mut self) -> RequestId {
        self.next_id += 1;
        self.next_id
    }

    /// The leader answered transaction (or forwarded request) `id`.
    pub fn on_answer(&mut self, leader: NodeId, id: RequestId, outcome: Outcome, out: &mut Outbox) {
        let Some(handler) = self.handlers.iter_mut().find(|h| h.awaiting == Some(id)) else {
            return; // an answer to a handler lost in a crash
        };
        handler.awaiting = None;
        handler.stage += 1;
        let hid = handler.id;
        self.advance(leader, hid, outcome, out);
    }

    /// Runs the handler's next transaction or forward, or replies when it
    /// is done (or failed).
    fn advance(&mut self, leader: NodeId, id: RequestId, previous: Outcome, out: &mut Outbox) {
        let at = self.handlers.iter().position(|h| h.id == id).expect("live handler");
        let handler = &self.handlers[at];
        let next = match &previous {
            Ok(_) if handler.forwarding => forwarding_work(&handler.call, handler.stage, leader),
            Ok(answer) => forwarded_to_member(&handler.call, handler.stage, answer, self.me)
                .or_else(|| super::handler::transaction(&handler.call, handler.stage, answer).map(Work::Transaction)),
            Err(_) => None,
        };
        let Some(work) = next else {
            let previous = self.accepted_on_deposed_leader(leader, id, previous);
            return self.reply(id, previous, out);
        };
        let work_id = self.fresh_id();
        let handler = &mut self.handlers[at];
        handler.awaiting = Some(work_id);
        let (to, msg) = match work {
            Work::Transaction(tx) => (
                leader,
                Msg::Tx {
                    id: work_id,
                    tx,
                    on_behalf_of: Some((handler.client, handler.client_request)),
                },
            ),
            Work::Forward(to, call) => (to, Msg::Request { id: work_id, call }),
        };
        out.push((to, msg));
    }

    /// `cluster.Accept` on a member that lost leadership while it ran: the
    /// pending row committed, then `currentRaftNodes` fails (membership.go:
    /// 271-275; gateway.go:915, 924-935 at be7afc5df3), and the accept
    /// answers with that error (api_cluster.go:2516-2518).
    fn accepted_on_deposed_leader(&self, leader: NodeId, id: RequestId, outcome: Outcome) -> Outcome {
        let handler = self.handlers.iter().find(|h| h.id == id).expect("live handler");
        let accept = matches!(handler.call, Call::ClusterAccept { .. }) && !handler.forwarding;
        if accept && outcome.is_ok() && leader != self.me {
            return Err(ApiError::new("Failed to get raft nodes from the log: Not leader"));
        }
        outcome
    }

    /// Answers the handler's client with `outcome`, retires the handler and
    /// releases the membership mutex if it held it (the caller hands it on:
    /// [`Member::pending_handoff`]).
    fn reply(&mut self, id: RequestId, outcome: Outcome, out: &mut Outbox) {
        let at = self.handlers.iter().position(|h| h.id == id).expect("live handler");
        let handler = self.handlers.remove(at);
        let response = Msg::Response {
            id: handler.client_request,
            outcome,
        };
        out.push((handler.client, response));
        if self.mutex_holder == Some(id) {
            self.mutex_holder = None;
            self.releases += 1;
            self.handoff_due = !self.mutex_waiters.is_empty();
        }
    }

    /// The mutex was released while handlers wait: the release's number
    /// and how many wait.
    pub fn pending_handoff(&self) -> Option<(u32, usize)> {
        self.handoff_due.then_some((self.releases, self.mutex_waiters.len()))
    }

    /// Gives the released mutex to the `pick`-th waiter (0: the first to
    /// wait) and runs its handler on.
    pub fn hand_off(&mut self, leader: NodeId, pick: usize, out: &mut Outbox) {
        self.handoff_due = false;
        let Some(next) = self.mutex_waiters.remove(pick) else {
            return;
        };
        self.mutex_holder = Some(next);
        self.advance(leader, next, Ok(Answer::Done), out);
    }

    /// A crash: every handler and the mutex are gone.
    pub fn crash(&mut self) {
        *self = Member {
            next_id: self.next_id,
            ..Member::new(self.me, self.server_name)
        };
    }

    /// Whether this member holds a handler (for tests and traces).
    pub fn busy(&self) -> bool {
        !self.handlers.is_empty()
    }
}
