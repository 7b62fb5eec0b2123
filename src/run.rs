//! One run of a scenario: the model on the engine, checked after every
//! event. A run is a pure function of (scenario, variant, choices).

use crate::check::{Checker, LimitHit, Violation};
use crate::model::joiner::{JoinStatus, projects_in_use};
use crate::model::{Node, World};
use crate::scenario::Scenario;
use crate::sim::{ChoiceKind, Choices, Engine, EngineOptions, NodeId, TraceEvent};
use crate::swarm::SwarmPicks;

/// Where a run's choices come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Schedule {
    /// Drawn from `ChaCha8Rng` seeded with this.
    Seed(u64),
    /// Read back from a recorded sequence; 0 past its end.
    Replay(Vec<u32>),
    /// Read back, then drawn from the seed past the end (lenient replay).
    ReplayThenSeed(Vec<u32>, u64),
}

impl Schedule {
    fn choices(&self) -> Choices {
        match self {
            Schedule::Seed(seed) => Choices::seeded(*seed),
            Schedule::Replay(values) => Choices::replay(values.clone()),
            Schedule::ReplayThenSeed(values, seed) => Choices::replay_then_seed(values.clone(), *seed),
        }
    }
}

/// What to keep of a run besides its verdict.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunOptions {
    pub trace: bool,
    pub event_hashes: bool,
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
    pub choices: Vec<u32>,
    pub choice_kinds: Vec<ChoiceKind>,
    pub trace: Option<Vec<TraceEvent<World>>>,
    pub event_hashes: Option<Vec<u64>>,
    /// A replay read past the end of its recorded choices.
    pub replay_overran: bool,
    /// The system as the run left it, for reports.
    pub world: World,
}

impl RunResult {
    pub fn first_violation(&self) -> Option<&Violation> {
        self.violations.first()
    }

    pub fn violated(&self, invariant: crate::check::Invariant) -> bool {
        self.violations.iter().any(|v| v.invariant == invariant)
    }

    /// The project config `joiner`'s daemon reads at the end, per project,
    /// as `name {key=value, ...}`. Built on demand: fuzzing never asks.
    pub fn effective_projects(&self, joiner: NodeId) -> Vec<String> {
        let Some(j) = self.world.joiner_state(joiner) else {
            return Vec::new();
        };
        let names = &self.world.setup.names;
        projects_in_use(j, &self.world.db)
            .1
            .iter()
            .map(|p| {
                format!(
                    "{} {}",
                    names.str(p.name),
                    crate::trace::describe::config(names, &p.config)
                )
            })
            .collect()
    }
}

/// Runs `scenario` once on `schedule`.
pub fn run(scenario: &Scenario, schedule: &Schedule, options: RunOptions) -> RunResult {
    let setup = &scenario.setup;
    let engine_options = EngineOptions {
        trace: options.trace,
        event_hashes: options.event_hashes,
    };
    let mut engine = Engine::new(
        setup.node_count(),
        scenario.network.clone(),
        schedule.choices(),
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
    let replay_overran = engine.choices().replay_overran();
    let joins = join_reports(&world);
    let record = engine.finish();
    RunResult {
        violations,
        joins,
        trace_hash: record.trace_hash,
        events: record.events,
        end_tick: record.end_tick,
        choices: record.choices,
        choice_kinds: record.choice_kinds,
        trace: record.trace,
        event_hashes: record.event_hashes,
        replay_overran,
        world,
    }
}

/// Schedules the scenario's crashes (and restarts), each at its tick plus
/// a drawn jitter.
fn schedule_crashes(engine: &mut Engine<World>, scenario: &Scenario) {
    for crash in &scenario.crashes {
        let jitter = engine
            .choices_mut()
            .choose(ChoiceKind::Fault, crash.jitter_ticks as u32 + 1);
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
