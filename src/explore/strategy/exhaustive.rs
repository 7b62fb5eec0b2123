//! Bounded exhaustive search, stateless-model-checking style (CHESS bounds
//! preemptions, this bounds deviations): every schedule with at most
//! `bound` deviations from the nominal run, each reduced value domain
//! tried, each set of deviations once.
//!
//! **Enumeration.** The empty schedule runs first, recording every choice
//! point it reaches. A child of a schedule adds one deviation at a point
//! its run reached *after* the point of its last deviation (in that run's
//! draw order). The child's run is the parent's up to that point, so every
//! set of deviations is built in exactly one order (increasing draw
//! position) and enumerated once; depth-first, to `bound` deviations.
//!
//! **Value domains.** A point with `n` options takes:
//! - `n == 2` (a flip: drop, duplicate, step error; a two-way choice): 1;
//! - `n <= 4` (same-tick order ranks, small jitters): every value 1..n;
//! - larger (message delays, client timing, crash jitter): the largest
//!   value (a message as late as it can be, an admin as late as they can
//!   be: the widest window a single deviation can open), the midpoint, and
//!   1 (the smallest shift, which reorders a message with events one tick
//!   behind it).
//!
//! That is a choice, not a proof: a failure that needs, say, a delay of
//! exactly 17 ticks is outside the enumerated space. "No violation within
//! K deviations" means within these domains.
//!
//! **Pruning** (stateright's state caching, adapted to stateless search).
//! Each schedule that will have children is run with a fingerprint of the
//! complete state (engine: time, event count, network, node liveness, link
//! counters, pending events in order with their ticks; the whole model
//! world; the checker: what it has reported and the databases it
//! remembers) at the end of every event from the one in which its last
//! deviation was drawn (the empty schedule: from the start). A child
//! deviating after one of those states continues from exactly that state
//! with nominal choices until its own deviation. So when a state was
//! recorded before with at least as many deviations left to spend, the
//! children deviating after it are run suffixes already explored from it:
//! the schedule's children stop at its first such state. Every state
//! before that one is recorded with the schedule's deviations left.
//! Children deviating earlier in a state's own event are explored (the
//! fingerprint is taken after the event). This is sound under two
//! conditions, both checked as the search goes: every deviation of the
//! schedule was drawn by its first fingerprint, and no label is drawn
//! twice in a run; if either fails, pruning stops for the rest of the
//! search.
//!
//! Why every event, not only the deviation's: a deviation has just moved
//! a message, so two schedules almost never meet there (measured on the
//! 3-joiner race: no subtree pruned at bound 2). They meet later if at
//! all: once every event the deviation moved has run, leaving the same
//! world and the same pending events at the same ticks.

use super::reduction::{Deliveries, reducible};
use super::{Knob, Plan, Report, Spec, Strategy};
use crate::explore::visited::Visited;
use crate::run::{RunOptions, RunResult, Source};
use crate::scenario::Scenario;
use crate::sim::{Point, Schedule};

/// The values tried at a point with `options` options, largest first
/// (see the module documentation).
pub fn values(options: u32) -> Vec<u32> {
    match options {
        0 | 1 => Vec::new(),
        2..=4 => (1..options).rev().collect(),
        _ => {
            let max = options - 1;
            let mut v = vec![max, max / 2, 1];
            v.dedup();
            v
        }
    }
}

/// A schedule to run, and where in the enumeration it stands.
#[derive(Clone, Debug)]
struct Node {
    schedule: Schedule,
    /// The draw position of its last deviation (`None`: the empty schedule).
    last: Option<u32>,
    /// Its number of deviations.
    depth: u32,
}

/// What the search counted.
#[derive(Clone, Copy, Debug, Default)]
struct Counts {
    schedules: u64,
    /// Schedules whose children deviating after some state were skipped:
    /// that state was explored before with as many deviations left.
    pruned: u64,
    /// Deviation points whose draw was not unique or came after the
    /// fingerprint: pruning was switched off.
    unsound: bool,
    /// Last deviations skipped by partial-order reduction: their run would
    /// have been their parent's, independent events reordered.
    reduced: u64,
}

pub struct Exhaustive {
    bound: u32,
    /// Schedules waiting to run; the next on top.
    stack: Vec<Node>,
    /// The schedules of the batch being run, in order.
    in_flight: Vec<Node>,
    /// Each state fingerprint recorded, with the most deviations left to
    /// spend from it so far.
    seen: Visited,
    pruning: bool,
    /// Partial-order reduction (`reduction.rs`): the run's tick limit when
    /// on.
    reduction: Option<u64>,
    started: bool,
    counts: Counts,
}

impl Exhaustive {
    pub fn new(bound: u32) -> Exhaustive {
        Exhaustive {
            bound,
            stack: Vec::new(),
            in_flight: Vec::new(),
            seen: Visited::default(),
            pruning: true,
            reduction: None,
            started: false,
            counts: Counts::default(),
        }
    }

    /// The same search without pruning: every schedule within the bound
    /// runs (to hold pruning to account).
    pub fn without_pruning(mut self) -> Exhaustive {
        self.pruning = false;
        self
    }

    /// With partial-order reduction, when `scenario` allows it (see
    /// `reduction::reducible`).
    pub fn reduced_for(mut self, scenario: &Scenario) -> Exhaustive {
        self.reduction = reducible(scenario).then_some(scenario.limits.max_ticks);
        self
    }

    /// Whether a node at `depth` has its children's last deviations
    /// reduced.
    fn reduces_children_of(&self, depth: u32) -> bool {
        self.reduction.is_some() && depth + 1 == self.bound
    }

    fn plan(&self, node: &Node) -> Plan {
        let has_children = node.depth < self.bound;
        Plan {
            source: Source::Schedule(node.schedule.clone()),
            options: RunOptions {
                points: has_children,
                states_from_draws: (has_children && self.pruning).then(|| node.last.map_or(0, |l| l + 1)),
                log: has_children && self.reduces_children_of(node.depth),
                ..RunOptions::default()
            },
            feedback: has_children,
        }
    }

    /// The children of `node`, whose run is `result`, in enumeration order.
    fn children(&mut self, node: &Node, result: &RunResult) -> Vec<Node> {
        let Some(points) = &result.points else {
            return Vec::new();
        };
        let start = node.last.map_or(0, |l| l as usize + 1);
        let end = self.explored_until(node, result, points);
        let deliveries = match (&result.log, self.reduction) {
            (Some(log), Some(max_tick)) if self.reduces_children_of(node.depth) => Some(Deliveries::new(log, max_tick)),
            _ => None,
        };
        let mut children = Vec::new();
        for (i, point) in points.iter().enumerate().take(end).skip(start) {
            if node.schedule.get(point.label).is_some() {
                continue;
            }
            for value in values(point.options).into_iter().filter(|&v| v != point.value) {
                let shift = u64::from(value.saturating_sub(point.value));
                if value > point.value
                    && deliveries
                        .as_ref()
                        .is_some_and(|d| d.shift_commutes(point.label, shift))
                {
                    self.counts.reduced += 1;
                    continue;
                }
                children.push(Node {
                    schedule: node.schedule.with(point.label, value),
                    last: Some(i as u32),
                    depth: node.depth + 1,
                });
            }
        }
        children
    }

    /// The draw position up to which `node`'s children are to be explored:
    /// all its points, or those before its first state (from its last
    /// deviation on) already explored with as many deviations left; the
    /// states before that one are recorded with its deviations left.
    fn explored_until(&mut self, node: &Node, result: &RunResult, points: &[Point]) -> usize {
        let Some(first) = result.states.first() else {
            return points.len();
        };
        if !self.counts.unsound && !prunable(points, first.draws) {
            self.counts.unsound = true;
        }
        if self.counts.unsound {
            return points.len();
        }
        let left = self.bound - node.depth;
        for mark in &result.states {
            match self.seen.get(mark.hash) {
                Some(explored) if explored >= left => {
                    self.counts.pruned += 1;
                    return mark.draws as usize;
                }
                _ => self.seen.insert(mark.hash, left),
            }
        }
        points.len()
    }
}

/// Whether a run's fingerprint at `draws` stands for its future: every
/// deviation drawn by then, and no label drawn twice.
fn prunable(points: &[Point], draws: u32) -> bool {
    if points.iter().skip(draws as usize).any(|p| p.value != 0) {
        return false;
    }
    let mut labels: Vec<_> = points.iter().map(|p| p.label).collect();
    labels.sort_unstable();
    labels.windows(2).all(|w| w[0] != w[1])
}

impl Strategy for Exhaustive {
    fn next(&mut self, feedback: &[Option<RunResult>], max: usize) -> Vec<Plan> {
        if !self.started {
            self.started = true;
            self.stack.push(Node {
                schedule: Schedule::default(),
                last: None,
                depth: 0,
            });
        }
        let ran = std::mem::take(&mut self.in_flight);
        let mut children = Vec::new();
        for (node, result) in ran.iter().zip(feedback) {
            if let Some(result) = result {
                children.extend(self.children(node, result));
            }
        }
        // Reversed, so that the first child of the first node runs next.
        self.stack.extend(children.into_iter().rev());
        while self.in_flight.len() < max {
            let Some(node) = self.stack.pop() else { break };
            self.in_flight.push(node);
        }
        self.counts.schedules += self.in_flight.len() as u64;
        self.in_flight.iter().map(|n| self.plan(n)).collect()
    }

    fn complete(&self) -> bool {
        self.started && self.stack.is_empty() && self.in_flight.is_empty()
    }

    fn report(&self, complete: bool) -> Report {
        let c = self.counts;
        let pruning = if !self.pruning {
            "pruning off".to_string()
        } else if c.unsound {
            "pruning off (a label was drawn twice, or a deviation after its fingerprint)".to_string()
        } else {
            format!("{} subtree(s) pruned", c.pruned)
        };
        let reduction = match self.reduction {
            Some(_) => format!(", {} last deviation(s) reduced", c.reduced),
            None => String::new(),
        };
        let line = format!(
            "bound {}: {} schedule(s){}, {} distinct state(s) recorded, {pruning}{reduction}",
            self.bound,
            c.schedules,
            if complete {
                ", complete"
            } else {
                ", stopped before the end"
            },
            self.seen.len()
        );
        Report {
            line,
            json: serde_json::json!({
                "bound": self.bound,
                "complete": complete,
                "schedules": c.schedules,
                "distinct_states": self.seen.len(),
                "pruned_subtrees": c.pruned,
                "pruning_sound": !c.unsound,
                "reduction": self.reduction.is_some(),
                "reduced_last_deviations": c.reduced,
            }),
        }
    }
}

/// `exhaustive`: no seed (it is deterministic); it ends when its bound is
/// covered.
pub const SPEC: Spec = Spec {
    name: "exhaustive",
    knobs: &[Knob::Bound],
    seeded: false,
    samples: false,
    swarm: false,
    ends_by_itself: true,
    make: |scenario, settings| {
        let exhaustive = Exhaustive::new(settings.bound);
        Box::new(if settings.reduction {
            exhaustive.reduced_for(scenario)
        } else {
            exhaustive
        })
    },
};
