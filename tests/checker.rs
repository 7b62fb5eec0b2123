//! The checker on hand-made states: each end-of-run invariant fires on the
//! state it forbids and stays quiet on the one it allows, including those
//! no bundled variant reaches (a completed joiner enforcing its local DB).

mod common;

use std::sync::Arc;

use joinsim::check::{Checker, Invariant, LimitHit};
use joinsim::model::db::MemberRow;
use joinsim::model::joiner::JoinStatus;
use joinsim::model::{Node, World};

fn world() -> World {
    World::new(Arc::clone(&common::bundled("issue-1390").setup))
}

fn joiner_id(world: &World) -> u8 {
    world.setup.joiners().next().expect("a joiner")
}

fn joiner(world: &mut World) -> &mut joinsim::model::joiner::Joiner {
    let id = joiner_id(world);
    match &mut world.nodes[usize::from(id)] {
        Node::Joiner(j) => j,
        _ => unreachable!(),
    }
}

fn end_violations(world: &World, limit: Option<&LimitHit>) -> Vec<Invariant> {
    Checker::new(world)
        .at_end(world, 100, limit)
        .iter()
        .map(|v| v.invariant)
        .collect()
}

fn add_member_row(world: &mut World, pending: bool) {
    let node = joiner_id(world);
    let name = world.setup.names.server_name(node);
    Arc::make_mut(&mut world.db)
        .members
        .push(MemberRow { node, pending, name });
}

#[test]
fn a_completed_joiner_still_enforcing_its_local_database_loses_restrictions() {
    let mut w = world();
    let j = joiner(&mut w);
    j.status = JoinStatus::Completed;
    j.joined = false; // as if a variant never switched to the replicated DB
    let found = end_violations(&w, None);
    assert!(found.contains(&Invariant::RestrictionsLost), "{found:?}");
    // The same joiner reading the replicated database is fine.
    joiner(&mut w).joined = true;
    add_member_row(&mut w, false);
    let id = joiner_id(&w);
    let default = Arc::make_mut(&mut w.db)
        .groups
        .iter_mut()
        .find(|g| g.name.0 == 0)
        .unwrap();
    default.members.insert(id);
    assert_eq!(end_violations(&w, None), Vec::<Invariant>::new());
}

#[test]
fn a_failed_join_with_a_row_left_is_a_leftover_pending_or_full() {
    for pending in [true, false] {
        let mut w = world();
        joiner(&mut w).status = JoinStatus::Failed;
        add_member_row(&mut w, pending);
        let found = end_violations(&w, None);
        assert!(
            found.contains(&Invariant::JoinLeftovers),
            "pending={pending}: {found:?}"
        );
        // Counted once: a failed join's row is not also a liveness failure.
        assert_eq!(found, vec![Invariant::JoinLeftovers], "pending={pending}");
    }
    let mut w = world();
    joiner(&mut w).status = JoinStatus::Failed;
    assert_eq!(end_violations(&w, None), Vec::<Invariant>::new());
}

#[test]
fn a_completed_member_outside_the_default_group_breaks_liveness() {
    let mut w = world();
    joiner(&mut w).status = JoinStatus::Completed;
    joiner(&mut w).joined = true;
    add_member_row(&mut w, false);
    assert_eq!(end_violations(&w, None), vec![Invariant::JoinLiveness]);
}

#[test]
fn a_time_limit_is_a_failure_only_while_a_join_is_unfinished() {
    let mut w = world();
    joiner(&mut w).status = JoinStatus::Failed;
    assert_eq!(end_violations(&w, Some(&LimitHit::Ticks(10))), Vec::<Invariant>::new());
    joiner(&mut w).status = JoinStatus::Reverting;
    let v = Checker::new(&w).at_end(&w, 10, Some(&LimitHit::Ticks(10)));
    assert_eq!(v.len(), 1);
    assert!(
        v[0].message.contains("by its time limit (t=10): still reverting"),
        "{}",
        v[0].message
    );
}

#[test]
fn a_join_still_running_or_a_hit_limit_breaks_liveness() {
    let mut w = world();
    joiner(&mut w).status = JoinStatus::Running(joinsim::model::step::Step::ClusterAccept);
    assert_eq!(end_violations(&w, None), vec![Invariant::JoinLiveness]);
    joiner(&mut w).status = JoinStatus::Failed;
    assert_eq!(
        end_violations(&w, Some(&LimitHit::Events(10))),
        vec![Invariant::JoinLiveness]
    );
}

#[test]
fn a_committed_project_naming_a_missing_group_dangles() {
    let mut w = world();
    let mut checker = Checker::new(&w);
    checker.after_event(&w, 1);
    let db = Arc::make_mut(&mut w.db);
    db.groups.retain(|g| g.name.0 == 0); // drop "gpu", still named by the default project
    db.version += 1;
    checker.after_event(&w, 2);
    joiner(&mut w).status = JoinStatus::Failed;
    let found: Vec<Invariant> = checker.at_end(&w, 3, None).iter().map(|v| v.invariant).collect();
    assert_eq!(found, vec![Invariant::DanglingGroupReference]);
}
