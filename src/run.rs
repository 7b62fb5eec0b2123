//! One run of a scenario: the model on the engine, checked after every
//! event. A run is a pure function of (scenario, variant, choices).

use crate::check::{Checker, LimitHit, Violation};
use crate::labels::CRASH_TIME;
use crate::model::joiner::JoinStatus;
use crate::model::{Node, World};
use crate::scenario::Scenario;
use crate::sim::{Choices, Deviation, Engine, EngineOptions, Label, NodeId, Point, Schedule, TraceEvent};
use crate::swarm::SwarmPicks;

/// Where a run's choices come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// Derived from this seed and each choice's label.
    Seed(u64),
    /// Read from a schedule: its deviations, and 0 for every other label.
    Schedule(Schedule),
}

impl Source {
    fn choices(&self, record_points: bool) -> Choices {
        let choices = match self {
            Source::Seed(seed) => Choices::seeded(*seed),
            Source::Schedule(schedule) => Choices::replay(schedule.clone()),
        };
        if record_points {
            choices.record_points()
        } else {
            choices
        }
    }
}

/// What to keep of a run besides its verdict.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunOptions {
    pub trace: bool,
    pub event_hashes: bool,
    /// Record every choice point reached (exploration).
    pub points: bool,
}

/// How one join ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JoinReport {
    pub joiner: NodeId,
    pub target: NodeId,
    pub status: JoinStatus,
    pub ended_tick: Option<u64>,
    /// The failed step and the Incus error chain.
    pub failure: Option<(String, String)>,
    /// Whether the joiner's own local database still exists (J9 removes it).
    pub has_local_database: bool,
}

/// The verdict and record of one run.
pub struct RunResult {
    pub violations: Vec<Violation>,
    pub joins: Vec<JoinReport>,
    pub trace_hash: u64,
    pub events: u64,
    pub end_tick: u64,
    /// The run's deviations in the order they were drawn ([`RunResult::schedule`]
    /// makes them a schedule).
    pub deviations: Vec<Deviation>,
    /// Deviations of a replayed schedule that the run never reached.
    pub unused: Vec<Deviation>,
    /// Every choice point reached, when asked for.
    pub points: Option<Vec<Point>>,
    /// How many choices the run drew.
    pub drawn: u32,
    /// The probes the run hit (bit `i`: probe `i` of `model::probe`).
    pub probes: u64,
    pub trace: Option<Vec<TraceEvent<World>>>,
    pub event_hashes: Option<Vec<u64>>,
    /// The system as the run left it, for reports.
    pub world: World,
}

impl RunResult {
    pub fn first_violation(&self) -> Option<&Violation> {
        self.violations.first()
    }

    /// The run's schedule: replaying it is the same run. Built on demand,
    /// so that a fuzz run that passes never sorts its deviations.
    pub fn schedule(&self) -> Schedule {
        Schedule::new(self.deviations.iter().copied())
    }

    pub fn violated(&self, invariant: crate::check::Invariant) -> bool {
        self.violations.iter().any(|v| v.invariant == invariant)
    }
}

/// Runs `scenario` once with choices from `source`.
pub fn run(scenario: &Scenario, source: &Source, options: RunOptions) -> RunResult {
    let setup = &scenario.setup;
    let engine_options = EngineOptions {
        trace: options.trace,
        event_hashes: options.event_hashes,
    };
    let mut engine = Engine::new(
        setup.node_count(),
        scenario.network.clone(),
        source.choices(options.points),
        engine_options,
    );
    let picks = if scenario.swarm {
        SwarmPicks::draw(engine.choices_mut())
    } else {
        SwarmPicks::ALL
    };
    picks.apply_to_network(engine.network_mut());
    if picks.crashes {
        schedule_crashes(&mut engine, scenario);
    }
    let mut world = World::new(std::sync::Arc::clone(setup));
    picks.apply_to_model(&mut world);
    engine.start(&mut world);
    let mut checker = Checker::new(&world);
    let limit = drive(&mut engine, &mut world, &mut checker, scenario);
    let violations = checker.at_end(&world, engine.now(), limit.as_ref());
    let joins = join_reports(&world);
    let record = engine.finish();
    RunResult {
        violations,
        joins,
        trace_hash: record.trace_hash,
        events: record.events,
        end_tick: record.end_tick,
        deviations: record.choices.deviations,
        unused: record.choices.unused,
        points: record.choices.points,
        drawn: record.choices.drawn,
        probes: record.probes,
        trace: record.trace,
        event_hashes: record.event_hashes,
        world,
    }
}

/// Schedules the scenario's crashes (and restarts), each at its tick plus
/// a drawn jitter.
fn schedule_crashes(engine: &mut Engine<World>, scenario: &Scenario) {
    for (index, crash) in scenario.crashes.iter().enumerate() {
        let label = Label::new(CRASH_TIME, index as u32, 0, 0);
        let jitter = engine.choices_mut().choose(label, crash.jitter_ticks as u32 + 1);
        let at = crash.at_tick + u64::from(jitter);
        engine.schedule_crash(crash.node, at);
        if let Some(after) = crash.restart_after_ticks {
            engine.schedule_restart(crash.node, at + after);
        }
    }
}

/// Steps the engine until nothing is pending or a limit is hit.
fn drive(
    engine: &mut Engine<World>,
    world: &mut World,
    checker: &mut Checker,
    scenario: &Scenario,
) -> Option<LimitHit> {
    let limits = scenario.limits;
    loop {
        let next = engine.next_tick()?;
        if next > limits.max_ticks {
            return Some(LimitHit::Ticks(limits.max_ticks));
        }
        if engine.events() >= limits.max_events {
            return Some(LimitHit::Events(limits.max_events));
        }
        engine.step(world);
        let before = checker.reported();
        checker.after_event(world, engine.now());
        for index in before..checker.reported() {
            // In a trace, each violation shows right after the event that
            // broke the invariant.
            engine.mark(index as u32);
        }
        world.observations.clear();
    }
}

fn join_reports(world: &World) -> Vec<JoinReport> {
    world
        .nodes
        .iter()
        .enumerate()
        .filter_map(|(i, node)| match node {
            Node::Joiner(j) => Some(JoinReport {
                joiner: i as NodeId,
                target: j.target,
                status: j.status,
                ended_tick: j.ended_tick,
                failure: j.failure.as_ref().map(|f| (f.step.to_string(), f.error.clone())),
                has_local_database: j.server.database.is_some(),
            }),
            _ => None,
        })
        .collect()
}
