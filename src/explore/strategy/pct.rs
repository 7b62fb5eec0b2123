//! Probabilistic concurrency testing (PCT, Burckhardt et al., ASPLOS 2010;
//! as shuttle and Coyote run it), adapted to a message-passing simulation
//! whose order of events comes from message delays and client timing
//! rather than from a scheduler picking threads.
//!
//! PCT on threads: give the n threads random distinct priorities, pick d-1
//! change points uniformly among the k steps, always run the highest
//! priority enabled thread, and at the i-th change point drop the running
//! thread's priority below all others. A bug of depth d (d ordering
//! constraints) is hit with probability at least 1/(n k^(d-1)).
//!
//! Here a *node* plays the thread, and the run's choice points in draw
//! order play the steps:
//! - **steps**: the labels the nominal run draws, in its draw order, plus
//!   the labels a few seeded runs reach that it does not (placed at the
//!   same fraction of the run): an estimate of the points of any run;
//! - **priorities**: a random permutation of the nodes; at each of d-1
//!   change points drawn uniformly over those m labels, the node the label
//!   acts on (a message's receiver, a client's own node) drops below every
//!   node, the i-th change point below the (i+1)-th, as in PCT;
//! - **running the highest first**: a node's place p among the current
//!   priorities (0 highest, n-1 lowest) sets the value of every point that
//!   acts on it: delay of a message to it, same-tick rank of a message to
//!   it, a client's start and pauses: `(options - 1) * p / (n - 1)`. The
//!   highest node's messages are nominal, the lowest's as late as they
//!   can be; so while a node ranks low, everything it should do waits.
//!
//! Faults (drops, duplicates, step errors, crash timing, swarm picks) stay
//! nominal: PCT explores orders, so a finding that needs a fault is out of
//! its reach (lossy-admin's are).
//!
//! **Guarantee claimed**: over the estimated labels, a failure that follows
//! whenever one given node has the highest priority and d-1 given nodes
//! are lowered at d-1 given labels (in order) is hit by each run with
//! probability at least 1/(n m^(d-1)) (1/n for the first node on top, 1/m
//! for each change point on its label). Labels outside the estimate take
//! their nominal value, and whether a failure has that form is the model's
//! business: it is PCT's bound, transported, not a bound on every failure.

use std::collections::BTreeMap;

use rand::Rng;
use rand::seq::SliceRandom;

use super::{Knob, Plan, Report, Spec, Strategy, rng};
use crate::model::choice::CLIENT_TIMING;
use crate::run::{RunOptions, RunResult, Source, run};
use crate::scenario::Scenario;
use crate::sim::{ChoiceKind, Deviation, Label, Point, Schedule};

/// Seeded runs whose labels complete the nominal run's (labels reached
/// only when something deviates: retries, reverts, duplicates' delays).
const ESTIMATE_SEEDS: u64 = 8;

pub struct Pct {
    seed: u64,
    depth: u32,
    nodes: usize,
    /// The estimated choice points, in estimated draw order.
    steps: Vec<Point>,
    proposed: u64,
}

impl Pct {
    pub fn new(scenario: &Scenario, seed: u64, depth: u32) -> Pct {
        Pct {
            seed,
            depth: depth.max(1),
            nodes: scenario.setup.node_count(),
            steps: estimated_steps(scenario),
            proposed: 0,
        }
    }

    /// The schedule of run `index`.
    fn schedule(&self, index: u64) -> Schedule {
        let mut rng = rng(self.seed, index);
        let mut priority: Vec<u32> = (0..self.nodes as u32).collect();
        priority.shuffle(&mut rng);
        // Initial priorities d-1.., so that change point i (0-based) can
        // set d-2-i: below every initial one, the later ones higher.
        let changes = self.depth - 1;
        for p in &mut priority {
            *p += changes;
        }
        let mut change_at: BTreeMap<usize, u32> = BTreeMap::new();
        let m = self.steps.len().max(1);
        for i in 0..changes {
            change_at.insert(rng.random_range(0..m), changes - 1 - i);
        }
        let mut deviations = Vec::new();
        for (position, point) in self.steps.iter().enumerate() {
            let Some(node) = acting_node(point.label) else { continue };
            if let Some(&lowered) = change_at.get(&position) {
                priority[node] = lowered;
            }
            let place = priority.iter().filter(|&&p| p > priority[node]).count() as u64;
            let span = (self.nodes.max(2) - 1) as u64;
            let value = (u64::from(point.options - 1) * place / span) as u32;
            deviations.push(Deviation {
                label: point.label,
                value,
            });
        }
        Schedule::new(deviations)
    }
}

/// The node a choice point acts on (whose work it delays), for the kinds
/// PCT orders; `None` for faults, which it leaves nominal.
fn acting_node(label: Label) -> Option<usize> {
    match label.kind {
        ChoiceKind::DELAY | ChoiceKind::ORDER => Some(label.b as usize),
        CLIENT_TIMING => Some(label.a as usize),
        // Drops, duplicates, step errors, crash timing, swarm picks.
        _ => None,
    }
}

/// The nominal run's choice points in draw order, then those of a few
/// seeded runs that it lacks, each at the same fraction of its run.
fn estimated_steps(scenario: &Scenario) -> Vec<Point> {
    let options = RunOptions {
        points: true,
        ..RunOptions::default()
    };
    let sources = std::iter::once(Source::Schedule(Schedule::default())).chain((1..=ESTIMATE_SEEDS).map(Source::Seed));
    let mut placed: Vec<(f64, Point)> = Vec::new();
    for source in sources {
        let points = run(scenario, &source, options).points.unwrap_or_default();
        let len = points.len().max(1) as f64;
        for (i, p) in points.iter().enumerate() {
            match placed.iter_mut().find(|(_, q)| q.label == p.label) {
                Some((_, q)) => q.options = q.options.max(p.options),
                None => placed.push((i as f64 / len, *p)),
            }
        }
    }
    placed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.label.cmp(&b.1.label)));
    placed.into_iter().map(|(_, p)| p).collect()
}

impl Strategy for Pct {
    fn next(&mut self, _feedback: &[Option<RunResult>], max: usize) -> Vec<Plan> {
        let first = self.proposed;
        self.proposed += max as u64;
        (first..self.proposed)
            .map(|i| Plan::of(Source::Schedule(self.schedule(i))))
            .collect()
    }

    fn report(&self, _complete: bool) -> Report {
        let bound = 1.0 / (self.nodes as f64 * (self.steps.len() as f64).powi(self.depth as i32 - 1));
        Report {
            line: format!(
                "depth {}, {} node(s), {} estimated choice point(s): each run hits a depth-{} priority bug with p >= {bound:.2e}",
                self.depth,
                self.nodes,
                self.steps.len(),
                self.depth
            ),
            json: serde_json::json!({
                "depth": self.depth,
                "nodes": self.nodes,
                "estimated_points": self.steps.len(),
                "probability_bound": bound,
            }),
        }
    }
}

/// `pct`: its own seed and the bug depth it targets.
pub const SPEC: Spec = Spec {
    name: "pct",
    knobs: &[Knob::Seed, Knob::Depth],
    seeded: false,
    samples: false,
    swarm: false,
    ends_by_itself: false,
    make: |scenario, settings| Box::new(Pct::new(scenario, settings.seed, settings.depth)),
};
