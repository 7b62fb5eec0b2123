//! How requests and transactions travel: each on a TCP connection, as
//! Incus's HTTP client and the cowsql driver use them. A connection does not
//! lose or duplicate what it carries (the engine holds messages across a
//! partition, see `Model::on_connection`); it *fails*, and the client sees
//! an error, when:
//! - the server is down when the client connects: connection refused;
//! - the server crashes before it answered: the connection closes (EOF);
//! - the network breaks it (the scenario's `drop` ratio, drawn per request
//!   and per answer): connection reset by peer;
//! - a partition outlasts TCP keepalive (an open connection) or the dial
//!   timeout (a new one).
//!
//! The Incus HTTP client has no overall timeout: `http.Client{}` without
//! `Timeout`, a one-hour `ResponseHeaderTimeout` (client/util.go:36-44 at
//! be7afc5df3), a 10 s dial timeout and a 3 s keepalive period
//! (shared/tls/tls.go:101-103, 160-166). So a slow answer is waited for.
//! A transaction whose connection to the leader breaks fails with `driver:
//! bad connection`, which `query.Retry` retries after ~100 ms, up to 250
//! times (internal/server/db/query/retry.go:20-58, 92).
//!
//! The model reads one tick as one millisecond.

use super::World;
pub use super::message::Failure;
use super::message::{ApiError, Call, Msg, RequestId, Timer, Tx};
use super::names::Names;
use crate::sim::{Ctx, Label, NetworkConfig, NodeId, TimerId};

/// Virtual ticks in a second of Incus time.
pub const TICKS_PER_SECOND: u64 = 1000;
/// `net.Dialer{Timeout: 10 * time.Second}` (shared/tls/tls.go:101-103).
pub const DIAL_TIMEOUT_TICKS: u64 = 10 * TICKS_PER_SECOND;
/// Keepalive after 3 s idle, then a probe every 3 s
/// (`SetKeepAlivePeriod(3 * time.Second)`, shared/tls/tls.go:164-165);
/// Linux gives up after 9 unanswered probes (`tcp_keepalive_probes`).
pub const KEEPALIVE_FAILURE_TICKS: u64 = 3 * TICKS_PER_SECOND + 9 * 3 * TICKS_PER_SECOND;
/// `query.Retry`'s pause between attempts: 100 ms, jittered by ±80%
/// (retry.go:57); the model takes the mean.
pub const TRANSACTION_RETRY_TICKS: u64 = TICKS_PER_SECOND / 10;
/// `maxRetries` (retry.go:20).
pub const TRANSACTION_MAX_ATTEMPTS: u16 = 250;
/// `HeartbeatNode`'s client timeout (internal/server/cluster/heartbeat.go,
/// `timeout := 2 * time.Second`).
pub const HEARTBEAT_TIMEOUT_TICKS: u64 = 2 * TICKS_PER_SECOND;
/// `EventListenerWait`'s deadline in `cluster.Connect` (connect.go:38).
pub const EVENT_WAIT_TICKS: u64 = 10 * TICKS_PER_SECOND;
/// The port in the addresses of connection errors (Incus's default).
pub const PORT: u16 = 8443;

/// What a connection carries.
#[derive(Clone, Debug, PartialEq, Hash)]
pub enum Carries {
    Http(Call),
    /// A transaction, with how many times it was sent.
    Database {
        tx: Tx,
        attempt: u16,
        on_behalf_of: Option<(NodeId, RequestId)>,
    },
}

/// One request or transaction in flight.
#[derive(Clone, Debug, Hash)]
pub struct Connection {
    pub client: NodeId,
    pub server: NodeId,
    pub id: RequestId,
    pub carries: Carries,
    /// The server sent its answer (it is in flight, or delivered).
    pub replied: bool,
    /// The timer that fails this connection when a partition outlasts
    /// keepalive or the dial timeout.
    deadline: Option<TimerId>,
}

/// The connections in flight. Each is found by its client and request id;
/// the keys are kept apart, in the same order, so that finding one scans a
/// few bytes per connection, not whole requests: a heartbeat round has one
/// connection per member open at once.
#[derive(Clone, Debug, Default)]
pub struct Connections {
    keys: Vec<(NodeId, RequestId)>,
    open: Vec<Connection>,
}

/// As a set, by key: which connections are open, not the order in which
/// `swap_remove` left them (two orders of the same events leave them in
/// different orders). The order matters only to `connections_on_crash`,
/// and the search that fingerprints states by `Hash` (over orders) runs
/// no crashes.
impl std::hash::Hash for Connections {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let mut at: Vec<usize> = (0..self.keys.len()).collect();
        at.sort_unstable_by_key(|&i| self.keys[i]);
        state.write_usize(at.len());
        for i in at {
            self.open[i].hash(state);
        }
    }
}

impl Connections {
    fn push(&mut self, connection: Connection) {
        self.keys.push((connection.client, connection.id));
        self.open.push(connection);
    }

    fn position(&self, client: NodeId, id: RequestId) -> Option<usize> {
        self.keys.iter().position(|&key| key == (client, id))
    }

    fn swap_remove(&mut self, at: usize) -> Connection {
        self.keys.swap_remove(at);
        self.open.swap_remove(at)
    }

    fn retain(&mut self, keep: impl Fn(&Connection) -> bool) {
        self.open.retain(keep);
        self.keys = self.open.iter().map(|c| (c.client, c.id)).collect();
    }

    fn iter(&self) -> std::slice::Iter<'_, Connection> {
        self.open.iter()
    }
}

impl std::ops::Index<usize> for Connections {
    type Output = Connection;
    fn index(&self, at: usize) -> &Connection {
        &self.open[at]
    }
}

impl std::ops::IndexMut<usize> for Connections {
    fn index_mut(&mut self, at: usize) -> &mut Connection {
        &mut self.open[at]
    }
}

/// When a partition between `client` and `server` fails a connection opened
/// at `now`, if one does: a partition standing at `now` must outlast the
/// dial timeout, one that starts later must outlast keepalive.
pub fn partition_deadline(network: &NetworkConfig, client: NodeId, server: NodeId, now: u64) -> Option<(u64, Failure)> {
    network
        .partitions
        .iter()
        .filter(|p| p.until_tick > now && (p.cuts(client, server, p.from_tick.max(now))))
        .filter_map(|p| {
            let start = p.from_tick.max(now);
            let (limit, failure) = if start == now {
                (DIAL_TIMEOUT_TICKS, Failure::DialTimeout)
            } else {
                (KEEPALIVE_FAILURE_TICKS, Failure::KeepaliveTimeout)
            };
            let fails_at = start + limit;
            (p.until_tick > fails_at).then_some((fails_at, failure))
        })
        .min_by_key(|&(tick, _)| tick)
}

/// The error Go's HTTP client returns for a failed connection, as Incus
/// passes it on: a `url.Error` ("Post \"https://...\": cause") around the
/// dialer's error (shared/tls/tls.go:157, `connectErrorPrefix`) or the
/// socket's.
pub fn http_error(names: &Names, call: &Call, client: NodeId, server: NodeId, failure: Failure) -> String {
    let (method, path) = call.http(names);
    let op = format!("{}{}", &method[..1], method[1..].to_lowercase());
    let (client, server) = (names.node_str(client), names.node_str(server));
    let cause = match failure {
        Failure::Refused => {
            format!("Unable to connect to: {server}:{PORT} ([dial tcp {server}:{PORT}: connect: connection refused])")
        }
        Failure::DialTimeout => {
            format!("Unable to connect to: {server}:{PORT} ([dial tcp {server}:{PORT}: i/o timeout])")
        }
        Failure::ServerGone => "EOF".to_string(),
        Failure::Reset => format!("read tcp {client}->{server}:{PORT}: read: connection reset by peer"),
        Failure::KeepaliveTimeout => format!("read tcp {client}->{server}:{PORT}: read: connection timed out"),
        Failure::MissingEventConnection => return "Missing event connection with target cluster member".to_string(),
    };
    format!("{op} \"https://{server}:{PORT}{path}\": {cause}")
}

/// database/sql's `driver.ErrBadConn`, which `query.Retry` retries.
pub const BAD_CONNECTION: &str = "driver: bad connection";

impl World {
    /// Sends `msg` from `from` to `to` on its connection: a request or a
    /// transaction opens one, an answer goes back on the one it answers.
    pub(super) fn transmit(&mut self, ctx: &mut Ctx<'_, World>, from: NodeId, to: NodeId, msg: Msg) {
        match msg {
            Msg::Request { id, call } => self.open(ctx, from, to, id, Carries::Http(call)),
            Msg::Tx { id, tx, on_behalf_of } => {
                let carries = Carries::Database {
                    tx,
                    attempt: 1,
                    on_behalf_of,
                };
                self.open(ctx, from, to, id, carries)
            }
            answer @ (Msg::Response { .. } | Msg::TxResult { .. }) => self.reply(ctx, from, to, answer),
        }
    }

    fn open(&mut self, ctx: &mut Ctx<'_, World>, client: NodeId, server: NodeId, id: RequestId, carries: Carries) {
        let http = matches!(carries, Carries::Http(_));
        let deadline = if http {
            partition_deadline(ctx.network(), client, server, ctx.now())
                .map(|(tick, failure)| ctx.set_timer(client, tick - ctx.now(), Timer::ConnectionFailed { id, failure }))
        } else {
            None
        };
        self.connections.push(Connection {
            client,
            server,
            id,
            carries,
            replied: false,
            deadline,
        });
        self.send_on(ctx, client, server, id);
    }

    /// Sends (or re-sends) what connection `(client, id)` carries, unless
    /// the server is down or the network breaks the connection.
    fn send_on(&mut self, ctx: &mut Ctx<'_, World>, client: NodeId, server: NodeId, id: RequestId) {
        let at = self.connection_at(client, id).expect("an open connection");
        let http = matches!(self.connections[at].carries, Carries::Http(_));
        if !ctx.is_up(server) {
            if self.waits_for_events(client, &self.connections[at].carries) {
                let failure = Failure::MissingEventConnection;
                ctx.set_timer(client, EVENT_WAIT_TICKS, Timer::ConnectionFailed { id, failure });
                return;
            }
            return self.fail_soon(ctx, client, id, Failure::Refused);
        }
        if http && self.breaks(ctx, (client, server), super::choice::connection_break(client, id, 0)) {
            return self.fail_soon(ctx, client, id, Failure::Reset);
        }
        let msg = match &self.connections[at].carries {
            Carries::Http(call) => Msg::Request { id, call: call.clone() },
            Carries::Database { tx, on_behalf_of, .. } => Msg::Tx {
                id,
                tx: tx.clone(),
                on_behalf_of: *on_behalf_of,
            },
        };
        ctx.send(client, server, msg);
    }

    /// Whether a member connects with `cluster.Connect(..., notify=false)`,
    /// which first waits for an event connection to the server: the
    /// forward of a member delete (api_cluster.go:2269).
    fn waits_for_events(&self, client: NodeId, carries: &Carries) -> bool {
        let member = matches!(self.setup.roles[usize::from(client)], super::Role::Member);
        member && matches!(carries, Carries::Http(call) if call.forwarded_to_leader())
    }

    /// Whether the network breaks a connection here (the scenario's drop
    /// ratio, while network faults last).
    fn breaks(&self, ctx: &mut Ctx<'_, World>, (a, b): (NodeId, NodeId), label: Label) -> bool {
        let network = ctx.network();
        let faulty = a != b && ctx.now() < network.faults_until_tick && !network.drop.is_never();
        let ratio = network.drop;
        faulty && ctx.flip(label, ratio)
    }

    /// The client learns of a failed connection one network hop later.
    fn fail_soon(&mut self, ctx: &mut Ctx<'_, World>, client: NodeId, id: RequestId, failure: Failure) {
        let after = ctx.network().delay_min_ticks;
        ctx.set_timer(client, after, Timer::ConnectionFailed { id, failure });
    }

    fn reply(&mut self, ctx: &mut Ctx<'_, World>, server: NodeId, client: NodeId, answer: Msg) {
        let id = match &answer {
            Msg::Response { id, .. } | Msg::TxResult { id, .. } => *id,
            _ => unreachable!("only answers are replies"),
        };
        let Some(at) = self.connection_at(client, id) else {
            return; // the client gave up on it, or crashed
        };
        let connection = &mut self.connections[at];
        connection.replied = true;
        let http = matches!(connection.carries, Carries::Http(_));
        if http && self.breaks(ctx, (server, client), super::choice::connection_break(client, id, 1)) {
            return self.fail_soon(ctx, client, id, Failure::Reset);
        }
        ctx.send(server, client, answer);
    }

    fn connection_at(&self, client: NodeId, id: RequestId) -> Option<usize> {
        self.connections.position(client, id)
    }

    /// The answer to `(client, id)` arrived: the connection closes. False
    /// when it had already failed (the client was told so).
    pub(super) fn close(&mut self, ctx: &mut Ctx<'_, World>, client: NodeId, id: RequestId) -> bool {
        let Some(at) = self.connection_at(client, id) else {
            return false;
        };
        let connection = self.connections.swap_remove(at);
        if let Some(timer) = connection.deadline {
            ctx.cancel_timer(timer);
        }
        true
    }

    /// A connection failed: an HTTP client gets the error Go's client
    /// returns; a transaction is retried, as `query.Retry` does on a bad
    /// connection, until its attempts run out.
    pub(super) fn connection_failed(
        &mut self,
        ctx: &mut Ctx<'_, World>,
        client: NodeId,
        id: RequestId,
        failure: Failure,
    ) {
        let Some(at) = self.connection_at(client, id) else {
            return; // answered meanwhile
        };
        let connection = &self.connections[at];
        let error = match &connection.carries {
            Carries::Http(call) => http_error(&self.setup.names, call, client, connection.server, failure),
            Carries::Database { attempt, .. } if *attempt < TRANSACTION_MAX_ATTEMPTS => {
                ctx.set_timer(client, TRANSACTION_RETRY_TICKS, Timer::RetryTransaction { id });
                return;
            }
            Carries::Database { .. } => BAD_CONNECTION.to_string(),
        };
        self.close(ctx, client, id);
        self.answer(ctx, client, id, Err(ApiError::new(error)));
    }

    /// `query.Retry` sends transaction `(client, id)` again, to the leader
    /// of the moment.
    pub(super) fn retry_transaction(&mut self, ctx: &mut Ctx<'_, World>, client: NodeId, id: RequestId) {
        let Some(at) = self.connection_at(client, id) else {
            return;
        };
        let leader = self.leader;
        let connection = &mut self.connections[at];
        if let Carries::Database { attempt, .. } = &mut connection.carries {
            *attempt += 1;
            connection.server = leader;
        }
        let server = connection.server;
        self.send_on(ctx, client, server, id);
    }

    /// The attempt number of transaction `(client, id)` (1 for the first;
    /// 1 as well when it is not a transaction in flight).
    pub(super) fn transaction_attempt(&self, client: NodeId, id: RequestId) -> u16 {
        match self.connection_at(client, id).map(|at| &self.connections[at].carries) {
            Some(Carries::Database { attempt, .. }) => *attempt,
            _ => 1,
        }
    }

    /// The leader's side of transaction `(client, id)` failed without an
    /// answer (busy, answer lost, not the leader any more): the client's
    /// driver reports a bad connection one hop later, and `query.Retry`
    /// retries.
    pub(super) fn break_transaction(&mut self, ctx: &mut Ctx<'_, World>, client: NodeId, id: RequestId) {
        if self.connection_at(client, id).is_some() {
            self.fail_soon(ctx, client, id, Failure::Reset);
        }
    }

    /// Node `node` crashed: its own connections are gone; those it served
    /// and had not answered fail for their clients.
    pub(super) fn connections_on_crash(&mut self, ctx: &mut Ctx<'_, World>, node: NodeId) {
        self.connections.retain(|c| c.client != node);
        let broken: Vec<(NodeId, RequestId)> = self
            .connections
            .iter()
            .filter(|c| c.server == node && !c.replied)
            .map(|c| (c.client, c.id))
            .collect();
        for (client, id) in broken {
            self.fail_soon(ctx, client, id, Failure::ServerGone);
        }
    }
}
