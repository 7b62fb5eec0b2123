//! A paused node (`[[faults.pauses]]`, SIGSTOP then SIGCONT on a real
//! cluster) handles nothing until it resumes, and loses nothing: what was
//! sent to it arrives when it resumes, and a client with a timeout (J9's
//! heartbeat, 2 s) gives up first.

mod common;

use common::{bundled, scratch};
use joinsim::explore::campaign::seeded_run;
use joinsim::run::RunOptions;
use joinsim::scenario::Scenario;
use joinsim::sim::TraceEvent;

fn traced(scenario: &Scenario, seed: u64) -> joinsim::run::RunResult {
    let options = RunOptions {
        trace: true,
        ..RunOptions::default()
    };
    seeded_run(scenario, seed, options)
}

#[test]
fn a_paused_member_handles_nothing_until_it_resumes_and_loses_nothing() {
    // member-rename-during-join pauses m3 from 250 to 3250.
    let scenario = bundled("member-rename-during-join");
    let m3 = (0..scenario.setup.node_count() as joinsim::sim::NodeId)
        .find(|&n| scenario.setup.node_name(n) == "m3")
        .expect("m3");
    let run = traced(&scenario, 1);
    let events = run.trace.as_deref().expect("trace");
    let delivered_to_m3: Vec<u64> = events
        .iter()
        .filter_map(|e| match e {
            TraceEvent::Deliver { tick, to, .. } if *to == m3 => Some(*tick),
            _ => None,
        })
        .collect();
    assert!(
        delivered_to_m3.iter().all(|&t| !(250..3250).contains(&t)),
        "{delivered_to_m3:?}"
    );
    // J9's heartbeat to m3 was sent during the pause and is delivered when
    // it resumes, not lost.
    let sent_during: Vec<u64> = events
        .iter()
        .filter_map(|e| match e {
            TraceEvent::Deliver { sent_tick, to, .. } if *to == m3 && (250..3250).contains(sent_tick) => {
                Some(*sent_tick)
            }
            _ => None,
        })
        .collect();
    assert!(!sent_during.is_empty(), "something was sent to m3 while it was paused");
    assert!(delivered_to_m3.contains(&3250), "{delivered_to_m3:?}");
    // The heartbeat round waited for its 2 s timeout, and the rename landed
    // in the window: the finding's failure.
    let text = joinsim::trace::text::render(&scenario.setup.names, events, &run.violations);
    assert!(
        text.contains("Failed to get node info: Cluster member not found"),
        "{text}"
    );
}

#[test]
fn without_the_pause_the_rename_often_misses_the_window() {
    // The same scenario with the pause removed: the forwarded rename costs
    // two hops, and some runs complete the join first.
    let text = std::fs::read_to_string(common::bundled_path("member-rename-during-join")).unwrap();
    let start = text.find("[[faults.pauses]]").expect("a pause");
    let end = start + text[start..].find("\n\n").expect("the pause's end");
    let dir = scratch("no-pause");
    let path = dir.join("no-pause.toml");
    let edited = format!("{}{}", &text[..start], &text[end..]);
    let edited = edited.replace("join-leftovers = \"always\"", "join-leftovers = \"0%..100%\"");
    let edited = edited.replace(
        "joiner-not-standalone = \"always\"",
        "joiner-not-standalone = \"0%..100%\"",
    );
    std::fs::write(&path, edited).unwrap();
    let scenario = Scenario::load(&path).expect("loads");
    let failed = (1..=200)
        .filter(|&seed| !traced(&scenario, seed).violations.is_empty())
        .count();
    assert!((100..200).contains(&failed), "{failed} of 200");
}

#[test]
fn a_pause_of_an_admin_or_of_no_time_names_the_file_line_and_key() {
    let text = std::fs::read_to_string(common::bundled_path("member-rename-during-join")).unwrap();
    let dir = scratch("bad-pause");
    for (from, to, key) in [
        (
            "node = \"m3\"\nat = 250",
            "node = \"alice\"\nat = 250",
            "faults.pauses[0].node",
        ),
        (
            "resume_after = 3000",
            "resume_after = 0",
            "faults.pauses[0].resume_after",
        ),
    ] {
        let path = dir.join("bad.toml");
        std::fs::write(&path, text.replace(from, to)).unwrap();
        let error = Scenario::load(&path).expect_err("refused").to_string();
        let line = text
            .replace(from, to)
            .lines()
            .position(|l| l.starts_with(to.lines().next().unwrap()))
            .unwrap()
            + 1;
        assert!(error.contains(&format!("bad.toml:{line}: key `{key}`")), "{error}");
    }
}
