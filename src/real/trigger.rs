//! A trigger on the real cluster: the admin polls, through the member it
//! talks to, about once a millisecond, until the join reaches the state
//! (`TriggerState`, the same key the model observes once a tick). A pending
//! row is not in `GET /1.0/cluster/members` (it lists non-pending members
//! only), so both row states are read as `incus admin sql global` reads
//! them: `POST /internal/sql`, by the joiner's address (a rename keeps it).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;

use super::api::Api;
use super::network;
use crate::model::admin::{AdminPlan, TriggerState};

/// `nodes.state` of a pending member (internal/server/db/node.go at v6.0.4:
/// `ClusterMemberStatePending = 1`).
const STATE_PENDING: i64 = 1;

/// A trigger ready to wait on.
pub struct Trigger {
    state: TriggerState,
    api: Api,
    address: String,
    /// Set by the joiner's thread when it sends its join request.
    started: Arc<AtomicBool>,
    /// Set by the joiner's thread when its join has ended.
    ended: Arc<AtomicBool>,
}

impl Trigger {
    pub fn new(plan: &AdminPlan, api: Api, started: Arc<AtomicBool>, ended: Arc<AtomicBool>) -> Option<Trigger> {
        let t = plan.trigger?;
        Some(Trigger {
            state: t.state,
            api,
            address: network::https_address(usize::from(t.joiner)),
            started,
            ended,
        })
    }

    /// Waits until the state is seen (`true`), or the join ends without it,
    /// or the deadline passes (`false`: the admin gives up, as the model's).
    pub fn wait(&self, deadline: Instant) -> bool {
        while Instant::now() < deadline {
            if self.seen() {
                return true;
            }
            if self.ended.load(Ordering::SeqCst) {
                return self.seen();
            }
            std::thread::sleep(Duration::from_micros(500));
        }
        false
    }

    fn seen(&self) -> bool {
        match self.state {
            TriggerState::JoinStarted => self.started.load(Ordering::SeqCst),
            TriggerState::PendingMember => self.row_state().is_some_and(|s| s == STATE_PENDING),
            TriggerState::FullMember => self.row_state().is_some_and(|s| s != STATE_PENDING),
        }
    }

    /// The `state` of the joiner's row in the cluster database, if any.
    fn row_state(&self) -> Option<i64> {
        let query = format!("SELECT state FROM nodes WHERE address = '{}'", self.address);
        let body = json!({"database": "global", "query": query});
        let answer = self.api.poll_post("/internal/sql", &body).ok()?;
        answer.metadata()["Results"][0]["rows"][0][0].as_i64()
    }
}
