//! The checker on hand-made states: each invariant fires on the state (or
//! observation) it forbids and stays quiet on the one it allows, including
//! those no bundled variant reaches (a joined server enforcing its local
//! DB).

mod common;

use std::sync::Arc;

use joinsim::check::{Checker, Invariant, LimitHit};
use joinsim::model::db::{MemberRow, Snapshot};
use joinsim::model::joiner::JoinStatus;
use joinsim::model::observe::{ConfigSource, Enforcement, Observation};
use joinsim::model::{Node, World};
use joinsim::sim::NodeId;

fn world() -> World {
    World::new(Arc::clone(&common::bundled("issue-1390").setup))
}

fn joiner_id(world: &World) -> NodeId {
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

/// What the checker reports right after an event that observed `e`.
fn after_observing(world: &mut World, e: Enforcement) -> Vec<Invariant> {
    let mut checker = Checker::new(world);
    world.observations.push(Observation::Enforced(e));
    checker.after_event(world, 1);
    world.observations.clear();
    joiner(world).status = JoinStatus::Completed;
    checker.at_end(world, 2, None).iter().map(|v| v.invariant).collect()
}

#[test]
fn a_joined_server_enforcing_its_local_database_loses_restrictions() {
    let mut w = world();
    let node = joiner_id(&w);
    // As if a variant kept its local database after J9: at J11 it enforces
    // the local copy, which lacks the cluster's restrictions.
    let local = joiner(&mut w).server.database.clone().expect("a standalone joiner");
    let e = Enforcement {
        node,
        source: ConfigSource::Local,
        read: Snapshot(local),
    };
    assert_eq!(after_observing(&mut w, e), vec![Invariant::RestrictionsLost]);
    // The same joiner enforcing what it read from the replicated database
    // at the current version is fine.
    let mut w = world();
    let e = Enforcement {
        node,
        source: ConfigSource::Replicated(w.db.version),
        read: Snapshot(Arc::clone(&w.db)),
    };
    assert_eq!(after_observing(&mut w, e), Vec::<Invariant>::new());
}

/// A change to a hand-made world.
type Change = fn(&mut World);

#[test]
fn a_failed_join_that_changed_the_joiners_server_is_not_standalone() {
    let changes: [(&str, Change); 6] = [
        ("local database was removed", |w| joiner(w).server.database = None),
        ("raft node list is set", |w| joiner(w).server.raft_nodes = true),
        ("believes it is clustered", |w| joiner(w).server.clustered = true),
        ("join's server name", |w| joiner(w).server.renamed = true),
        ("serves the cluster certificate", |w| {
            joiner(w).server.cluster_certificate = true
        }),
        ("raft configuration", |w| {
            let node = joiner_id(w);
            Arc::make_mut(&mut w.db).raft.insert(node)
        }),
    ];
    for (fact, change) in changes {
        let mut w = world();
        joiner(&mut w).status = JoinStatus::Failed;
        change(&mut w);
        let v: Vec<_> = Checker::new(&w)
            .at_end(&w, 100, None)
            .into_iter()
            // A raft node left in the cluster is a leftover too (below).
            .filter(|v| v.invariant != Invariant::JoinLeftovers)
            .collect();
        assert_eq!(v.len(), 1, "{fact}: {v:?}");
        assert_eq!(v[0].invariant, Invariant::JoinerNotStandalone, "{fact}");
        assert!(v[0].message.contains(fact), "{fact}: {}", v[0].message);
    }
    // A failed join that changed nothing leaves a standalone server.
    let mut w = world();
    joiner(&mut w).status = JoinStatus::Failed;
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
fn a_failed_join_leaving_a_raft_node_group_or_pool_row_without_a_member_row_is_a_leftover() {
    let changes: [(&str, Change); 3] = [
        ("its raft node", |w| {
            let node = joiner_id(w);
            Arc::make_mut(&mut w.db).raft.insert(node)
        }),
        ("its rows in nodes_cluster_groups (gpu)", |w| {
            let node = joiner_id(w);
            let db = Arc::make_mut(&mut w.db);
            db.groups.iter_mut().for_each(|g| {
                if g.name.0 != 0 {
                    g.members.insert(node)
                }
            })
        }),
        ("its rows in storage_pools_nodes (local)", |w| {
            let node = joiner_id(w);
            let db = Arc::make_mut(&mut w.db);
            db.pools.iter_mut().for_each(|p| p.members.insert(node))
        }),
    ];
    for (fact, change) in changes {
        let mut w = world();
        joiner(&mut w).status = JoinStatus::Failed;
        change(&mut w);
        let v = Checker::new(&w).at_end(&w, 100, None);
        let leftover = v.iter().find(|v| v.invariant == Invariant::JoinLeftovers);
        let leftover = leftover.unwrap_or_else(|| panic!("{fact}: {v:?}"));
        assert!(
            leftover.message.contains(&format!("the cluster still holds {fact}")),
            "{fact}: {}",
            leftover.message
        );
    }
}

/// Puts the joiner in the groups whose index `keep` accepts.
fn put_in_groups(world: &mut World, keep: fn(u8) -> bool) {
    let node = joiner_id(world);
    for g in Arc::make_mut(&mut world.db).groups.iter_mut() {
        if keep(g.name.0) {
            g.members.insert(node);
        }
    }
}

#[test]
fn a_completed_member_outside_the_default_group_is_no_violation() {
    // An admin may take a member out of `default`, to another group: not an
    // Incus invariant. It has its pool and network rows.
    let mut w = world();
    joiner(&mut w).status = JoinStatus::Completed;
    add_member_row(&mut w, false);
    put_in_groups(&mut w, |g| g != 0);
    let node = joiner_id(&w);
    let db = Arc::make_mut(&mut w.db);
    db.pools.iter_mut().for_each(|p| p.members.insert(node));
    db.networks.iter_mut().for_each(|n| n.members.insert(node));
    assert_eq!(end_violations(&w, None), Vec::<Invariant>::new());
}

#[test]
fn a_completed_member_without_a_pool_network_or_group_row_misses_rows() {
    let mut w = world();
    joiner(&mut w).status = JoinStatus::Completed;
    add_member_row(&mut w, false);
    let v = Checker::new(&w).at_end(&w, 100, None);
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(v[0].invariant, Invariant::MemberRowsMissing);
    assert_eq!(
        v[0].message,
        "the join completed, yet the new member has no row in nodes_cluster_groups, \
         storage_pools_nodes (local), networks_nodes (incusbr0) where every other member (m1, m2, m3) has one"
    );
    // A pending pool or network is not yet on every member.
    let mut w = world();
    joiner(&mut w).status = JoinStatus::Completed;
    add_member_row(&mut w, false);
    put_in_groups(&mut w, |g| g == 0);
    let db = Arc::make_mut(&mut w.db);
    db.pools.iter_mut().for_each(|p| p.created = false);
    db.networks.iter_mut().for_each(|n| n.created = false);
    assert_eq!(end_violations(&w, None), Vec::<Invariant>::new());
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
