//! The search over every order (`joinsim orders`, `explore::orders`):
//! what it proves and finds, that caching states loses nothing, that it
//! covers what the timed exhaustive search finds, and that it is
//! deterministic.

mod common;

use std::collections::BTreeSet;
use std::sync::atomic::AtomicBool;

use common::{bundled, bundled_all, joinsim, stdout};
use joinsim::check::Invariant;
use joinsim::explore::FailureKey;
use joinsim::explore::campaign::{Quiet, failure_key};
use joinsim::explore::orders::{every_order, recorded, schedules_without_caching, unorderable, within_deviations};
use joinsim::explore::search::{SearchOptions, search};
use joinsim::explore::strategy::Exhaustive;
use joinsim::scenario::Scenario;
use joinsim::state::RunState;

#[test]
fn the_fix_is_clean_in_every_order_and_the_old_incus_fails_as_1390_did() {
    let fixed = every_order(&bundled("issue-1390-features-only"), 100_000);
    assert!(fixed.complete, "{}", fixed.line());
    assert!(fixed.failures.is_empty(), "{}", fixed.line());
    assert!(fixed.revisits > 0, "orders meet in shared states: {}", fixed.line());
    assert!(
        fixed.line().ends_with("complete; no violation in any order"),
        "{}",
        fixed.line()
    );

    let old = every_order(&bundled("issue-1390"), 100_000);
    assert!(old.complete);
    let unsynced = old
        .failures
        .iter()
        .find(|(k, _)| k.invariant == Invariant::UnsyncedGroupValidation)
        .expect("1390's violation");
    assert_eq!(
        unsynced.0.label(),
        "unsynced-group-validation on joiner at J5 clusterInitMember/ApplyServerPreseed"
    );
    let spurious = old
        .failures
        .iter()
        .find(|(k, _)| k.invariant == Invariant::SpuriousJoinFailure)
        .expect("the false rejection");
    assert!(
        spurious
            .1
            .violation
            .message
            .contains("Cluster group \"gpu\" doesn't exist"),
        "{}",
        spurious.1.violation.message
    );
}

#[test]
fn a_path_replays_to_its_violation() {
    let scenario = bundled("network-during-join");
    let found = every_order(&scenario, 200_000);
    assert!(found.complete, "{}", found.line());
    assert!(!found.failures.is_empty(), "{}", found.line());
    for (key, first) in &found.failures {
        let mut state = RunState::start(&scenario);
        let mut seen = Vec::new();
        for &pick in &first.path {
            assert!((pick as usize) < state.pending());
            seen.extend(state.step(pick as usize).iter().cloned());
        }
        seen.extend(state.at_end());
        assert!(
            seen.iter().any(|v| failure_key(&scenario, v) == *key),
            "{}: its path does not lead to it",
            key.label()
        );
    }
}

/// Every path of the order graph with at most `bound` deviations (a pick
/// other than the first pending event), without caching: the set of
/// states it passes through (as `fingerprint` names them) and the failure
/// groups it shows.
fn every_path_within(
    scenario: &Scenario,
    bound: u32,
    fingerprint: fn(&RunState) -> u64,
) -> (BTreeSet<u64>, BTreeSet<FailureKey>) {
    struct Walk<'a> {
        scenario: &'a Scenario,
        fingerprint: fn(&RunState) -> u64,
        states: BTreeSet<u64>,
        groups: BTreeSet<FailureKey>,
    }
    fn walk(w: &mut Walk<'_>, state: &RunState, budget: u32) {
        let scenario = w.scenario;
        let max_events = scenario.limits.max_events;
        if recorded(budget, state.events(), state.pending(), max_events) {
            w.states.insert((w.fingerprint)(state));
        }
        if state.pending() == 0 {
            w.groups.extend(state.at_end().iter().map(|v| failure_key(scenario, v)));
            return;
        }
        let picks = if budget == 0 { 1 } else { state.pending() };
        for n in 0..picks {
            let mut child = state.clone();
            let violations = child.step(n).iter().map(|v| failure_key(scenario, v));
            w.groups.extend(violations);
            let left = if n == 0 || budget == u32::MAX {
                budget
            } else {
                budget - 1
            };
            walk(w, &child, left);
        }
    }
    let mut w = Walk {
        scenario,
        fingerprint,
        states: BTreeSet::new(),
        groups: BTreeSet::new(),
    };
    walk(&mut w, &RunState::start(scenario), bound);
    (w.states, w.groups)
}

/// Every path of the order graph, without caching.
fn every_path(scenario: &Scenario) -> (BTreeSet<u64>, BTreeSet<FailureKey>) {
    every_path_within(scenario, u32::MAX, RunState::fingerprint)
}

#[test]
fn a_path_at_the_event_limit_stops_only_itself() {
    let path = common::bundled_path("network-during-join");
    let text = std::fs::read_to_string(&path).unwrap() + "\n[limits]\nmax_events = 60\n";
    let scenario = Scenario::parse("limited", "limited.toml", &text).expect("parses");
    let found = every_order(&scenario, 1_000_000);
    assert!(found.limit_hit && !found.complete, "{}", found.line());
    assert!(
        found.line().contains("stopped: a path reached the event limit"),
        "{}",
        found.line()
    );
    // The first path to reach 60 events comes early; the search goes on
    // below the limit everywhere else (the whole search: 17,652 states).
    assert_eq!(found.states, 7764, "{}", found.line());
}

#[test]
fn caching_states_loses_no_state_and_no_failure_group() {
    for name in ["revert-after-join", "issue-1390-deferred-validation"] {
        let scenario = bundled(name);
        let cached = every_order(&scenario, 1_000_000);
        let (states, groups) = every_path(&scenario);
        assert!(cached.complete);
        assert_eq!(cached.states, states.len() as u64, "{name}: {}", cached.line());
        let found: BTreeSet<FailureKey> = cached.failures.keys().cloned().collect();
        assert_eq!(found, groups, "{name}");
        assert!(cached.revisits > 0, "{name}: caching had work to do");
    }
}

/// The search within a deviation bound caches states too, and explores a
/// state again only when it comes with more deviations left: it reaches
/// exactly the states and groups of the uncached walk within the bound,
/// and runs fewer schedules than that walk has.
#[test]
fn caching_within_a_bound_loses_no_state_and_no_failure_group() {
    for (name, bound) in [
        ("issue-1390-deferred-validation", 1),
        ("issue-1390-deferred-validation", 2),
        ("revert-after-join", 2),
        ("issue-1390", 1),
    ] {
        let scenario = bundled(name);
        let cached = within_deviations(&scenario, bound, 1_000_000);
        let (states, groups) = every_path_within(&scenario, bound, RunState::fingerprint_timed);
        assert!(cached.complete, "{name}: {}", cached.line());
        assert_eq!(
            cached.states,
            states.len() as u64,
            "{name} within {bound}: {}",
            cached.line()
        );
        let found: BTreeSet<FailureKey> = cached.failures.keys().cloned().collect();
        assert_eq!(found, groups, "{name} within {bound}");
        let uncached = schedules_without_caching(&scenario, bound);
        assert!(
            cached.schedules <= uncached,
            "{name} within {bound}: {} schedules cached, {uncached} without",
            cached.schedules
        );
    }
}

/// Deeper bounds find more, and a bound no path can spend is every order.
#[test]
fn bounds_grow_towards_every_order() {
    let scenario = bundled("network-during-join");
    let every = every_order(&scenario, 1_000_000);
    assert!(every.complete);
    let mut previous: BTreeSet<FailureKey> = BTreeSet::new();
    let mut previous_states = 0;
    for bound in 0..=3 {
        let within = within_deviations(&scenario, bound, 1_000_000);
        assert!(within.complete, "{}", within.line());
        let groups: BTreeSet<FailureKey> = within.failures.keys().cloned().collect();
        assert!(previous.is_subset(&groups), "bound {bound}: {}", within.line());
        assert!(groups.iter().all(|k| every.failures.contains_key(k)));
        assert!(within.states > previous_states);
        (previous, previous_states) = (groups, within.states);
    }
    // network-during-join's race needs one deviation: alice's network
    // created between the joiner's J5 and J7.
    let one = within_deviations(&scenario, 1, 1_000_000);
    assert_eq!(
        one.failures.keys().map(|k| k.label()).collect::<Vec<_>>(),
        every.failures.keys().map(|k| k.label()).collect::<Vec<_>>()
    );
    assert_eq!(within_deviations(&scenario, 0, 1_000_000).schedules, 1);
}

/// The 3-joiner race of issue 21's benchmark: the features-only fix is
/// clean within 2 deviations, and the fix that reads groups, then
/// projects, in two requests is caught with one, in the gap between them.
#[test]
fn the_3_joiner_race_within_deviations() {
    let race = |variant: &str| {
        let path = format!(
            "{}/scenarios/bench/race-3-joiners-{variant}.toml",
            env!("CARGO_MANIFEST_DIR")
        );
        Scenario::load(std::path::Path::new(&path)).expect("the bundled race")
    };
    let clean = within_deviations(&race("features-only"), 2, 2_000_000);
    assert!(clean.complete && clean.failures.is_empty(), "{}", clean.line());
    assert_eq!((clean.schedules, clean.states), (93_709, 174_571), "{}", clean.line());
    assert_eq!(schedules_without_caching(&race("features-only"), 2), 261_260);

    let groups_first = race("groups-first");
    assert!(within_deviations(&groups_first, 0, 1_000).failures.is_empty());
    let caught = within_deviations(&groups_first, 1, 1_000_000);
    assert!(caught.complete, "{}", caught.line());
    let labels: Vec<String> = caught.failures.keys().map(|k| k.label()).collect();
    assert_eq!(
        labels,
        ["unsynced-group-validation on joiner at J5 clusterInitMember/ApplyServerPreseed"]
    );
    let first = caught.failures.values().next().unwrap();
    assert!(
        first.violation.message.contains("gpu2"),
        "the group the admin created meanwhile: {}",
        first.violation.message
    );
    assert_eq!(first.path.iter().filter(|&&pick| pick > 0).count(), 1);
}

/// The orderable bundled scenarios whose every order fits 300,000 states.
fn small_orderable() -> Vec<Scenario> {
    bundled_all()
        .into_iter()
        .filter(|s| unorderable(s).is_none())
        .filter(|s| every_order(s, 300_000).complete)
        .collect()
}

#[test]
fn every_order_finds_every_group_the_timed_search_finds_at_bound_2() {
    let scenarios = small_orderable();
    assert!(scenarios.len() >= 10, "{} scenarios", scenarios.len());
    let never = AtomicBool::new(false);
    for scenario in scenarios {
        let orders = every_order(&scenario, 300_000);
        let options = SearchOptions {
            jobs: 2,
            max_runs: None,
            deadline: None,
            interrupted: &never,
        };
        let mut timed = Exhaustive::new(2).reduced_for(&scenario);
        let timed = search(&scenario, &mut timed, &options, &Quiet);
        assert!(timed.complete);
        let in_orders: BTreeSet<&FailureKey> = orders.failures.keys().collect();
        for key in timed.campaign.tally.groups.keys() {
            assert!(
                in_orders.contains(key),
                "{}: the timed search finds {} at bound 2; no order does ({})",
                scenario.name,
                key.label(),
                orders.line()
            );
        }
    }
}

#[test]
fn the_search_is_deterministic() {
    let scenario = bundled("network-during-join");
    let a = every_order(&scenario, 200_000);
    let b = every_order(&scenario, 200_000);
    assert_eq!(
        (a.states, a.events, a.revisits, a.depth),
        (b.states, b.events, b.revisits, b.depth)
    );
    let paths = |o: &joinsim::explore::orders::Orders| {
        o.failures
            .iter()
            .map(|(k, f)| (k.clone(), f.path.clone(), f.after_events))
            .collect::<Vec<_>>()
    };
    assert_eq!(paths(&a), paths(&b));
    let c = within_deviations(&scenario, 2, 200_000);
    let d = within_deviations(&scenario, 2, 200_000);
    assert_eq!(
        (c.schedules, c.states, c.unrecorded, c.events, c.revisits, c.reexplored),
        (d.schedules, d.states, d.unrecorded, d.events, d.revisits, d.reexplored)
    );
    assert_eq!(paths(&c), paths(&d));
}

#[test]
fn scenarios_where_time_or_a_choice_decides_are_not_searched() {
    let reason = |name: &str| unorderable(&bundled(name));
    assert!(reason("lossy-admin").is_some());
    assert_eq!(
        reason("transaction-retry"),
        Some("random step errors or transaction faults")
    );
    assert_eq!(reason("member-rename-during-join"), Some("pauses"));
    assert_eq!(reason("issue-1390"), None);
    let o = joinsim(&["orders", "scenarios/lossy-admin.toml"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stdout(&o).contains("lossy-admin (features-only): not searched"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn the_command_prints_each_group_with_its_path_and_trace() {
    let o = joinsim(&["orders", "scenarios/issue-1390.toml", "--trace"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains("issue-1390 (incus-6.7): every order: 28 state(s), 27 event(s) run, 0 into states already explored, longest path 27, complete; 3 failure group(s)"),
        "{out}"
    );
    assert!(
        out.contains("  unsynced-group-validation on joiner at J5 clusterInitMember/ApplyServerPreseed: first after 27 event(s) run"),
        "{out}"
    );
    assert_eq!(
        out.matches("$ incus cluster join").count(),
        1,
        "one trace per distinct path: {out}"
    );
    assert!(out.contains("VIOLATION unsynced-group-validation"), "{out}");
    let bad = joinsim(&["orders", "scenarios/issue-1390.toml", "--max-states", "0"]);
    assert_eq!(bad.status.code(), Some(2));
}

/// The README's table of every order over the bundled scenarios, and its
/// count of reports whose fix is clean in every order.
#[test]
fn the_readme_figures_of_every_order_hold() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let scenarios: Vec<Scenario> = bundled_all().into_iter().filter(|s| unorderable(s).is_none()).collect();
    let results: Vec<(String, u64, bool)> = std::thread::scope(|scope| {
        let halves: Vec<_> = [0, 1]
            .into_iter()
            .map(|half| {
                let mine: Vec<&Scenario> = scenarios.iter().skip(half).step_by(2).collect();
                scope.spawn(move || {
                    mine.into_iter()
                        .map(|s| {
                            let o = every_order(s, 1_000_000);
                            (s.name.clone(), o.states, o.complete)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        halves.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    let states = |name: &str| results.iter().find(|r| r.0 == name).map(|r| (r.1, r.2)).unwrap();
    for name in [
        "issue-1390",
        "joiner-profile-nic",
        "network-zone-join",
        "pending-pool-limit",
        "pending-uplink-subnets",
    ] {
        assert_eq!(states(name), (28, true), "{name}");
    }
    assert_eq!(states("issue-1390-project-networks"), (32, true));
    assert_eq!(states("network-in-restricted-default"), (44, true));
    assert_eq!(states("issue-1390-features-only"), (907, true));
    assert_eq!(states("issue-1390-default-group"), (907, true));
    assert_eq!(states("issue-1390-groups-first"), (911, true));
    assert_eq!(states("issue-1390-deferred-validation"), (1035, true));
    assert_eq!(states("revert-after-join"), (211, true));
    assert_eq!(states("network-during-join"), (17652, true));
    assert_eq!(states("default-group-assign-race"), (262_167, true));
    let stopped: Vec<&str> = results.iter().filter(|r| !r.2).map(|r| r.0.as_str()).collect();
    assert_eq!(
        stopped,
        results
            .iter()
            .filter(|r| r.1 == 1_000_000)
            .map(|r| r.0.as_str())
            .collect::<Vec<_>>()
    );
    assert_eq!(stopped.len(), 8, "{stopped:?}");
    for name in &stopped {
        assert!(readme.contains(&format!("`{name}`")), "{name}");
    }
    assert!(readme.contains("| `default-group-assign-race` | 262,167 states, complete; its 2 groups |"));
    assert!(readme.contains("| `network-during-join` | 17,652 states, complete; `member-rows-missing` |"));
    assert!(readme.contains(&format!(
        "| the other {} | not searched",
        bundled_all().len() - scenarios.len()
    )));

    let reports = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/findings")).unwrap();
    let clean_in_every_order = reports
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .filter(|text| text.contains("`: the failure group **in no order**"))
        .count();
    assert_eq!(clean_in_every_order, 6);
    assert!(readme.contains("verdict with no bound: for 6 of the 14 findings"));
    let within_3: Vec<String> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/findings"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|path| {
            let text = std::fs::read_to_string(path).unwrap();
            text.contains("the failure group in some order within 3 deviations")
                && text.contains("`: the failure group **in no order within 3 deviations**")
        })
        .map(|path| path.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    let mut within_3 = within_3;
    within_3.sort();
    assert_eq!(within_3, ["project-update-toctou", "retried-join"]);
    assert!(readme.contains(
        "the fix in no order within 3 deviations, every state explored (40,083\nand 331,396 states recorded)"
    ));
}

/// `bench --search --bounds`' table of the searches over orders: every
/// order, then each bound until one does not complete, with the schedules
/// that caching saved up to bound 2.
#[test]
fn the_benchmark_rows_of_the_order_searches() {
    use joinsim::explore::search_bench::{by_order, order_table};
    let scenarios = [bundled("network-during-join"), bundled("lossy-admin")];
    let rows = by_order(&scenarios, 3, 1_000_000);
    let kinds: Vec<(String, Option<u32>, bool)> = rows
        .iter()
        .map(|r| (r.scenario.clone(), r.bound, r.not_searched.is_some()))
        .collect();
    let ndj = "network-during-join".to_string();
    assert_eq!(
        kinds,
        [
            (ndj.clone(), None, false),
            (ndj.clone(), Some(1), false),
            (ndj.clone(), Some(2), false),
            (ndj, Some(3), false),
            ("lossy-admin".to_string(), None, true),
        ]
    );
    let every = &rows[0];
    assert_eq!((every.states, every.complete, every.groups), (17_652, true, 1));
    for r in &rows[1..4] {
        let within = within_deviations(&scenarios[0], r.bound.unwrap(), 1_000_000);
        assert_eq!((r.states, r.schedules), (within.states, Some(within.schedules)));
        let uncached = r
            .bound
            .filter(|&b| b <= 2)
            .map(|b| schedules_without_caching(&scenarios[0], b));
        assert_eq!(r.schedules_without_caching, uncached);
        assert_eq!(r.groups, 1, "member-rows-missing, found with the nominal run");
    }
    let table = order_table(&rows);
    assert!(
        table.contains("| network-during-join | every order | - | 17652 |"),
        "{table}"
    );
    let two = &rows[2];
    let cell = format!(
        "| network-during-join | within 2 deviation(s) | {} ({}) | {} |",
        two.schedules.unwrap(),
        two.schedules_without_caching.unwrap(),
        two.states
    );
    assert!(table.contains(&cell), "{table}");
    assert!(table.contains("| lossy-admin | not searched ("), "{table}");
}
