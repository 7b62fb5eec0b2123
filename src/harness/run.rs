//! One run of a scenario: the model on the engine, checked after every
//! event. A run is a pure function of (scenario, variant, choices).

use super::fingerprint::{History, Timing};
use crate::check::{Checker, LimitHit, Violation};
use crate::labels::{CRASH_TIME, PAUSE_TIME};
use crate::model::joiner::JoinStatus;
use crate::model::step::Step;
use crate::model::{Node, World};
use crate::scenario::Scenario;
use crate::sim::{Choices, Deviation, Engine, EngineOptions, EventLog, Label, NodeId, Point, Schedule, TraceEvent};
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
    /// Fingerprint the whole state at the end of every event after which
    /// at least this many choices had been drawn (exhaustive search prunes
    /// on them; see [`StateMark`]).
    pub states_from_draws: Option<u32>,
    /// Collect the coverage signal (see [`RunResult::coverage`]).
    pub coverage: bool,
    /// Fingerprint the state after every event (slow: to check that
    /// exhaustive search's pruning loses no state).
    pub state_trail: bool,
    /// Keep the event log (exhaustive search's partial-order reduction).
    pub log: bool,
}

/// A fingerprint of the complete state of a run (engine, model, checker)
/// at the end of one event, and how many choices had been drawn by then.
/// Two runs with the same fingerprint go on the same way under the same
/// later choices, provided every deviation of their schedules was drawn
/// by then and no label is drawn twice in a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StateMark {
    pub hash: u64,
    /// Draws made up to the end of that event.
    pub draws: u32,
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
    /// Replayed values out of their choice point's range (wrapped into
    /// it), each with the point's number of options.
    pub out_of_range: Vec<(Deviation, u32)>,
    /// Every choice point reached, when asked for.
    pub points: Option<Vec<Point>>,
    /// How many choices the run drew.
    pub drawn: u32,
    /// The probes the run hit (bit `i`: probe `i` of `model::probe`).
    pub probes: u64,
    /// The state fingerprints asked for with `states_from_draws`, in order
    /// (none if the run drew no more choices than that).
    pub states: Vec<StateMark>,
    /// When asked for: every (joiner, join status, cluster DB version)
    /// that held after some event, packed by [`coverage_point`], sorted
    /// and without repeats. Cheap feedback for coverage-guided search: an
    /// admin commit landing in a new step of a join shows as a new pair.
    pub coverage: Option<Vec<u64>>,
    /// When asked for: the state fingerprint after the start and after
    /// every event, in order.
    pub state_trail: Option<Vec<u64>>,
    /// When asked for: every event with its cause and footprint.
    pub log: Option<EventLog>,
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
    let engine_options = EngineOptions {
        trace: options.trace,
        event_hashes: options.event_hashes,
        log: options.log,
    };
    let (mut engine, mut world, mut checker) = start(scenario, source.choices(options.points), engine_options);
    let mut watch = Watch::new(options);
    watch.after_event(&engine, &world, &checker);
    let limit = drive(&mut engine, &mut world, &mut checker, scenario, &mut watch);
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
        out_of_range: record.choices.out_of_range,
        points: record.choices.points,
        drawn: record.choices.drawn,
        probes: record.probes,
        states: watch.states,
        coverage: watch.coverage.map(|mut c| {
            c.sort_unstable();
            c.dedup();
            c
        }),
        state_trail: watch.trail,
        log: record.log,
        trace: record.trace,
        event_hashes: record.event_hashes,
        world,
    }
}

/// A run's engine, world and checker before its first event: swarm picks
/// drawn, crashes and pauses scheduled, the model started.
pub(crate) fn start(scenario: &Scenario, choices: Choices, options: EngineOptions) -> (Engine<World>, World, Checker) {
    let setup = &scenario.setup;
    let mut engine = Engine::new(setup.node_count(), scenario.network.clone(), choices, options);
    let picks = if scenario.swarm {
        SwarmPicks::draw(engine.choices_mut())
    } else {
        SwarmPicks::ALL
    };
    picks.apply_to_network(engine.network_mut());
    if picks.crashes {
        schedule_crashes(&mut engine, scenario);
        schedule_pauses(&mut engine, scenario);
    }
    let mut world = World::new(std::sync::Arc::clone(setup));
    picks.apply_to_model(&mut world);
    engine.start(&mut world);
    let checker = Checker::new(&world);
    (engine, world, checker)
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

/// Schedules the scenario's pauses, each at its tick plus a drawn jitter
/// (swarm testing keeps or drops them with the crashes: both are a node's
/// own faults).
fn schedule_pauses(engine: &mut Engine<World>, scenario: &Scenario) {
    for (index, pause) in scenario.pauses.iter().enumerate() {
        let label = Label::new(PAUSE_TIME, index as u32, 0, 0);
        let jitter = engine.choices_mut().choose(label, pause.jitter_ticks as u32 + 1);
        let at = pause.at_tick + u64::from(jitter);
        engine.schedule_pause(pause.node, at, at + pause.resume_after_ticks);
    }
}

/// Steps the engine until nothing is pending or a limit is hit.
fn drive(
    engine: &mut Engine<World>,
    world: &mut World,
    checker: &mut Checker,
    scenario: &Scenario,
    watch: &mut Watch,
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
        let before = check(engine, world, checker);
        for index in before..checker.reported() {
            // In a trace, each violation shows right after the event that
            // broke the invariant.
            engine.mark(index as u32);
        }
        watch.after_event(engine, world, checker);
    }
}

/// Checks the event that just ran; returns how many violations had been
/// reported before it (those from there on are its own).
pub(crate) fn check(engine: &Engine<World>, world: &mut World, checker: &mut Checker) -> usize {
    let before = checker.reported();
    checker.after_event(world, engine.now());
    world.observations.clear();
    before
}

/// What exploration asked to watch during a run: the state fingerprints
/// from one draw on (or at every event), and the coverage signal.
struct Watch {
    states_from_draws: Option<u32>,
    states: Vec<StateMark>,
    history: Option<History>,
    trail: Option<Vec<u64>>,
    coverage: Option<Vec<u64>>,
}

impl Watch {
    fn new(options: RunOptions) -> Watch {
        let fingerprints = options.states_from_draws.is_some() || options.state_trail;
        Watch {
            states_from_draws: options.states_from_draws,
            states: Vec::new(),
            history: fingerprints.then(History::default),
            trail: options.state_trail.then(Vec::new),
            coverage: options.coverage.then(Vec::new),
        }
    }

    fn after_event(&mut self, engine: &Engine<World>, world: &World, checker: &Checker) {
        if let Some(history) = &mut self.history {
            history.remember(checker);
            let draws = engine.choices().drawn();
            let hash = || history.fingerprint(engine, world, checker, Timing::Absolute);
            if self.states_from_draws.is_some_and(|n| draws >= n) {
                self.states.push(StateMark { hash: hash(), draws });
            }
            if let Some(trail) = &mut self.trail {
                trail.push(hash());
            }
        }
        if let Some(coverage) = &mut self.coverage {
            for (node, state) in world.nodes.iter().enumerate() {
                if let Node::Joiner(j) = state {
                    coverage.push(coverage_point(node as NodeId, j.status, world.db.version));
                }
            }
        }
    }
}

/// One coverage pair packed in a word: the joiner, its join status (0 not
/// started, 1 + the step's index while running, then reverting, completed,
/// failed, crashed) and the cluster DB version.
pub fn coverage_point(joiner: NodeId, status: JoinStatus, version: u64) -> u64 {
    let steps = Step::ALL.len() as u64;
    let status = match status {
        JoinStatus::NotStarted => 0,
        JoinStatus::Running(step) => 1 + Step::ALL.iter().position(|&s| s == step).unwrap_or(0) as u64,
        JoinStatus::Reverting => steps + 1,
        JoinStatus::Completed => steps + 2,
        JoinStatus::Failed => steps + 3,
        JoinStatus::Crashed => steps + 4,
    };
    (u64::from(joiner) << 48) | (status << 32) | (version & 0xffff_ffff)
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
                ended_tick: j.ended_tick.0,
                failure: j.failure.as_ref().map(|f| (f.step.to_string(), f.error.clone())),
                has_local_database: j.server.database.is_some(),
            }),
            _ => None,
        })
        .collect()
}
