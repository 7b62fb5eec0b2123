//! J5 `clusterInitMember` (api_cluster.go:998-1136 at be7afc5df3): the
//! joiner fetches the cluster's pools, projects and networks from its
//! target, then applies them to its own daemon with `ApplyServerPreseed`
//! (client/incus_server.go:199-413), which validates each project against
//! the database the joiner uses now: its local one.

use std::sync::Arc;

use super::super::World;
use super::super::db::{Config, Db, Group, NodeSet, Project, Resource, Snapshot};
use super::super::message::Answer;
use super::super::names::{Names, Sym};
use super::super::note::Note;
use super::super::observe::{GroupView, LocalRead, LocalReadKind, Observation, Site, Validation, ZoneValidation};
use super::super::restrictions::{changed_restriction, has_own_networks, network_allowed, profile_conflict};
use super::super::step::Step;
use super::super::validate::{KeysChecked, Lookup, finds, lookups, referenced_groups, validate_project_config};
use super::super::variant::Variant;
use super::Rejection;
use super::flow::following;
use crate::sim::{Ctx, NodeId};

impl World {
    /// J5: keeps what one of its reads returned and says which step comes
    /// next.
    pub(super) fn member_init_read(&mut self, me: NodeId, step: Step, db: Snapshot) -> Step {
        let setup = Arc::clone(&self.setup);
        let names = &setup.names;
        let joiner = self.joiner(me);
        match step {
            Step::GetStoragePools => joiner.reads.pools_read = Some(db),
            Step::GetClusterGroups => {
                // groups-first: the groups are created locally at once.
                if let Some(local) = &mut joiner.server.database {
                    let groups = db.0.groups.iter().map(|g| Group {
                        name: g.name,
                        members: NodeSet::default(),
                    });
                    Arc::make_mut(local).groups = groups.collect();
                }
                joiner.reads.groups_synced_at = Some(db.0.version);
            }
            Step::GetProjects => {
                // One network fetch per carried project, in the order the
                // projects came (by name: projects.mapper.go ORDER BY);
                // fetched from the back of the list.
                let mut fetch: Vec<Sym> = carried_projects(&db.0, names).map(|p| p.name).collect();
                fetch.reverse();
                joiner.reads.networks_to_fetch = fetch;
                joiner.reads.projects = Some(db);
            }
            Step::GetNetworks => {
                let project = joiner.reads.networks_to_fetch.pop().expect("fetching");
                joiner.reads.network_reads.push((project, db));
                if !joiner.reads.networks_to_fetch.is_empty() {
                    return Step::GetNetworks;
                }
            }
            _ => unreachable!("{step:?} is not a clusterInitMember read"),
        }
        following(step, setup.variant)
    }

    /// J5 `ApplyServerPreseed` on the joiner's local daemon: pools, the
    /// networks of `default`, projects (each created, or updated if it
    /// exists, and validated against the local database), then the
    /// networks of other projects (incus_server.go:219-413).
    pub(super) fn apply_server_preseed(&mut self, ctx: &mut Ctx<'_, World>, me: NodeId) {
        let setup = Arc::clone(&self.setup);
        let names = &setup.names;
        let cluster = Arc::clone(&self.db);
        let joiner = self.joiner(me);
        let projects = joiner.reads.projects.clone().expect("J5 read projects");
        let pools = joiner.reads.pools_read.clone().expect("J5 read pools");
        let reads = std::mem::take(&mut joiner.reads.network_reads);
        let synced_at = joiner.reads.groups_synced_at;
        let mut checks = NetworkChecks::new(me, names, setup.variant);
        let mut created = Ok(());
        let view = match &mut joiner.server.database {
            Some(local) => {
                let local = Arc::make_mut(local);
                create_pools(local, &pools.0, me);
                let is_default = |p| p == names.keys.default_project;
                created = create_networks(local, &reads, is_default, &mut checks);
                GroupView {
                    groups: local.group_set(),
                    synced_at,
                }
            }
            // An earlier attempt's J9 removed the local database: the
            // daemon's database handle reaches the cluster's (simplified:
            // what the preseed then writes there is not modelled).
            None => GroupView {
                groups: cluster.group_set(),
                synced_at: Some(cluster.version),
            },
        };
        self.observe_network_checks(ctx, &mut checks);
        if let Err(cause) = created {
            return self.fail(ctx, me, Step::ApplyServerPreseed, cause, None);
        }
        for project in carried_projects(&projects.0, names) {
            if let Err((cause, rejection)) = self.apply_project(ctx, me, project, &projects, view) {
                return self.fail(ctx, me, Step::ApplyServerPreseed, cause, Some(rejection));
            }
        }
        if let Some(local) = &mut self.joiner(me).server.database {
            let not_default = |p| p != names.keys.default_project;
            created = create_networks(Arc::make_mut(local), &reads, not_default, &mut checks);
        }
        self.observe_network_checks(ctx, &mut checks);
        if let Err(cause) = created {
            return self.fail(ctx, me, Step::ApplyServerPreseed, cause, None);
        }
        self.after(ctx, me, Step::ApplyServerPreseed, Ok(Answer::Done))
    }

    fn observe_network_checks(&mut self, ctx: &mut Ctx<'_, World>, checks: &mut NetworkChecks<'_>) {
        for v in checks.zone_lookups.drain(..) {
            self.observations.push(Observation::ZoneValidation(v));
            ctx.note(v.node, || Note::ZoneValidation(v));
        }
        for r in checks.local_reads.drain(..) {
            self.observe_local_read(ctx, r);
        }
    }

    /// Reports a local read to the checker; the trace shows it only when
    /// its answer differs from the cluster's (the others are every join's
    /// routine).
    fn observe_local_read(&mut self, ctx: &mut Ctx<'_, World>, r: LocalRead) {
        self.observations.push(Observation::LocalRead(r));
        if r.differs() {
            ctx.note(r.node, || Note::LocalRead(r));
        }
    }

    /// Creates or updates one project on the local daemon, validating its
    /// config (`projectValidateConfig`) against the database it uses now
    /// (its groups in `view`), then, for an update, its profiles against
    /// the new restrictions (`AllowProjectUpdate`, api_project.go:860).
    fn apply_project(
        &mut self,
        ctx: &mut Ctx<'_, World>,
        me: NodeId,
        project: &Project,
        read: &Snapshot,
        view: GroupView,
    ) -> Result<(), (String, Rejection)> {
        let setup = Arc::clone(&self.setup);
        let names = &setup.names;
        let config_version = read.0.version;
        let config = setup.variant.config_at_member_init(&project.config, names);
        let keys = setup.variant.keys_checked_at_member_init();
        let now = self
            .joiner(me)
            .server
            .database
            .clone()
            .unwrap_or_else(|| Arc::clone(&self.db));
        let mut result = validate_project_config(&config, &now, names, keys);
        let referenced = referenced_groups(&config, names);
        let validation = Validation {
            node: me,
            site: Site::Join(Step::ApplyServerPreseed),
            project: project.name,
            config_version,
            view,
            referenced,
            passed: result.is_ok(),
        };
        if keys == KeysChecked::All && !referenced.is_empty() {
            let stale = view.synced_at.is_none_or(|at| at < config_version);
            if stale && view.groups != self.groups_at(config_version) {
                crate::model::probe::Probe::ValidationAgainstStaleGroups.hit(ctx);
            }
            self.observations.push(Observation::Validation(validation));
            ctx.note(me, || Note::Validation(validation));
        }
        if keys == KeysChecked::All && referenced.minus(view.groups).is_empty() {
            for r in lookup_reads(me, project.name, &config, &now, read, names) {
                self.observe_local_read(ctx, r);
            }
        }
        // projectChange's write transaction, after the validation
        // (api_project.go:860): only an update has profiles to check.
        let changed = now
            .project(project.name)
            .and_then(|p| changed_restriction(&p.config, &config, names));
        if let (Ok(()), Some(key)) = (&result, changed) {
            let spares = setup.variant.differences.network_access_spares_own_networks;
            let own = has_own_networks(project.name, &config, names);
            let conflict = |db: &Db| {
                let allowed =
                    |network: &str, managed: bool| network_allowed(&config, names, network, managed, own, spares);
                profile_conflict(project.name, key, &config, &db.profile_nics, names, allowed)
            };
            result = conflict(&now);
            self.observe_local_read(
                ctx,
                LocalRead {
                    node: me,
                    step: Step::ApplyServerPreseed,
                    kind: LocalReadKind::Profiles,
                    entity: project.name,
                    subject: names.keys.default_project,
                    local: result.is_ok(),
                    cluster: conflict(&read.0).is_ok(),
                    config_version,
                },
            );
        }
        let local = self.joiner(me).server.database.as_mut().map(Arc::make_mut);
        let exists = local.as_ref().is_none_or(|db| db.project(project.name).is_some());
        if let Err(cause) = result {
            // createProject / updateProject (incus_server.go:347-382).
            let verb = if exists { "update" } else { "create" };
            let cause = format!(
                "Failed to {verb} local member project \"{}\": {cause}",
                names.str(project.name)
            );
            let rejection = Rejection {
                project: project.name,
                config_version,
                referenced,
            };
            return Err((cause, rejection));
        }
        if let Some(local) = local {
            match local.projects.iter_mut().find(|p| p.name == project.name) {
                Some(p) => p.config = config,
                None => local.projects.push(Project {
                    name: project.name,
                    config,
                }),
            }
        }
        Ok(())
    }

    /// `deferred-validation`: validate the config J5 applied against the
    /// groups of the replicated database.
    pub(super) fn validate_deferred(
        &mut self,
        ctx: &mut Ctx<'_, World>,
        me: NodeId,
        db: &Snapshot,
    ) -> Result<(), (String, Rejection)> {
        let setup = Arc::clone(&self.setup);
        let names = &setup.names;
        let projects = self.joiner(me).reads.projects.clone().expect("J5 read projects");
        let view = GroupView {
            groups: db.0.group_set(),
            synced_at: Some(db.0.version),
        };
        for project in carried_projects(&projects.0, names) {
            let referenced = referenced_groups(&project.config, names);
            if referenced.is_empty() {
                continue;
            }
            let result = validate_project_config(&project.config, &db.0, names, KeysChecked::All);
            let validation = Validation {
                node: me,
                site: Site::Join(Step::ValidateDeferred),
                project: project.name,
                config_version: projects.0.version,
                view,
                referenced,
                passed: result.is_ok(),
            };
            self.observations.push(Observation::Validation(validation));
            ctx.note(me, || Note::Validation(validation));
            if let Err(cause) = result {
                let cause = format!("Failed to validate project \"{}\": {cause}", names.str(project.name));
                let rejection = Rejection {
                    project: project.name,
                    config_version: projects.0.version,
                    referenced,
                };
                return Err((cause, rejection));
            }
        }
        Ok(())
    }
}

/// The projects `clusterInitMember` carries to the joiner, by name:
/// `default`, and those with their own networks (`features.networks`,
/// api_cluster.go:1054-1059); the others exist only in the cluster
/// database, which the joiner gets at J9.
fn carried_projects<'a>(db: &'a Db, names: &'a Names) -> impl Iterator<Item = &'a Project> + 'a {
    let mut carried: Vec<&Project> = db
        .projects
        .iter()
        .filter(|p| p.name == names.keys.default_project || p.config.is_true(names.keys.features_networks, names))
        .collect();
    carried.sort_by(|a, b| names.str(a.name).cmp(names.str(b.name)));
    carried.into_iter()
}

/// The created pools of the cluster, created (or updated) locally; pending
/// ones are skipped (api_cluster.go:1009-1013).
fn create_pools(local: &mut Db, cluster: &Db, me: NodeId) {
    for pool in cluster.pools.iter().filter(|p| p.created) {
        if local.pools.iter().any(|l| l.name == pool.name) {
            continue; // updateStoragePool: already there
        }
        let mut members = NodeSet::default();
        members.insert(me);
        local.pools.push(Resource {
            members,
            ..pool.clone()
        });
    }
}

/// The pool and uplink lookups of validating `config` of `project` in
/// `local`, in order up to the first that finds nothing (where the
/// validation stops), each with what the cluster's database `read` (the
/// projects read) would have answered.
fn lookup_reads(
    me: NodeId,
    project: Sym,
    config: &Config,
    local: &Db,
    read: &Snapshot,
    names: &Names,
) -> Vec<LocalRead> {
    let mut reads = Vec::new();
    for (lookup, name) in lookups(config, names) {
        let found = finds(local, lookup, name, names);
        // A name the scenario never interned names nothing, here or there.
        if let Some(subject) = names.lookup(name) {
            reads.push(LocalRead {
                node: me,
                step: Step::ApplyServerPreseed,
                kind: match lookup {
                    Lookup::Pool => LocalReadKind::StoragePools,
                    Lookup::Uplink => LocalReadKind::Networks,
                },
                entity: project,
                subject,
                local: found,
                cluster: finds(&read.0, lookup, name, names),
                config_version: read.0.version,
            });
        }
        if !found {
            break;
        }
    }
    reads
}

/// What J5's local network creation checks besides the names, and what
/// those checks read: `networksPost`'s `project.NetworkAllowed` with the
/// local config of the network's project (cmd/incusd/networks.go:405,
/// 436-438 at be7afc5df3) and, where the variant validates networks on
/// join, each bridge's zones.
struct NetworkChecks<'a> {
    me: NodeId,
    names: &'a Names,
    variant: Variant,
    zone_lookups: Vec<ZoneValidation>,
    local_reads: Vec<LocalRead>,
}

impl<'a> NetworkChecks<'a> {
    fn new(me: NodeId, names: &'a Names, variant: Variant) -> NetworkChecks<'a> {
        NetworkChecks {
            me,
            names,
            variant,
            zone_lookups: Vec::new(),
            local_reads: Vec::new(),
        }
    }

    /// Whether the cluster's answer to J5's network fetch lists `net`:
    /// `networksGet` loads each network through `doNetworkGet`, which
    /// leaves out one the requested project's restrictions do not allow
    /// (`canAccessNetwork` → `project.NetworkAllowed`, cmd/incusd/
    /// networks.go:321-324, 1115-1123, 1065-1093 at be7afc5df3; v6.0.4
    /// networks.go:273-276, 957-959), with the cluster's config as read.
    fn listed(&self, cluster: &Db, net: &Resource) -> bool {
        let names = self.names;
        let spares = self.variant.differences.network_access_spares_own_networks;
        cluster.project(net.project).is_none_or(|p| {
            let own = has_own_networks(p.name, &p.config, names);
            network_allowed(&p.config, names, names.str(net.name), true, own, spares)
        })
    }

    /// `NetworkAllowed` for `net` with the config of its project in
    /// `local`, reported with the cluster's answer from the network read
    /// `cluster`; Incus's refusal (networks.go:437, `Network not allowed in
    /// project`), wrapped as `ApplyServerPreseed` wraps it
    /// (client/incus_server.go:296).
    fn network_allowed(&mut self, local: &Db, cluster: &Db, net: &Resource) -> Result<(), String> {
        let names = self.names;
        let spares = self.variant.differences.network_access_spares_own_networks;
        let allowed = |db: &Db| {
            db.project(net.project).map(|p| {
                let own = has_own_networks(p.name, &p.config, names);
                network_allowed(&p.config, names, names.str(net.name), true, own, spares)
            })
        };
        // `NetworkProject` fails first on a project the database lacks
        // (networks.go:405-408); J5 creates projects before their networks.
        let Some(local_answer) = allowed(local) else {
            return Ok(());
        };
        if let Some(cluster_answer) = allowed(cluster) {
            self.local_reads.push(LocalRead {
                node: self.me,
                step: Step::ApplyServerPreseed,
                kind: LocalReadKind::ProjectConfig,
                entity: net.name,
                subject: net.project,
                local: local_answer,
                cluster: cluster_answer,
                config_version: cluster.version,
            });
        }
        if local_answer {
            return Ok(());
        }
        Err(format!(
            "Failed to create local member network \"{}\" in project \"{}\": Network not allowed in project",
            names.str(net.name),
            names.str(net.project)
        ))
    }

    /// The zones of `net` looked up in `local` (`doNetworksCreate` →
    /// bridge `Validate` → `validateZoneNames`, cmd/incusd/networks.go:916-936,
    /// internal/server/network/driver_bridge.go:788, driver_common.go:168-220
    /// at be7afc5df3). The first zone not found fails the creation with
    /// Incus's text (driver_common.go:207), wrapped as `ApplyServerPreseed`
    /// wraps it (client/incus_server.go:296).
    fn zones(&mut self, local: &Db, cluster: &Db, net: &Resource) -> Result<(), String> {
        if !self.variant.validates_zones_on_join() {
            return Ok(());
        }
        let names = self.names;
        let keys = cluster
            .network_zone_keys
            .iter()
            .filter(|k| k.network == net.name && k.project == net.project);
        for key in keys {
            let found = local.zones.contains(&key.zone);
            self.zone_lookups.push(ZoneValidation {
                node: self.me,
                step: Step::ApplyServerPreseed,
                network: net.name,
                project: net.project,
                key: key.key,
                zone: key.zone,
                found,
                cluster_has: cluster.zones.contains(&key.zone),
                config_version: cluster.version,
            });
            if !found {
                return Err(format!(
                    "Failed to create local member network \"{}\" in project \"{}\": Invalid \"{}\", network zone \"{}\" not found",
                    names.str(net.name),
                    names.str(net.project),
                    key.key.name(),
                    names.str(key.zone)
                ));
            }
        }
        Ok(())
    }
}

/// The created networks fetched for the projects `which` selects, created
/// locally (skipping pending ones, api_cluster.go:1086-1089), each after
/// `checks` (`networksPost` checks the project before it validates the
/// config: networks.go:436 before 916).
fn create_networks(
    local: &mut Db,
    reads: &[(Sym, Snapshot)],
    which: impl Fn(Sym) -> bool,
    checks: &mut NetworkChecks<'_>,
) -> Result<(), String> {
    for (project, db) in reads.iter().filter(|(p, _)| which(*p)) {
        for net in db.0.networks.iter().filter(|n| n.created && n.project == *project) {
            if local
                .networks
                .iter()
                .any(|l| l.name == net.name && l.project == net.project)
            {
                continue; // UpdateNetwork: already there
            }
            if !checks.listed(&db.0, net) {
                continue; // the cluster's answer left it out
            }
            checks.network_allowed(local, &db.0, net)?;
            checks.zones(local, &db.0, net)?;
            local.networks.push(Resource {
                members: NodeSet::default(),
                ..net.clone()
            });
        }
    }
    Ok(())
}
