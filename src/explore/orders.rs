//! Every order: a stateful search over the orders in which pending events
//! can run, with state caching (stateright's model, on joinsim's model).
//!
//! The bounded exhaustive search (`strategy::exhaustive`) replays
//! schedules: sets of deviations from nominal timing. With three joins
//! shifted by different delays, no two of its schedules meet in one state
//! (times differ), so it cannot cache. This search drops time instead: at
//! every state, *any* pending event may run next, and a state is its
//! engine without times (node liveness, link counters, the pending events
//! as a set), the whole world and the checker. Two orders that reach the
//! same state explore its future once: the interleavings of independent
//! events, which the timed search enumerates one by one, close here into
//! diamonds.
//!
//! **What it covers.** When no handler reads the clock and no choice
//! changes what the model does (only when things happen), every run of the
//! timed engine is one path of this graph: its events run in some order,
//! and each is the same event whatever its time. So "no violation in any
//! order" covers every schedule of the timed search, at every bound and
//! with every delay, not only its representative values. It also covers
//! orders no timing produces: a start timer (a joiner's jitter, an
//! admin's start) may fire before events that come first in any real
//! timing. A violation found here is therefore a candidate until a timed
//! run shows it; `orderable` says when the search applies.
//!
//! **What it keeps.** One path (the indices of the events taken, in the
//! engine's order) to the first violation of each failure group, and the
//! counts: distinct states, events run (edges), edges into a state already
//! explored.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use super::campaign::failure_key;
use super::strategy::reduction::reducible;
use super::tally::FailureKey;
use crate::check::Violation;
use crate::scenario::Scenario;
use crate::state::RunState;

/// Why a scenario is outside the search over orders (`None`: inside):
/// something in it reads the clock, or a choice changes what happens.
pub fn unorderable(scenario: &Scenario) -> Option<&'static str> {
    let setup = &scenario.setup;
    let faults = &setup.step_faults;
    let network = &scenario.network;
    if !reducible(scenario) {
        return Some("partitions, request timeouts, leader changes, crashes or FIFO links");
    }
    if !scenario.pauses.is_empty() {
        return Some("pauses");
    }
    if !network.drop.is_never() || !network.duplicate.is_never() {
        return Some("lost or duplicated messages");
    }
    if !faults.random.is_never() || !faults.transaction.is_never() {
        return Some("random step errors or transaction faults");
    }
    if faults.mutex_handoff_any {
        return Some("a mutex handed to any waiter");
    }
    if setup.join_token_expiry_ticks.is_some() {
        return Some("a join token expiry");
    }
    None
}

/// The first violation of one failure group, and how to get there.
#[derive(Clone, Debug)]
pub struct Found {
    pub violation: Violation,
    /// The pending event taken at each step, as its index in the engine's
    /// order of the pending events (0: the one nominal timing runs first).
    pub path: Vec<u32>,
    /// Events run by the search before it (its first hit).
    pub after_events: u64,
    pub after: Duration,
}

/// What a search over orders found.
#[derive(Clone, Debug, Default)]
pub struct Orders {
    /// Distinct states reached (the initial one included).
    pub states: u64,
    /// Events run: edges of the graph explored.
    pub events: u64,
    /// Edges into a state already explored, whose future was not explored
    /// again.
    pub revisits: u64,
    /// The longest path explored, in events.
    pub depth: u64,
    /// Whether every state was explored (not stopped by `max_states`, and
    /// no path reached the scenario's event limit).
    pub complete: bool,
    /// A path reached the scenario's event limit.
    pub limit_hit: bool,
    pub failures: BTreeMap<FailureKey, Found>,
    pub elapsed: Duration,
}

impl Orders {
    /// The summary line a campaign prints.
    pub fn line(&self) -> String {
        let end = if self.complete {
            "complete".to_string()
        } else if self.limit_hit {
            "stopped: a path reached the event limit".to_string()
        } else {
            "stopped at the state limit".to_string()
        };
        let verdict = match (self.failures.len(), self.complete) {
            (0, true) => "; no violation in any order".to_string(),
            (0, false) => String::new(),
            (n, _) => format!("; {n} failure group(s)"),
        };
        format!(
            "every order: {} state(s), {} event(s) run, {} into states already explored, longest path {}, {end}{verdict}",
            self.states, self.events, self.revisits, self.depth
        )
    }
}

/// A state on the search's path, and the next pending event to take from it
/// (its last child takes the state itself rather than a copy).
struct Frame {
    state: Option<RunState>,
    next: usize,
    pending: usize,
}

/// Explores every order of `scenario`'s events, depth first, each distinct
/// state once, until done or `max_states` states.
pub fn every_order(scenario: &Scenario, max_states: u64) -> Orders {
    let started = Instant::now();
    let mut found = Orders::default();
    let mut seen = BTreeSet::new();
    let root = RunState::start(scenario);
    seen.insert(root.fingerprint());
    found.states = 1;
    let mut path: Vec<u32> = Vec::new();
    let mut stack = vec![Frame {
        pending: root.pending(),
        state: Some(root),
        next: 0,
    }];
    let max_events = scenario.limits.max_events;
    let mut stopped = false;
    while let Some(top) = stack.last_mut() {
        if top.next == top.pending {
            stack.pop();
            path.pop();
            continue;
        }
        let n = top.next;
        top.next += 1;
        let mut child = match n + 1 == top.pending {
            true => top.state.take(),
            false => top.state.clone(),
        }
        .expect("a frame keeps its state until its last child");
        found.events += 1;
        path.push(n as u32);
        let violations = child.step(n).to_vec();
        found.depth = found.depth.max(path.len() as u64);
        record(scenario, &mut found, violations, &path, started);
        let fresh = seen.insert(child.fingerprint());
        if !fresh {
            found.revisits += 1;
        } else if found.states >= max_states {
            stopped = true;
            break;
        }
        // A path at the scenario's event limit is not followed further
        // (and the search is not complete); the others are.
        let at_limit = child.events() >= max_events;
        found.limit_hit |= fresh && at_limit;
        let expand = fresh && !at_limit && child.pending() > 0;
        if fresh {
            found.states += 1;
            if child.pending() == 0 {
                record(scenario, &mut found, child.at_end(), &path, started);
            }
        }
        if expand {
            stack.push(Frame {
                pending: child.pending(),
                state: Some(child),
                next: 0,
            });
        } else {
            path.pop();
        }
    }
    found.complete = !stopped && !found.limit_hit;
    found.elapsed = started.elapsed();
    found
}

fn record(scenario: &Scenario, found: &mut Orders, violations: Vec<Violation>, path: &[u32], started: Instant) {
    for violation in violations {
        let key = failure_key(scenario, &violation);
        let events = found.events;
        found.failures.entry(key).or_insert_with(|| Found {
            violation,
            path: path.to_vec(),
            after_events: events,
            after: started.elapsed(),
        });
    }
}
