//! Every order: a stateful search over the orders in which pending events
//! can run, with state caching (stateright's model, on joinsim's model).
//!
//! The bounded exhaustive search (`strategy::exhaustive`) replays
//! schedules: sets of deviations from nominal timing. With three joins
//! shifted by different delays, two of its schedules meet in one state
//! only once the shifted events have all run (times differ until then),
//! so its cache bites late. This search drops time instead: at
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
//! **Within a bound** (`within_deviations`): the orders with at most K
//! picks other than the first pending event, the one nominal timing runs
//! next. Which event that is depends on the pending events' times, so
//! there a state also holds them, relative to now. A violation found is a
//! candidate in the same sense: taking an event first may run it before
//! any timing within the scenario's delays would.
//!
//! **What it keeps.** One path (the indices of the events taken, in the
//! engine's order) to the first violation of each failure group, and the
//! counts: distinct states, events run (edges), edges into a state already
//! explored.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::campaign::failure_key;
use super::strategy::reduction::reducible;
use super::tally::FailureKey;
use super::visited::Visited;
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
    /// Distinct states recorded (the initial one included): every state
    /// reached, but in a bounded search's tails only every `TAIL_STRIDE`
    /// events.
    pub states: u64,
    /// Events run: edges of the graph explored.
    pub events: u64,
    /// Edges into a state already explored, whose future was not explored
    /// again.
    pub revisits: u64,
    /// Edges into a state already explored with fewer deviations left,
    /// explored again (bounded search only).
    pub reexplored: u64,
    /// The deviation bound (`None`: every order).
    pub bound: Option<u32>,
    /// States passed through without being recorded: in a schedule's tail,
    /// between two recorded ones (`TAIL_STRIDE`).
    pub unrecorded: u64,
    /// Schedules run: the nominal one, and one per deviation taken (each
    /// goes on nominally from there until it meets a state already
    /// explored or ends).
    pub schedules: u64,
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
        let Some(bound) = self.bound else {
            return format!(
                "every order: {} state(s), {} event(s) run, {} into states already explored, longest path {}, {end}{verdict}",
                self.states, self.events, self.revisits, self.depth
            );
        };
        format!(
            "orders within {bound} deviation(s): {} schedule(s), {} state(s) recorded ({} explored again with more deviations left; {} more passed in tails), {} event(s) run, {} into states already explored, {end}{}",
            self.schedules,
            self.states,
            self.reexplored,
            self.unrecorded,
            self.events,
            self.revisits,
            verdict.replace("in any order", "in any of them")
        )
    }
}

/// A state on the search's path, and the next pending event to take from it
/// (its last child takes the state itself rather than a copy).
struct Frame {
    state: Option<RunState>,
    next: usize,
    /// The children to take: every pending event, or only the first when
    /// no deviation is left.
    end: usize,
    /// Deviations still allowed below this state (`u32::MAX`: no bound).
    budget: u32,
}

impl Frame {
    /// The pending event the `k`-th child takes. Within a bound, the
    /// nominal event goes last: the search then tries deviations in the
    /// order of the run, earliest first, instead of from the end of the
    /// nominal run backwards. On the 3-joiner race this finds groups-first's
    /// race (an admin's group created between a joiner's groups read and
    /// its projects read, early in the run) after 12,803 events instead of
    /// 16,631, for the same time to exhaust a bound.
    fn pick(&self, k: usize) -> usize {
        match self.budget {
            u32::MAX => k,
            _ => (k + 1) % self.end,
        }
    }

    fn new(state: RunState, budget: u32) -> Frame {
        let end = if budget == 0 {
            state.pending().min(1)
        } else {
            state.pending()
        };
        Frame {
            state: Some(state),
            next: 0,
            end,
            budget,
        }
    }
}

/// Within a bound, a state with no deviation left is recorded (and looked
/// up) only every `TAIL_STRIDE` events. Such a state has one child, the
/// nominal event, so its schedule's tail is a single path: recording every
/// state on it only finds a meeting with a state already explored a few
/// events sooner. Whether a state is recorded depends on the events run to
/// reach it, the same in every order that reaches it, so two tails that
/// meet still meet on a recorded state. Fingerprints are most of the cost
/// of a state: on the 3-joiner race this halves the time of bound 2.
const TAIL_STRIDE: u64 = 8;

/// Whether the search records a state reached with `budget` deviations
/// left after `events` events, `pending` of them pending (see
/// `TAIL_STRIDE`): always without a bound, at the end of a run and at the
/// event limit.
pub fn recorded(budget: u32, events: u64, pending: usize, max_events: u64) -> bool {
    budget > 0 || events.is_multiple_of(TAIL_STRIDE) || pending == 0 || events >= max_events
}

/// Explores every order of `scenario`'s events, depth first, each distinct
/// state once, until done or `max_states` states.
pub fn every_order(scenario: &Scenario, max_states: u64) -> Orders {
    search(scenario, max_states, None)
}

/// Explores every order with at most `bound` deviations: a deviation runs a
/// pending event other than the first (the one nominal timing runs
/// first), so the domain of each deviation is every position among the
/// queued events, not a few representative delays. A state here includes
/// its pending events' times relative to now (which event is nominal
/// depends on them), and is explored again only when reached with more
/// deviations left than before. "No violation" means none in any order of
/// at most `bound` deviations.
pub fn within_deviations(scenario: &Scenario, bound: u32, max_states: u64) -> Orders {
    search(scenario, max_states, Some(bound))
}

fn search(scenario: &Scenario, max_states: u64, bound: Option<u32>) -> Orders {
    let started = Instant::now();
    let mut found = Orders {
        bound,
        schedules: 1,
        ..Orders::default()
    };
    // Within a bound, which pick is nominal depends on the pending
    // events' times: the state includes them, relative to now.
    let fingerprint = |state: &RunState| match bound {
        None => state.fingerprint(),
        Some(_) => state.fingerprint_timed(),
    };
    // Each state, with the most deviations left it was explored with.
    let mut seen = Visited::default();
    let root = RunState::start(scenario);
    let budget = bound.unwrap_or(u32::MAX);
    seen.insert(fingerprint(&root), budget);
    found.states = 1;
    let mut path: Vec<u32> = Vec::new();
    let mut stack = vec![Frame::new(root, budget)];
    let max_events = scenario.limits.max_events;
    let mut stopped = false;
    while let Some(top) = stack.last_mut() {
        if top.next == top.end {
            stack.pop();
            path.pop();
            continue;
        }
        let k = top.next;
        top.next += 1;
        let n = top.pick(k);
        let budget = match (n, top.budget) {
            (0, b) | (_, b @ u32::MAX) => b,
            (_, b) => b - 1,
        };
        let mut child = match k + 1 == top.end {
            true => top.state.take(),
            false => top.state.clone(),
        }
        .expect("a frame keeps its state until its last child");
        found.events += 1;
        found.schedules += u64::from(n > 0);
        path.push(n as u32);
        let violations = child.step(n).to_vec();
        found.depth = found.depth.max(path.len() as u64);
        record(scenario, &mut found, violations, &path, started);
        if !recorded(budget, child.events(), child.pending(), max_events) {
            found.unrecorded += 1;
            stack.push(Frame::new(child, budget));
            continue;
        }
        let print = fingerprint(&child);
        let (new, explore) = match seen.get(print) {
            None => (true, true),
            Some(before) => (false, budget > before),
        };
        if new && found.states >= max_states {
            stopped = true;
            break;
        }
        if explore {
            seen.insert(print, budget);
        }
        found.states += u64::from(new);
        found.revisits += u64::from(!explore);
        found.reexplored += u64::from(explore && !new);
        // A path at the scenario's event limit is not followed further
        // (and the search is not complete); the others are.
        let at_limit = child.events() >= max_events;
        found.limit_hit |= explore && at_limit;
        if explore && child.pending() == 0 {
            record(scenario, &mut found, child.at_end(), &path, started);
        }
        if explore && !at_limit && child.pending() > 0 {
            stack.push(Frame::new(child, budget));
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

/// How many schedules the search within `bound` deviations would run
/// without caching: every set of at most `bound` deviations, one per path
/// of the tree. Schedules with `bound` deviations need not run to be
/// counted (their points come from their parents' runs), so this runs
/// only the schedules with fewer; the figure that caching is measured
/// against.
pub fn schedules_without_caching(scenario: &Scenario, bound: u32) -> u64 {
    fn from(state: RunState, budget: u32, max_events: u64) -> u64 {
        if budget == 0 {
            return 1;
        }
        // This schedule goes on nominally; each other pending event at each
        // of its states is a deviation, the first of a schedule of its own.
        let mut count = 1;
        let mut state = state;
        while state.pending() > 0 && state.events() < max_events {
            for n in 1..state.pending() {
                count += match budget {
                    1 => 1,
                    _ => {
                        let mut child = state.clone();
                        child.step(n);
                        from(child, budget - 1, max_events)
                    }
                };
            }
            state.step(0);
        }
        count
    }
    from(RunState::start(scenario), bound, scenario.limits.max_events)
}
