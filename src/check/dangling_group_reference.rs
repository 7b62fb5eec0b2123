//! `dangling-group-reference`: the committed cluster database never holds
//! a project whose `restricted.cluster.groups` names a group that does not
//! exist.

use super::{Breach, Event, Rule};
use crate::model::db::Table;
use crate::model::names::GroupSet;
use crate::model::validate::referenced_groups;

pub struct DanglingGroupReference;

impl Rule for DanglingGroupReference {
    const NAME: &'static str = "dangling-group-reference";
    const DESCRIPTION: &'static str =
        "no committed project names a cluster group that does not exist in restricted.cluster.groups";

    fn after_event(event: &Event) -> Option<Breach> {
        let db = &event.world.db;
        // A commit that changed neither table (most do not: member rows,
        // tokens, pools) leaves the same copy-on-write tables, already judged.
        let unchanged = event
            .previous
            .is_some_and(|p| Table::same(&p.groups, &db.groups) && Table::same(&p.projects, &db.projects));
        if unchanged {
            return None;
        }
        let names = &event.world.setup.names;
        let groups = db.group_set();
        db.projects.iter().find_map(|p| {
            let missing: GroupSet = referenced_groups(&p.config, names).minus(groups);
            (!missing.is_empty()).then(|| Breach {
                node: None,
                step: None,
                tick: event.tick,
                message: format!(
                    "committed project \"{}\" has restricted.cluster.groups naming {} at v{}, but the cluster groups are {}",
                    names.str(p.name),
                    names.group_set_str(missing),
                    db.version,
                    names.group_set_str(groups)
                ),
            })
        })
    }
}
