//! The operator's API calls against the cluster database, transaction by
//! transaction: replace semantics of a member's group list, ETags, member
//! rename and removal, group create/delete/rename and project updates, each
//! error text equal to Incus's (lxc/incus be7afc5df3, cited per test), and
//! whole `incus` commands run by a scripted admin.

mod common;

use std::sync::Arc;

use joinsim::model::db::{Config, Db, Snapshot};
use joinsim::model::message::{Answer, Etag, Outcome, Tx, ValidationRead};
use joinsim::model::names::{GroupName, GroupSet, Names, Sym};
use joinsim::model::tx::{Clock, execute};
use joinsim::model::{Node, Variant, World};
use joinsim::scenario::Scenario;
use joinsim::sim::NodeId;

/// Three members: m1 and m2 in `default`, m3 in `gpu` only; an empty group
/// `spare`; project `p` listing `spare` while unrestricted; a joiner j1.
const CLUSTER: &str = r#"
variant = "features-only"

[cluster]
members = ["m1", "m2", "m3"]
leader = "m1"

[[cluster.groups]]
name = "default"
members = ["m1", "m2"]

[[cluster.groups]]
name = "gpu"
members = ["m2", "m3"]

[[cluster.groups]]
name = "spare"

[[cluster.projects]]
name = "default"
config = { "user.a" = "1" }

[[cluster.projects]]
name = "p"
config = { "restricted" = "false", "restricted.cluster.groups" = " spare " }

[[joiners]]
name = "j1"
target = "m2"

[[admins]]
name = "admin"
via = "m1"
commands = [
    { op = "rename-member", member = "m3", to = "j1" },
    { op = "put-project", project = "default", config = { "restricted" = "true", "restricted.cluster.groups" = "gpu," } },
    { op = "set-project-key", project = "default", key = "restricted.cluster.groups", value = "nope" },
    { op = "patch-project", project = "default", config = { "user.x" = "1" } },
]
"#;

struct Cluster {
    db: Arc<Db>,
    names: Names,
    variant: Variant,
}

/// Two members and two joiners, for what a join leaves and an operator
/// removes: the admin's commands only intern the names they use.
const JOINS: &str = r#"
variant = "features-only"

[cluster]
members = ["m1", "m2"]
leader = "m1"

[[joiners]]
name = "j1"
target = "m2"

[[joiners]]
name = "j2"
target = "m1"

[[admins]]
name = "admin"
via = "m1"
commands = [
    { op = "rename-member", member = "j1", to = "j1-new" },
    { op = "rename-member", member = "m2", to = "j2" },
]
"#;

impl Cluster {
    fn new() -> Cluster {
        Cluster::of(CLUSTER)
    }

    fn of(text: &str) -> Cluster {
        let scenario = Scenario::parse("admin", "admin.toml", text).expect("parses");
        Cluster {
            db: Arc::clone(&scenario.setup.db),
            names: scenario.setup.names.clone(),
            variant: Variant::FEATURES_ONLY,
        }
    }

    fn sym(&self, s: &str) -> Sym {
        self.names.lookup(s).unwrap_or_else(|| panic!("{s} is interned"))
    }

    fn group(&self, g: &str) -> GroupName {
        self.names
            .lookup_group(g)
            .unwrap_or_else(|| panic!("{g} is a group name"))
    }

    fn node(&self, name: &str) -> NodeId {
        self.names.nodes.iter().position(|n| n == name).expect("a node") as NodeId
    }

    fn run(&mut self, tx: Tx) -> Outcome {
        execute(
            &mut self.db,
            &tx,
            (0, &self.variant.differences),
            Clock {
                now: 0,
                token_expiry: None,
            },
            &self.names,
            &mut Vec::new(),
        )
    }

    fn error(&mut self, tx: Tx) -> String {
        match self.run(tx) {
            Err(e) => e.to_string(),
            Ok(answer) => panic!("expected an error, got {answer:?}"),
        }
    }

    fn groups_of(&self, node: &str) -> GroupSet {
        self.db.groups_of(self.node(node))
    }

    fn set(&self, groups: &[&str]) -> GroupSet {
        let mut set = GroupSet::EMPTY;
        for g in groups {
            set.insert(self.group(g));
        }
        set
    }

    /// A config as a request body carries it (values interned as the
    /// scenario loader interns them).
    fn config(&mut self, pairs: &[(&str, &str)]) -> Config {
        let mut config = Config::default();
        for (k, v) in pairs {
            let key = self.names.intern(k).unwrap();
            let value = self.names.intern_value(key, v).unwrap();
            config.set(key, Some(value));
        }
        config
    }

    /// Runs J1's trust, J7's accept and J9's final transaction for
    /// `joiner`, which then is a full member with a trusted certificate.
    fn join(&mut self, joiner: &str) {
        let node = self.node(joiner);
        let local = Snapshot(Arc::new(Db::standalone(&self.names)));
        for tx in [
            Tx::TrustCertificate { joiner: node },
            Tx::Accept { joiner: node },
            Tx::JoinMember { joiner: node, local },
        ] {
            self.run(tx).unwrap_or_else(|e| panic!("{joiner}: {e}"));
        }
    }

    fn member_etag(&mut self, member: &str) -> Etag {
        match self.run(Tx::GetMember {
            member: self.sym(member),
        }) {
            Ok(Answer::Member { etag, .. }) => etag,
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn a_member_put_replaces_its_group_list_so_an_admin_can_take_it_out_of_default() {
    // UpdateNodeClusterGroups, internal/server/db/node.go:722-779.
    let mut c = Cluster::new();
    let m2 = c.sym("m2");
    let tx = Tx::UpdateMemberGroups {
        member: m2,
        groups: vec![c.group("gpu"), c.group("spare")],
    };
    assert!(c.run(tx).is_ok());
    assert_eq!(c.groups_of("m2"), c.set(&["gpu", "spare"]));
}

#[test]
fn a_member_put_checks_the_etag_the_group_list_and_that_the_member_is_full() {
    let mut c = Cluster::new();
    let m2 = c.sym("m2");
    let etag = c.member_etag("m2");
    let check = |etag, no_groups| Tx::CheckMemberUpdate {
        member: m2,
        etag: Some(etag),
        no_groups,
    };
    assert_eq!(c.run(check(etag, false)), Ok(Answer::Done));
    // An If-Match of another state: EtagCheck, internal/server/util/http.go:94-96.
    let stale = Etag(etag.0 ^ 1);
    assert_eq!(
        c.error(check(stale, false)),
        format!("ETag doesn't match: {etag} vs {stale}")
    );
    // api_cluster.go:1893-1895.
    assert_eq!(
        c.error(check(etag, true)),
        "Cluster members need to belong to at least one group"
    );
    // GetNodeByName skips pending members (node.go:311-328): j1 is not one yet.
    let j1 = c.sym("j1");
    assert_eq!(c.error(Tx::GetMember { member: j1 }), "Cluster member not found");
}

#[test]
fn a_member_put_naming_a_missing_or_repeated_group_fails_with_the_wrapped_database_error() {
    let mut c = Cluster::new();
    let m1 = c.sym("m1");
    let tx = |groups| Tx::UpdateMemberGroups { member: m1, groups };
    // Group names a scenario mentions anywhere get a slot; `nope` names no group.
    let nope = c.names.lookup_group("nope").expect("mentioned by the scenario");
    assert_eq!(
        c.error(tx(vec![nope])),
        "Update cluster groups: Failed to add member to cluster group: Failed to get cluster group ID: Cluster_group not found"
    );
    let gpu = c.group("gpu");
    assert_eq!(
        c.error(tx(vec![gpu, gpu])),
        "Update cluster groups: Failed to add member to cluster group: UNIQUE constraint failed: nodes_cluster_groups.node_id, nodes_cluster_groups.group_id"
    );
    assert_eq!(
        c.groups_of("m1"),
        c.set(&["default"]),
        "a failed transaction changes nothing"
    );
}

#[test]
fn group_create_delete_and_rename_check_in_incus_order_with_its_texts() {
    let mut c = Cluster::new();
    let (default, gpu, spare) = (c.group("default"), c.group("gpu"), c.group("spare"));
    let nope = c.names.lookup_group("nope").unwrap();
    let refused = [
        // api_cluster_group.go:111-136 and the mapper's ErrConflict text.
        (
            Tx::CreateGroup { group: gpu },
            "This \"Cluster_group\" entry already exists",
        ),
        (
            Tx::DeleteGroup { group: default },
            "The 'default' cluster group cannot be deleted",
        ),
        // Members are checked before use (:935-957).
        (
            Tx::DeleteGroup { group: gpu },
            "Only empty cluster groups can be removed",
        ),
        // `p` lists " spare " while restricted=false: in use all the same (:1096).
        (Tx::DeleteGroup { group: spare }, "Cluster group is currently in use"),
        (Tx::DeleteGroup { group: nope }, "Cluster_group not found"),
        (
            Tx::RenameGroup {
                group: default,
                to: nope,
            },
            "The \"default\" group cannot be renamed",
        ),
        (
            Tx::RenameGroup { group: gpu, to: spare },
            "Name \"spare\" already in use",
        ),
        (
            Tx::RenameGroup { group: spare, to: nope },
            "Cluster group is currently in use",
        ),
    ];
    for (tx, text) in refused {
        assert_eq!(c.error(tx), text);
    }
    assert!(c.run(Tx::RenameGroup { group: gpu, to: nope }).is_ok());
    assert_eq!(c.groups_of("m3"), c.set(&["nope"]));
}

#[test]
fn a_renamed_joiner_is_no_longer_found_by_the_name_its_join_uses() {
    let mut c = Cluster::new();
    let (m3, j1, m1) = (c.sym("m3"), c.sym("j1"), c.sym("m1"));
    // RenameNode refuses a taken name with the bare status text (smart.go:40-42).
    assert_eq!(c.error(Tx::RenameMember { member: m3, to: m1 }), "Conflict");
    assert!(c.run(Tx::ResolveMember { member: m3 }).is_ok());
    assert!(c.run(Tx::RenameMember { member: m3, to: j1 }).is_ok());
    // m3 now carries the joiner's name: J3 and J7 see a member "j1".
    assert!(c.db.member_named(j1, false).is_some_and(|r| r.node == c.node("m3")));
    // J10 looks the joiner up by name (cluster.go:81-84): here it finds m3,
    // already in gpu only, and adds *m3* to default.
    let joiner = c.node("j1");
    let tx = Tx::AddMemberToGroup {
        member: joiner,
        group: c.group("default"),
        by_admin: false,
    };
    assert!(c.run(tx).is_ok());
    assert_eq!(c.groups_of("m3"), c.set(&["default", "gpu"]));
    assert_eq!(c.groups_of("j1"), GroupSet::EMPTY);
}

#[test]
fn removing_a_member_deletes_its_row_and_what_cascades_from_it() {
    let mut c = Cluster::new();
    let (m3, nope) = (c.sym("m3"), c.sym("j1"));
    let leave = |member, force| Tx::CheckMemberLeave {
        member,
        pending: false,
        force,
    };
    assert_eq!(
        c.error(leave(nope, false)),
        "Failed to get member \"j1\": Cluster member not found"
    );
    assert!(c.run(leave(m3, false)).is_ok());
    assert!(
        c.run(Tx::PurgeMember {
            member: m3,
            pending: false
        })
        .is_ok()
    );
    let node = c.node("m3");
    assert!(c.db.member(node).is_none());
    assert!(
        c.db.groups.iter().all(|g| !g.members.contains(node)),
        "ON DELETE CASCADE"
    );
    assert_eq!(
        c.error(Tx::PurgeMember {
            member: m3,
            pending: false
        }),
        "Failed to remove member from database: Failed to get member \"m3\": Cluster member not found"
    );
    let (m1, m2) = (c.sym("m1"), c.sym("m2"));
    c.run(Tx::PurgeMember {
        member: m2,
        pending: false,
    })
    .unwrap();
    assert_eq!(c.error(leave(m1, false)), "Member is the only member in the cluster");
    assert!(c.run(leave(m1, true)).is_ok(), "--force skips the check");
}

#[test]
fn project_validation_reads_groups_in_its_own_transaction_and_the_write_rechecks_nothing() {
    let mut c = Cluster::new();
    let default = c.sym("default");
    let config = c.config(&[("restricted", "true"), ("restricted.cluster.groups", "spare")]);
    let validate = |read| Tx::ValidateProjectConfig {
        project: default,
        config: config.clone(),
        read,
    };
    // The pools transaction leaves the group check to the next one.
    assert_eq!(c.run(validate(ValidationRead::Pools)), Ok(Answer::Done));
    assert_eq!(
        c.run(validate(ValidationRead::ClusterGroups)),
        Ok(Answer::Validated(config.clone()))
    );
    // The group goes away between validation and write (a rename would
    // do the same)...
    let p = c.sym("p");
    c.run(Tx::WriteProject {
        project: p,
        config: Config::default(),
    })
    .unwrap();
    c.run(Tx::DeleteGroup {
        group: c.group("spare"),
    })
    .unwrap();
    // ...and the write commits a project naming a group that does not exist.
    assert!(
        c.run(Tx::WriteProject {
            project: default,
            config
        })
        .is_ok()
    );
    assert!(
        c.db.project(default)
            .unwrap()
            .config
            .get(c.sym("restricted.cluster.groups"))
            .is_some()
    );
}

#[test]
fn project_update_errors_are_incus_texts() {
    let mut c = Cluster::new();
    let default = c.sym("default");
    let groups = |c: &mut Cluster, value: &str| c.config(&[("restricted.cluster.groups", value)]);
    let validate = |config| Tx::ValidateProjectConfig {
        project: default,
        config,
        read: ValidationRead::ClusterGroups,
    };
    // api_project.go:1790-1794, wrapped at :2097-2100; the empty item of "gpu,"
    // is a name too (SplitNTrimSpace keeps it).
    let trailing_comma = validate(groups(&mut c, "gpu,"));
    assert_eq!(
        c.error(trailing_comma),
        "Invalid project configuration key \"restricted.cluster.groups\" value: Cluster group \"\" doesn't exist"
    );
    let missing = validate(groups(&mut c, "nope"));
    assert_eq!(
        c.error(missing),
        "Invalid project configuration key \"restricted.cluster.groups\" value: Cluster group \"nope\" doesn't exist"
    );
    // :2106-2108.
    let unprofiled = c.config(&[("restricted", "true"), ("features.profiles", "false")]);
    let tx = Tx::ValidateProjectConfig {
        project: default,
        config: unprofiled,
        read: ValidationRead::Pools,
    };
    assert_eq!(c.error(tx), "Projects without their own profiles cannot be restricted");
    // :803-806.
    let config = c.config(&[("features.profiles", "true")]);
    let tx = Tx::CheckProjectUpdate {
        project: default,
        config,
        etag: None,
    };
    assert_eq!(c.error(tx), "You can't change the features of the default project");
}

/// The scripted admin of `CLUSTER`, run on the nominal schedule.
fn admin_results() -> (World, Vec<Result<(), String>>) {
    let scenario = Scenario::parse("admin", "admin.toml", CLUSTER).expect("parses");
    let world = common::replay_schedule(&scenario, &Default::default()).world;
    let admin = world
        .nodes
        .iter()
        .find_map(|n| match n {
            Node::Admin(a) => Some(a.results.clone()),
            _ => None,
        })
        .expect("an admin");
    let results = admin.into_iter().map(|r| r.map_err(|e| e.to_string())).collect();
    (world, results)
}

#[test]
fn scripted_commands_end_as_incus_would_answer_them() {
    let (world, results) = admin_results();
    let names = &world.setup.names;
    assert_eq!(
        results,
        vec![
            // m3 takes the joiner's name before the joiner's J3 reads the members.
            Ok(()),
            Err("Invalid project configuration key \"restricted.cluster.groups\" value: Cluster group \"\" doesn't exist".into()),
            Err("Invalid project configuration key \"restricted.cluster.groups\" value: Cluster group \"nope\" doesn't exist".into()),
            Ok(()),
        ]
    );
    // The PATCH wrote its body's config alone: projectPatch merges the
    // current keys into a copy it discards (api_project.go:753-763).
    let default = world.db.project(names.lookup("default").unwrap()).unwrap();
    assert_eq!(
        default.config.get(names.lookup("user.a").unwrap()),
        None,
        "{:?}",
        default.config
    );
    assert!(default.config.get(names.lookup("user.x").unwrap()).is_some());
    // The join met a member named j1: refused at J3 (api_cluster.go:563-565).
    let join = &world.joiner_state(world.setup.joiners().next().unwrap()).unwrap();
    let failure = join.failure.as_ref().expect("the join failed");
    assert!(
        failure
            .error
            .ends_with("The cluster already has a member with name: j1"),
        "{}",
        failure.error
    );
}

#[test]
fn client_side_group_commands_refuse_what_incus_refuses_before_any_put() {
    let text = CLUSTER.replace(
        "commands = [\n    { op = \"rename-member\"",
        "commands = [\n    { op = \"add-member-to-group\", member = \"m2\", group = \"gpu\" },\n    { op = \"remove-member-from-group\", member = \"m1\", group = \"gpu\" },\n    { op = \"remove-member-from-group\", member = \"m1\", group = \"default\" },\n    { op = \"assign-member\", member = \"m2\", groups = [\"spare\"] },\n    { op = \"rename-member\"",
    );
    let scenario = Scenario::parse("admin", "admin.toml", &text).expect("parses");
    let world = common::replay_schedule(&scenario, &Default::default()).world;
    let results: Vec<Result<(), String>> = world
        .nodes
        .iter()
        .find_map(|n| match n {
            Node::Admin(a) => Some(a.results.iter().map(|r| r.clone().map_err(|e| e.to_string())).collect()),
            _ => None,
        })
        .unwrap();
    // cmd/incus/cluster_group.go:782-784, 604-606; then the server's
    // api_cluster.go:1893-1895 for a list left empty.
    assert_eq!(results[0], Err("Cluster member m2 is already in group gpu".into()));
    assert_eq!(
        results[1],
        Err("Cluster group gpu isn't currently applied to m1".into())
    );
    assert_eq!(
        results[2],
        Err("Cluster members need to belong to at least one group".into())
    );
    assert_eq!(results[3], Ok(()));
    let m2 = world.setup.names.nodes.iter().position(|n| n == "m2").unwrap() as NodeId;
    let spare = world.setup.names.lookup_group("spare").unwrap();
    assert_eq!(
        world.db.groups_of(m2),
        GroupSet::only(spare),
        "assign replaced default and gpu"
    );
}

#[test]
fn a_join_token_is_refused_by_member_name_not_by_address() {
    // clusterNodesPost compares each non-pending member's *name* with the
    // requested one (api_cluster.go:1483-1507 at be7afc5df3).
    let mut c = Cluster::of(JOINS);
    c.join("j1");
    let (j1, j2) = (c.node("j1"), c.node("j2"));
    assert_eq!(
        c.error(Tx::IssueJoinToken { joiner: j1 }),
        "The cluster already has a member with name: j1"
    );
    // j1's own row renamed: its address is a member's, its name is free.
    let (j1_sym, j1_new) = (c.sym("j1"), c.sym("j1-new"));
    c.run(Tx::RenameMember {
        member: j1_sym,
        to: j1_new,
    })
    .unwrap();
    assert!(c.run(Tx::IssueJoinToken { joiner: j1 }).is_ok());
    // m2 renamed to j2: j2 has no row, yet its name is taken.
    let (m2, j2_sym) = (c.sym("m2"), c.sym("j2"));
    c.run(Tx::RenameMember { member: m2, to: j2_sym }).unwrap();
    assert_eq!(
        c.error(Tx::IssueJoinToken { joiner: j2 }),
        "The cluster already has a member with name: j2"
    );
}

#[test]
fn purge_deletes_every_server_certificate_of_the_name_it_removes() {
    // cluster.Purge runs DeleteCertificates(name, TypeServer)
    // (membership.go:1160; certificates.mapper.go:51-53): by the name it was
    // given, not by whose row it removed.
    let mut c = Cluster::of(JOINS);
    c.join("j1");
    let (j1, j2) = (c.node("j1"), c.node("j2"));
    c.run(Tx::TrustCertificate { joiner: j2 }).unwrap();
    assert!(c.db.trusted.contains(j1) && c.db.trusted.contains(j2));
    // Removing m2, renamed j2, takes j2's certificate with it.
    let (m2, j2_sym) = (c.sym("m2"), c.sym("j2"));
    c.run(Tx::RenameMember { member: m2, to: j2_sym }).unwrap();
    let purge = |member| Tx::PurgeMember { member, pending: false };
    c.run(purge(j2_sym)).unwrap();
    assert!(c.db.member(c.node("m2")).is_none());
    assert!(!c.db.trusted.contains(j2), "j2's certificate has the name purged");
    // Removing j1 under its new name leaves its certificate, still named j1.
    let (j1_sym, j1_new) = (c.sym("j1"), c.sym("j1-new"));
    c.run(Tx::RenameMember {
        member: j1_sym,
        to: j1_new,
    })
    .unwrap();
    c.run(purge(j1_new)).unwrap();
    assert!(c.db.member(j1).is_none());
    assert!(c.db.trusted.contains(j1), "no certificate is named j1-new");
}

#[test]
fn the_reverters_purge_deletes_the_pending_row_and_the_certificate_of_its_name() {
    let mut c = Cluster::of(JOINS);
    let j2 = c.node("j2");
    c.run(Tx::TrustCertificate { joiner: j2 }).unwrap();
    c.run(Tx::Accept { joiner: j2 }).unwrap();
    c.run(Tx::PurgePending { joiner: j2 }).unwrap();
    assert!(c.db.member(j2).is_none());
    assert!(!c.db.trusted.contains(j2));
}

#[test]
fn incus_6_0_deletes_or_renames_a_group_a_project_names() {
    // v6.0.4 has no clusterGroupUsedBy: the rename and delete transactions
    // (api_cluster_group.go:395-408, 746-757 at v6.0.4) check only the new
    // name and the members; 077391051c (v6.18.0, v6.0.6) added the check.
    let mut c = Cluster::new();
    c.variant = Variant::INCUS_6_0;
    let (spare, nope) = (c.group("spare"), c.names.lookup_group("nope").unwrap());
    let p = c.sym("p");
    assert!(c.run(Tx::RenameGroup { group: spare, to: nope }).is_ok());
    assert!(c.db.group(spare).is_none(), "p now names a group that does not exist");
    assert!(
        c.db.project(p)
            .unwrap()
            .config
            .restricted_groups(&c.names)
            .unwrap()
            .contains(&spare)
    );
    // Renaming or deleting a group that is not there: the generated
    // statements' texts (cluster_groups.mapper.go:278-280, 362-364 at v6.0.4).
    assert_eq!(
        c.error(Tx::RenameGroup { group: spare, to: nope }),
        "Name \"nope\" already in use"
    );
    let gpu = c.group("gpu");
    assert!(c.run(Tx::DeleteGroup { group: nope }).is_ok());
    assert_eq!(
        c.error(Tx::RenameGroup { group: nope, to: spare }),
        "Query affected 0 rows instead of 1"
    );
    assert_eq!(c.error(Tx::DeleteGroup { group: nope }), "Cluster_group not found");
    assert_eq!(
        c.error(Tx::DeleteGroup { group: gpu }),
        "Only empty cluster groups can be removed"
    );
}
