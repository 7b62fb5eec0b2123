//! Swarm testing: a run's first choices pick the fault kinds it enables,
//! each at its own label, and those picks replay like every other choice.

mod common;

use joinsim::labels::SWARM;
use joinsim::model::choice::{LOCAL_WORK, MUTEX_HANDOFF, connection_break};
use joinsim::model::connection::Failure;
use joinsim::model::joiner::JoinStatus;
use joinsim::model::message::Timer;
use joinsim::run::{RunOptions, Source, run};
use joinsim::scenario::Scenario;
use joinsim::sim::{ChoiceKind, Deviation, Label, NodeId, Schedule, TraceEvent};

fn lossy() -> Scenario {
    common::bundled("lossy-admin").with_swarm(true)
}

/// Traced, with the choice points reached.
fn traced() -> RunOptions {
    RunOptions {
        points: true,
        ..common::traced()
    }
}

#[test]
fn a_swarm_run_draws_its_eleven_fault_kinds_first() {
    let result = run(&lossy(), &Source::Seed(3), traced());
    let points = result.points.unwrap();
    let kinds: Vec<ChoiceKind> = points.iter().map(|p| p.label.kind).collect();
    assert_eq!(&kinds[..11], &[SWARM; 11]);
    assert!(kinds[11..].iter().all(|&k| k != SWARM));
    let numbers: Vec<u32> = points[..11].iter().map(|p| p.label.a).collect();
    assert_eq!(numbers, (0..11).collect::<Vec<_>>(), "one label per fault kind");
}

/// Local work, the mutex hand-off and the same-tick order are swarm kinds
/// too: leader-change's nominal swarm run (every kind off) draws none of
/// them, and turning those three on (picks 8, 9 and 10) draws each again.
#[test]
fn local_work_mutex_handoff_and_same_tick_order_are_swarm_kinds() {
    // leader-change has local work and any-waiter hand-off; same-tick
    // order is switched on here.
    let mut scenario = common::bundled("leader-change").with_swarm(true);
    scenario.network.same_tick_order = true;
    let kinds = |schedule: Schedule| -> Vec<ChoiceKind> {
        let result = run(&scenario, &Source::Schedule(schedule), traced());
        result.points.unwrap().iter().map(|p| p.label.kind).collect()
    };
    let three = [LOCAL_WORK, MUTEX_HANDOFF, ChoiceKind::ORDER];
    let off = kinds(Schedule::default());
    assert!(three.iter().all(|k| !off.contains(k)), "{off:?}");
    let picks = (8..11).map(|a| Deviation {
        label: Label::new(SWARM, a, 0, 0),
        value: 1,
    });
    let on = kinds(Schedule::new(picks));
    assert!(three.iter().all(|k| on.contains(k)), "{on:?}");
}

#[test]
fn the_nominal_swarm_run_has_no_random_fault_at_all() {
    let result = run(&lossy(), &Source::Schedule(Schedule::default()), traced());
    let trace = result.trace.as_deref().unwrap();
    assert!(!trace.iter().any(|e| matches!(
        e,
        TraceEvent::Lost { .. } | TraceEvent::Duplicated { .. } | TraceEvent::Crash { .. }
    )));
    // Every join ends, and none for want of an answer: nothing was lost. (A
    // join can still fail: alice's concurrent `storage create fast` leaves
    // the joiner without config for the new pool at J9.)
    for join in &result.joins {
        assert!(
            matches!(join.status, JoinStatus::Completed | JoinStatus::Failed),
            "{join:?}"
        );
        let error = join.failure.as_ref().map_or("", |(_, e)| e.as_str());
        assert!(!error.contains("deadline"), "{error}");
    }
    // No draws for what is off: only the swarm picks.
    assert!(result.points.unwrap().iter().all(|p| p.label.kind == SWARM));
}

#[test]
fn turning_on_only_drops_breaks_connections_but_never_crashes_a_node() {
    // Picks by label: 0 delays, 1 drops, 2 duplicates, 3 partitions, 4
    // crashes, 5 random step errors, 6 client timing. Drops on, and the
    // connection of j1's first request broken: on a TCP connection that is
    // a reset, which the client sees.
    let drops = Deviation {
        label: Label::new(SWARM, 1, 0, 0),
        value: 1,
    };
    let scenario = lossy();
    let j1 = (0..scenario.setup.node_count() as NodeId)
        .find(|&n| scenario.setup.node_name(n) == "j1")
        .unwrap();
    let broken = Deviation {
        label: connection_break(j1, 1, 0),
        value: 1,
    };
    let result = run(&scenario, &Source::Schedule(Schedule::new([drops, broken])), traced());
    assert!(
        result.unused.is_empty(),
        "both deviations were reached: {:?}",
        result.unused
    );
    let trace = result.trace.as_deref().unwrap();
    let reset = Timer::ConnectionFailed {
        id: 1,
        failure: Failure::Reset,
    };
    assert!(
        trace
            .iter()
            .any(|e| matches!(e, TraceEvent::Timer { timer, .. } if *timer == reset)),
        "the first request's connection is reset"
    );
    // Nothing is lost silently: TCP does not lose what it carries.
    assert!(!trace.iter().any(|e| matches!(e, TraceEvent::Lost { .. })));
    assert!(
        !trace
            .iter()
            .any(|e| matches!(e, TraceEvent::Crash { .. } | TraceEvent::Duplicated { .. }))
    );
}

#[test]
fn swarm_seeds_replay_identically() {
    let scenario = lossy();
    for seed in 1..=50 {
        let a = run(&scenario, &Source::Seed(seed), RunOptions::default());
        let b = run(&scenario, &Source::Schedule(a.schedule()), RunOptions::default());
        assert_eq!(a.trace_hash, b.trace_hash, "seed {seed}");
        assert_eq!(a.violations, b.violations, "seed {seed}");
    }
}
