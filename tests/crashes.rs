//! Crashes and restarts: what a node loses, and what it still does.

use joinsim::model::joiner::JoinStatus;
use joinsim::run::{RunOptions, Source, run};
use joinsim::scenario::Scenario;
use joinsim::sim::{Loss, TraceEvent};

mod common;

fn scenario(crash: &str) -> Scenario {
    let network = format!("[network]\ndelay_min = 1\ndelay_max = 1\n{crash}");
    common::two_member_join("features-only", "start = 50", &network)
}

#[test]
fn a_joiner_down_before_its_start_loses_the_join_without_a_liveness_failure() {
    let s = scenario("[[faults.crashes]]\nnode = \"j1\"\nat = 10");
    let result = run(&s, &Source::Seed(1), RunOptions::default());
    assert_eq!(result.joins[0].status, JoinStatus::Crashed);
    assert!(result.violations.is_empty(), "{:?}", result.violations);
}

#[test]
fn a_joiner_back_before_its_start_still_starts_on_time() {
    let s = scenario("[[faults.crashes]]\nnode = \"j1\"\nat = 10\nrestart_after = 10");
    let result = run(&s, &Source::Seed(1), common::traced());
    assert_eq!(result.joins[0].status, JoinStatus::Completed);
    let trace = result.trace.unwrap();
    let first_send = trace.iter().find_map(|e| match e {
        TraceEvent::Deliver { sent_tick, from: 2, .. } => Some(*sent_tick),
        _ => None,
    });
    assert_eq!(
        first_send,
        Some(50),
        "the join starts at its drawn tick, not at the restart"
    );
}

#[test]
fn a_message_in_flight_to_a_node_that_crashes_is_lost_even_if_it_is_back_in_time() {
    // m2 crashes at t=51 and is back at t=51+0: the request j1 sent at
    // t=50 (one tick of latency) was in flight across the crash.
    let s = scenario("[[faults.crashes]]\nnode = \"m2\"\nat = 51\nrestart_after = 0\n[limits]\nliveness_ticks = 2000");
    let result = run(&s, &Source::Seed(1), common::traced());
    let trace = result.trace.unwrap();
    assert!(
        trace.iter().any(|e| matches!(
            e,
            TraceEvent::Lost {
                loss: Loss::ReceiverRestarted,
                to: 1,
                ..
            }
        )),
        "the in-flight request is lost with the connection"
    );
}
