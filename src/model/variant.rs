//! The protocol variants (INCUS-JOIN.md, "Protocol variants"). A variant is
//! a value: its name, the Incus it follows, and a [`Differences`] record
//! of the choices the join steps read (one field per difference between
//! the releases and fixes it can follow, each citing its Incus code and
//! the commit that brought it). The join steps
//! read the record; none asks "which variant is this?". Adding a variant is
//! its constant, a line in [`Variant::ALL`] and, for a fix, the findings it
//! declares it fixes ([`Variant::fixes`]).

use super::db::Config;
use super::names::Names;
use super::validate::KeysChecked;

/// What J5 (`clusterInitMember`) passes to the joiner's local daemon for
/// each project.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ConfigAtMemberInit {
    /// The whole project config, as read from the cluster.
    Full,
    /// Only the `features.*` keys.
    FeaturesOnly,
}

/// Whether J5's local network creation validates the network's config.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NetworksValidatedOnJoin {
    /// No validation on join (1d86e789c0^:cmd/incusd/networks.go:768-776).
    No,
    /// `doNetworksCreate` validates the config without `security.acls*`
    /// (cmd/incusd/networks.go:916-936 at be7afc5df3; "incusd/networks:
    /// Validate configuration on join too", 27204c8625, first in v6.11.0,
    /// backported as 040ebfbfb1 into v6.0.4), so the bridge's
    /// `validateZoneNames` looks up its zones in the joiner's database.
    ExceptAcls,
    /// Proposed fix: the `dns.zone.*` keys are skipped on join as the ACLs
    /// are (the loop at networks.go:923-929 would skip them too).
    ExceptAclsAndZones,
}

/// Where a variant's join takes one road or the other.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Differences {
    /// J5 fetches the cluster groups and creates them locally before it
    /// fetches projects (a separate request).
    pub syncs_groups_first: bool,
    pub config_at_member_init: ConfigAtMemberInit,
    /// Which keys J5's validation checks.
    pub keys_checked_at_member_init: KeysChecked,
    /// Validation postponed at J5 runs after J9, against the replicated
    /// database, on the config J5 applied.
    pub validates_after_join: bool,
    /// The reverter's delete also removes the joiner's own *full* row (one
    /// its failed join made full at J9), not only a pending one.
    pub revert_deletes_own_full_row: bool,
    /// J10's insert of (joiner, default) runs inside J9's final
    /// transaction, as an insert that ignores an existing pair, and J10 is
    /// gone.
    pub default_group_in_join_transaction: bool,
    /// A project update's write transaction checks again that every group
    /// of `restricted.cluster.groups` exists, as its validator did.
    pub project_write_rechecks_groups: bool,
    /// The reverter sends its `DeletePendingClusterMember` again when it
    /// failed for another reason than the member not being found (a
    /// refused or reset connection, a leader it could not reach), a
    /// bounded number of times, a pause apart.
    pub revert_retries: bool,
    /// J4 fetches the cluster's global config (`GET /1.0`) and applies it
    /// locally before member init (cmd/incusd/api_cluster.go:596-637 at
    /// be7afc5df3; commit 8c74cad128, in no release up to v7.3.0). Without
    /// it, J4 only sets the server name and clustered flag in memory.
    pub applies_cluster_config_before_init: bool,
    /// J6 registers the reverter's `DeletePendingClusterMember`
    /// (api_cluster.go:706-711 at be7afc5df3; lxc/incus#2145, commit
    /// 6eb312712a, first in v6.13.0 and v6.0.5). Without it a join that
    /// fails after J7 leaves its pending (or full) row for good.
    pub registers_pending_member_revert: bool,
    /// The reverter also undoes what the join changed on the joiner's own
    /// server: its global database (kept aside at J9 instead of removed),
    /// its raft node list, and its certificate (the cluster one replaced
    /// by its own again).
    pub revert_restores_joiner: bool,
    /// Deleting or renaming a cluster group is refused while a project
    /// lists it in `restricted.cluster.groups` (`clusterGroupUsedBy`,
    /// cmd/incusd/api_cluster_group.go:465-472, 944-957 at be7afc5df3;
    /// lxc/incus#2571 for #2535, commit 077391051c, first in v6.18.0 and
    /// v6.0.6). Without it the transaction deletes or renames the group a
    /// project still names.
    pub group_change_checks_use: bool,
    /// A project update that enables `features.networks` is refused
    /// without OVN (`projectCheckOVNAvailable`, cmd/incusd/api_project.go:
    /// 836-841, 1501-1508 at be7afc5df3; commit 68d6f58bf7, in no release
    /// up to v7.3.0). The model has no OVN, so with it the update fails.
    pub project_networks_need_ovn: bool,
    /// J3 lists the cluster's members and refuses a name one of them has,
    /// and J0 refuses a token for such a name (cmd/incusd/api_cluster.go:
    /// 555-566, 1504-1506 at be7afc5df3; commit 6cd2223d85, first in
    /// v6.10.0). Without them a taken name is refused only by the accept
    /// at J7 (membership.go:1255), after J5 changed the joiner.
    pub checks_name_before_init: bool,
    /// What J5's local network creation validates.
    pub networks_validated_on_join: NetworksValidatedOnJoin,
    /// J1 `SetupTrust` connects with `incus.ConnectIncus`, which reads
    /// `GET /1.0` before the `POST /1.0/certificates`; a failure there is
    /// wrapped `Failed to connect to target cluster node %q: %w`
    /// (internal/server/cluster/connect.go:212-222 at v6.0.4). be7afc5df3
    /// skips that read (`SkipGetServer`, connect.go:279-285; 3fae208252,
    /// first in v6.15.0).
    pub setup_trust_reads_server: bool,
    /// `project.NetworkAllowed` lets any managed network through in a
    /// project with `features.networks` before it looks at
    /// `restricted.networks.access` (internal/server/project/project.go:
    /// 290-293 at be7afc5df3; ff2dd0c21a, in no release up to v7.3.0).
    /// Without it the list is checked for every network (v6.0.4
    /// project.go:208-232).
    pub network_access_spares_own_networks: bool,
    /// A reverter registered once J1 `SetupTrust` succeeded deletes the
    /// joiner's certificate from the cluster's trust store, for a join that
    /// fails before J6 registers `DeletePendingClusterMember` (whose
    /// `cluster.Purge` deletes it: membership.go:1160 at be7afc5df3). No
    /// Incus has it: `clusterPutJoin` creates its reverter only after J3
    /// (api_cluster.go:576-577) and registers nothing for J1's certificate.
    pub untrusts_on_failure: bool,
    /// The global create of a pool or network checks that every member,
    /// pending ones included, has it defined (`--target`), so it is refused
    /// while a join is between its J5 reads and J9. Incus lists only
    /// non-pending members (`GetNodes`, internal/server/db/node.go:407-409;
    /// internal/server/db/networks.go:290-318 at be7afc5df3).
    pub create_checks_pending_members: bool,
}

/// The join of Incus 6.7 at J5; elsewhere (J4's config fetch, J6's revert)
/// the join of be7afc5df3, which 6.7 did not have (`incus-6.0` shows the
/// older join path without them).
const INCUS_6_7: Differences = Differences {
    syncs_groups_first: false,
    config_at_member_init: ConfigAtMemberInit::Full,
    keys_checked_at_member_init: KeysChecked::All,
    validates_after_join: false,
    revert_deletes_own_full_row: false,
    default_group_in_join_transaction: false,
    project_write_rechecks_groups: false,
    revert_retries: false,
    revert_restores_joiner: false,
    applies_cluster_config_before_init: true,
    registers_pending_member_revert: true,
    group_change_checks_use: true,
    project_networks_need_ovn: true,
    checks_name_before_init: true,
    networks_validated_on_join: NetworksValidatedOnJoin::No,
    setup_trust_reads_server: false,
    network_access_spares_own_networks: true,
    untrusts_on_failure: false,
    create_checks_pending_members: false,
};

/// Today's Incus (6.8+): J5 passes only `features.*` keys.
const TODAY: Differences = Differences {
    config_at_member_init: ConfigAtMemberInit::FeaturesOnly,
    networks_validated_on_join: NetworksValidatedOnJoin::ExceptAcls,
    ..INCUS_6_7
};

/// Incus 6.0.4, the LTS release Debian ships (`incus-base`
/// 6.0.4-2+deb13u7~bpo12+1), read at tag v6.0.4 of lxc/incus: J5 already
/// passes only `features.*` keys (cmd/incusd/api_cluster.go:964-970 at
/// v6.0.4, the #1390 fix backported), but J4 fetches no cluster config
/// (api_cluster.go:544-562: from the in-memory name straight to
/// `clusterInitMember`) and J6 registers no revert (api_cluster.go:567-629:
/// the local listing is followed directly by the accept); and a cluster
/// group is deleted or renamed whether or not a project names it
/// (cmd/incusd/api_cluster_group.go:395-408, 746-757 at v6.0.4); a project
/// may enable `features.networks` without OVN (`projectChange`,
/// api_project.go:699-826 at v6.0.4, checks no OVN).
const INCUS_6_0: Differences = Differences {
    setup_trust_reads_server: true,
    applies_cluster_config_before_init: false,
    registers_pending_member_revert: false,
    group_change_checks_use: false,
    project_networks_need_ovn: false,
    network_access_spares_own_networks: false,
    ..TODAY
};

/// What every release up to v7.3.0 lacks of be7afc5df3's join path: J4's
/// config fetch (8c74cad128), the project OVN check (68d6f58bf7) and
/// `NetworkAllowed`'s pass for a project's own networks (ff2dd0c21a).
const RELEASED: Differences = Differences {
    applies_cluster_config_before_init: false,
    project_networks_need_ovn: false,
    network_access_spares_own_networks: false,
    ..TODAY
};

/// v6.7.0, the release before the #1390 fix: J5 passes the full config
/// (cmd/incusd/api_cluster.go:984 at v6.7.0); no J0 or J3 name check, no
/// J6 revert, no group use check (the rows of `incus-6.0` in FIDELITY.md,
/// absent at v6.7.0 as at v6.0.4 or earlier).
const V6_7_0: Differences = Differences {
    setup_trust_reads_server: true,
    config_at_member_init: ConfigAtMemberInit::Full,
    checks_name_before_init: false,
    registers_pending_member_revert: false,
    group_change_checks_use: false,
    networks_validated_on_join: NetworksValidatedOnJoin::No,
    ..RELEASED
};

/// v6.8.0: the #1390 fix, 1d86e789c0, and nothing else on the join path
/// (`git diff v6.7.0 v6.8.0`: an address validation before the operation).
const V6_8_0: Differences = Differences {
    config_at_member_init: ConfigAtMemberInit::FeaturesOnly,
    ..V6_7_0
};

/// v6.12.0, the release before lxc/incus#2145: the name checks of
/// 6cd2223d85 (v6.10.0) and the network validation on join of 27204c8625
/// (v6.11.0), no J6 revert.
const V6_12_0: Differences = Differences {
    checks_name_before_init: true,
    networks_validated_on_join: NetworksValidatedOnJoin::ExceptAcls,
    ..V6_8_0
};

/// v6.13.0: lxc/incus#2145 (6eb312712a) registers the J6 revert.
const V6_13_0: Differences = Differences {
    registers_pending_member_revert: true,
    ..V6_12_0
};

/// v6.17.0, the release before lxc/incus#2571: [`V6_13_0`] but for J1,
/// which no longer reads `GET /1.0` first (3fae208252, first in v6.15.0).
const V6_17_0: Differences = Differences {
    setup_trust_reads_server: false,
    ..V6_13_0
};

/// v6.18.0: lxc/incus#2571 (077391051c) refuses deleting or renaming a
/// group in use.
const V6_18_0: Differences = Differences {
    group_change_checks_use: true,
    ..V6_17_0
};

/// A protocol variant: a name and its differences. Cheap to copy and
/// compare (by name).
#[derive(Clone, Copy, Debug)]
pub struct Variant {
    name: &'static str,
    description: &'static str,
    /// The Incus code the variant follows: a release, a commit, or the
    /// commit the model cites plus a fix that is not Incus.
    follows: &'static str,
    /// The findings (`findings/NAME.toml`) this variant is the fix for:
    /// each names it as its `fix`, and its scenario's
    /// `[expect_variant.NAME]` keeps the finding's group out of every run
    /// (held by tests/fix_variants.rs). Empty for a variant that fixes no
    /// finding (a release, a proposed fix of #1390).
    fixes: &'static [&'static str],
    pub differences: Differences,
}

impl PartialEq for Variant {
    fn eq(&self, other: &Variant) -> bool {
        self.name == other.name
    }
}

impl Eq for Variant {}

impl std::hash::Hash for Variant {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

impl PartialOrd for Variant {
    fn partial_cmp(&self, other: &Variant) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Variant {
    fn cmp(&self, other: &Variant) -> std::cmp::Ordering {
        self.name.cmp(other.name)
    }
}

impl Variant {
    /// Before the fix: J5 applies and validates the full project config
    /// against the joiner's local database.
    pub const INCUS_6_7: Variant = Variant {
        name: "incus-6.7",
        description: "J5 applies and validates the full project config on the joiner's local DB (before the #1390 fix)",
        follows: "lxc/incus 1d86e789c0^ (v6.7.0) at J5; be7afc5df3 elsewhere",
        fixes: &[],
        differences: INCUS_6_7,
    };

    /// Incus 6.8+ ("incusd/cluster: Skip project restrictions during
    /// join"): J5 passes only `features.*` keys; restrictions arrive with
    /// the replicated database at J9.
    pub const FEATURES_ONLY: Variant = Variant {
        name: "features-only",
        description: "J5 passes only features.* keys; restrictions apply with the replicated DB at J9 (Incus 6.8+)",
        follows: "lxc/incus be7afc5df3 (today's Incus)",
        fixes: &[],
        differences: TODAY,
    };

    /// The Incus that runs on this machine: Debian's 6.0.4 package, which
    /// follows tag v6.0.4 of lxc/incus plus Debian's patches (mostly
    /// security fixes; their patch set is not available here, so a
    /// difference from v6.0.4 on the join path cannot be ruled out). Real
    /// runs are compared with this variant, never with today's.
    pub const INCUS_6_0: Variant = Variant {
        name: "incus-6.0",
        description: "Incus 6.0.4 (Debian's LTS package): J5 passes only features.* keys, J4 fetches no cluster config, J6 registers no revert, a cluster group a project names can be deleted or renamed",
        follows: "lxc/incus v6.0.4 (Debian incus-base 6.0.4-2+deb13u7~bpo12+1; Debian's patches not read)",
        fixes: &[],
        differences: INCUS_6_0,
    };

    /// A fix for the revert-path findings (revert-after-join,
    /// default-group-assign-race, transaction-retry): the reverter's
    /// `DeletePendingClusterMember` (cmd/incusd/api_cluster.go:706-711 at
    /// be7afc5df3) deletes the joiner's row whether pending or full, since
    /// the failed join made it; `cluster.Leave`/`Purge` with `pending`
    /// (internal/server/cluster/membership.go:980-984, 1138-1142) are the
    /// lookups it would change.
    pub const REVERT_CLEANS_UP: Variant = Variant {
        name: "revert-cleans-up",
        description: "today's Incus, but the reverter deletes the joiner's row pending or full (fix for the revert-path findings)",
        follows: "be7afc5df3 plus a fix (not Incus)",
        fixes: &["retried-join", "revert-after-join", "transaction-retry"],
        differences: Differences {
            revert_deletes_own_full_row: true,
            ..TODAY
        },
    };

    /// A fix for default-group-assign-race and the retried J10: the
    /// (joiner, default) pair is inserted in J9's final transaction
    /// (membership.go:472-576) as `INSERT OR IGNORE`, and J10
    /// (api_cluster.go:793-797) is gone.
    pub const ATOMIC_DEFAULT_GROUP: Variant = Variant {
        name: "atomic-default-group",
        description: "today's Incus, but J10's default-group insert runs in J9's transaction and ignores an existing pair (fix for default-group-assign-race)",
        follows: "be7afc5df3 plus a fix (not Incus)",
        fixes: &[
            "default-group-assign-race",
            "member-rename-during-join",
            "transaction-retry-default-group",
        ],
        differences: Differences {
            default_group_in_join_transaction: true,
            ..TODAY
        },
    };

    /// A fix for project-update-toctou: `projectChange`'s write transaction
    /// (cmd/incusd/api_project.go:844-893) re-validates
    /// `restricted.cluster.groups` against the groups it sees.
    pub const PROJECT_WRITE_RECHECK: Variant = Variant {
        name: "project-write-recheck",
        description: "today's Incus, but a project update's write transaction re-checks its cluster groups (fix for project-update-toctou)",
        follows: "be7afc5df3 plus a fix (not Incus)",
        fixes: &["project-update-toctou"],
        differences: Differences {
            project_write_rechecks_groups: true,
            ..TODAY
        },
    };

    /// A fix for revert-target-down and the reverts lost on a faulty
    /// network (lossy-admin): the reverter (cmd/incusd/api_cluster.go:706-711
    /// at be7afc5df3) sends `DeletePendingClusterMember`
    /// (client/incus_cluster.go:68-80), a single request, once and only
    /// logs its failure; here it retries what failed for any reason but
    /// "not found", and, as `revert-cleans-up`, deletes the joiner's row
    /// pending or full.
    pub const REVERT_RETRIES: Variant = Variant {
        name: "revert-retries",
        description: "today's Incus, but the reverter sends its DELETE up to 10 times, 100 ms apart, until it is answered, and deletes the joiner's row pending or full (fix for reverts lost to a reset connection or a target down for under a second; revert-target-down-long shows a longer outage defeats it)",
        follows: "be7afc5df3 plus a fix (not Incus)",
        fixes: &[
            "lossy-admin-error-after-join",
            "lossy-admin-revert-reset",
            "revert-target-down",
        ],
        differences: Differences {
            revert_deletes_own_full_row: true,
            revert_retries: true,
            ..TODAY
        },
    };

    /// A fix for joiner-not-standalone: what J8 and J9 change on the
    /// joiner is undone by its reverter (cmd/incusd/api_cluster.go:585-592
    /// at be7afc5df3 restores only the server name and the clustered
    /// flag): J9's `os.RemoveAll` of the global database directory
    /// (internal/server/cluster/membership.go:399) becomes a move aside,
    /// restored on failure; the raft node list set at membership.go:340 is
    /// emptied again; the cluster certificate written at
    /// api_cluster.go:720 is replaced by the server's own. As
    /// `revert-cleans-up`, the leader's delete of the joiner's row (pending
    /// or full) also takes it out of the raft configuration
    /// (membership.go:1007-1045).
    pub const REVERT_RESTORES_JOINER: Variant = Variant {
        name: "revert-restores-joiner",
        description: "today's Incus, but the reverter deletes the joiner's row pending or full and restores the joiner's own database, empty raft node list and certificate (fix for joiner-not-standalone)",
        follows: "be7afc5df3 plus a fix (not Incus)",
        fixes: &["joiner-not-standalone"],
        differences: Differences {
            revert_deletes_own_full_row: true,
            revert_restores_joiner: true,
            ..TODAY
        },
    };

    /// A fix for network-zone-join: J5's local network creation skips the
    /// `dns.zone.*` keys in its validation as it skips `security.acls*`
    /// (cmd/incusd/networks.go:920-933 at be7afc5df3), since J5 creates no
    /// network zone; the cluster validated them when the network was
    /// created or changed.
    pub const SKIP_ZONES_ON_JOIN: Variant = Variant {
        name: "skip-zones-on-join",
        description: "today's Incus, but J5's local network creation skips dns.zone.* in its validation as it skips security.acls* (fix for network-zone-join)",
        follows: "be7afc5df3 plus a fix (not Incus)",
        fixes: &["network-zone-join"],
        differences: Differences {
            networks_validated_on_join: NetworksValidatedOnJoin::ExceptAclsAndZones,
            ..TODAY
        },
    };

    /// A fix for failed-join-trusted-certificate: the join's reverter is
    /// created before J1 and, once `SetupTrust` succeeded, deletes the
    /// joiner's certificate again on failure (`DELETE
    /// /1.0/certificates/FINGERPRINT` to the target, with the server
    /// certificate the cluster trusts). A join failing from J7 on is
    /// reverted by `DeletePendingClusterMember` as today.
    pub const UNTRUST_ON_FAILURE: Variant = Variant {
        name: "untrust-on-failure",
        description: "today's Incus, but a join failing between J1 and J6 deletes the joiner's certificate from the cluster's trust store (fix for failed-join-trusted-certificate)",
        follows: "be7afc5df3 plus a fix (not Incus)",
        fixes: &["failed-join-trusted-certificate"],
        differences: Differences {
            untrusts_on_failure: true,
            ..TODAY
        },
    };

    /// A fix for network-during-join: a pool's or network's global create
    /// is refused while a member is pending (it has no `--target`
    /// definition there), instead of created behind the join's back.
    pub const CREATE_CHECKS_PENDING_MEMBERS: Variant = Variant {
        name: "create-checks-pending-members",
        description: "today's Incus, but a pool's or network's global create checks pending members too, so it is refused while a join is under way (fix for network-during-join)",
        follows: "be7afc5df3 plus a fix (not Incus)",
        fixes: &["network-during-join"],
        differences: Differences {
            create_checks_pending_members: true,
            ..TODAY
        },
    };

    /// The releases the bug history (`scenarios/history/`) runs under: each
    /// follows its tag of lxc/incus in every `Differences` field, read at
    /// that tag (FIDELITY.md, "Releases").
    pub const V6_7_0: Variant = Variant {
        name: "v6.7.0",
        description: "Incus 6.7.0 as released: J5 applies the full project config; no name check before J5, no J6 revert, no group use check",
        follows: "lxc/incus v6.7.0",
        fixes: &[],
        differences: V6_7_0,
    };

    pub const V6_8_0: Variant = Variant {
        name: "v6.8.0",
        description: "Incus 6.8.0 as released: the #1390 fix (J5 passes only features.* keys); otherwise as v6.7.0",
        follows: "lxc/incus v6.8.0",
        fixes: &[],
        differences: V6_8_0,
    };

    pub const V6_12_0: Variant = Variant {
        name: "v6.12.0",
        description: "Incus 6.12.0 as released: J0 and J3 check the name; no J6 revert (before lxc/incus#2145)",
        follows: "lxc/incus v6.12.0",
        fixes: &[],
        differences: V6_12_0,
    };

    pub const V6_13_0: Variant = Variant {
        name: "v6.13.0",
        description: "Incus 6.13.0 as released: J6 registers the reverter's DeletePendingClusterMember (lxc/incus#2145)",
        follows: "lxc/incus v6.13.0",
        fixes: &[],
        differences: V6_13_0,
    };

    pub const V6_17_0: Variant = Variant {
        name: "v6.17.0",
        description: "Incus 6.17.0 as released: a group a project names can still be deleted or renamed (before lxc/incus#2571)",
        follows: "lxc/incus v6.17.0",
        fixes: &[],
        differences: V6_17_0,
    };

    pub const V6_18_0: Variant = Variant {
        name: "v6.18.0",
        description: "Incus 6.18.0 as released: deleting or renaming a group a project names is refused (lxc/incus#2571)",
        follows: "lxc/incus v6.18.0",
        fixes: &[],
        differences: V6_18_0,
    };

    /// Proposed fix: fetch the cluster groups and create them locally,
    /// then fetch and validate projects (two requests).
    pub const GROUPS_FIRST: Variant = Variant {
        name: "groups-first",
        description: "J5 first fetches and creates the cluster groups locally, then fetches and validates projects (proposed fix)",
        follows: "incus-6.7 plus a proposed fix (not Incus)",
        fixes: &[],
        differences: Differences {
            syncs_groups_first: true,
            ..INCUS_6_7
        },
    };

    /// Proposed fix: apply the full config at J5 but validate keys that
    /// reference cluster state only after J9. What is validated then is
    /// the config the joiner applied at J5 (as read then), against the
    /// groups of the replicated database: validation postponed, not
    /// re-read.
    pub const DEFERRED_VALIDATION: Variant = Variant {
        name: "deferred-validation",
        description: "J5 applies the full config but validates cluster-referencing keys only after J9 (proposed fix)",
        follows: "incus-6.7 plus a proposed fix (not Incus)",
        fixes: &[],
        differences: Differences {
            keys_checked_at_member_init: KeysChecked::LocalOnly,
            validates_after_join: true,
            ..INCUS_6_7
        },
    };

    pub const ALL: [Variant; 19] = [
        Variant::INCUS_6_7,
        Variant::FEATURES_ONLY,
        Variant::INCUS_6_0,
        Variant::GROUPS_FIRST,
        Variant::DEFERRED_VALIDATION,
        Variant::REVERT_CLEANS_UP,
        Variant::ATOMIC_DEFAULT_GROUP,
        Variant::PROJECT_WRITE_RECHECK,
        Variant::REVERT_RETRIES,
        Variant::REVERT_RESTORES_JOINER,
        Variant::V6_7_0,
        Variant::V6_8_0,
        Variant::V6_12_0,
        Variant::V6_13_0,
        Variant::V6_17_0,
        Variant::V6_18_0,
        Variant::SKIP_ZONES_ON_JOIN,
        Variant::UNTRUST_ON_FAILURE,
        Variant::CREATE_CHECKS_PENDING_MEMBERS,
    ];

    pub fn name(self) -> &'static str {
        self.name
    }

    pub fn description(self) -> &'static str {
        self.description
    }

    /// The findings it is the fix for, by name.
    pub fn fixes(self) -> &'static [&'static str] {
        self.fixes
    }

    /// The Incus release or commit the variant follows.
    pub fn follows(self) -> &'static str {
        self.follows
    }

    pub fn parse(name: &str) -> Option<Variant> {
        Variant::ALL.into_iter().find(|v| v.name() == name)
    }

    /// Whether J5 reads the cluster groups before it reads projects.
    pub fn syncs_groups_first(self) -> bool {
        self.differences.syncs_groups_first
    }

    /// The config J5 applies to a project on the joiner's local daemon.
    pub fn config_at_member_init(self, config: &Config, names: &Names) -> Config {
        match self.differences.config_at_member_init {
            ConfigAtMemberInit::FeaturesOnly => config.features_only(names),
            ConfigAtMemberInit::Full => config.clone(),
        }
    }

    /// Which keys J5's validation checks.
    pub fn keys_checked_at_member_init(self) -> KeysChecked {
        self.differences.keys_checked_at_member_init
    }

    /// Whether J5's local network creation looks up the network's zones
    /// (`validateZoneNames`, driver_common.go:168-220 at be7afc5df3).
    pub fn validates_zones_on_join(self) -> bool {
        self.differences.networks_validated_on_join == NetworksValidatedOnJoin::ExceptAcls
    }

    /// Whether validation postponed at J5 runs after J9.
    pub fn validates_after_join(self) -> bool {
        self.differences.validates_after_join
    }
}

impl std::fmt::Display for Variant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
