//! Swarm testing: a run's first choices pick the fault kinds it enables,
//! and those picks replay like every other choice.

mod common;

use joinsim::model::connection::Failure;
use joinsim::model::joiner::JoinStatus;
use joinsim::model::message::Timer;
use joinsim::run::{RunOptions, Schedule, run};
use joinsim::scenario::Scenario;
use joinsim::sim::{ChoiceKind, TraceEvent};

fn lossy() -> Scenario {
    common::bundled("lossy-admin").with_swarm(true)
}

fn traced() -> RunOptions {
    RunOptions {
        trace: true,
        ..RunOptions::default()
    }
}

#[test]
fn a_swarm_run_draws_its_seven_fault_kinds_first() {
    let result = run(&lossy(), &Schedule::Seed(3), RunOptions::default());
    assert_eq!(&result.choice_kinds[..7], &[ChoiceKind::Swarm; 7]);
    assert!(result.choice_kinds[7..].iter().all(|&k| k != ChoiceKind::Swarm));
}

#[test]
fn the_all_zero_swarm_run_has_no_random_fault_at_all() {
    let result = run(&lossy(), &Schedule::Replay(Vec::new()), traced());
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
    // No draws for what is off: only the swarm picks and the admins' order.
    assert!(
        result
            .choice_kinds
            .iter()
            .all(|&k| k == ChoiceKind::Swarm || k == ChoiceKind::Delay)
    );
}

#[test]
fn turning_on_only_drops_breaks_connections_but_never_crashes_a_node() {
    // Picks in order: delays, drops, duplicates, partitions, crashes,
    // random step errors, client timing. Then the first drop choices say
    // "drop": on a TCP connection that is a reset, which the client sees.
    let mut choices = vec![0, 1, 0, 0, 0, 0, 0];
    choices.extend(std::iter::repeat_n(1, 4));
    let result = run(&lossy(), &Schedule::Replay(choices), traced());
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
        let a = run(&scenario, &Schedule::Seed(seed), RunOptions::default());
        let b = run(&scenario, &Schedule::Replay(a.choices.clone()), RunOptions::default());
        assert_eq!(a.trace_hash, b.trace_hash, "seed {seed}");
        assert_eq!(a.violations, b.violations, "seed {seed}");
    }
}
