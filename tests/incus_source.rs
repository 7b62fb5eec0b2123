//! Tables joinsim copies from the Incus source, checked against that
//! source at be7afc5df3 (skipped, with a message, without a clone of
//! lxc/incus: `JOINSIM_INCUS_REPO`): the project config keys the scenario
//! compiler accepts, and the cluster database's per-member tables.

mod common;

use std::collections::BTreeSet;

use common::{git, incus_repository};
use joinsim::model::per_member::PER_MEMBER_TABLES;
use joinsim::scenario::incus_config::{PROJECT_KEYS, SOURCE};

const COMMIT: &str = "be7afc5df39f089bc21e4f1d2e955fc6be8fae34";

fn source(what: &str, path: &str) -> Option<Vec<String>> {
    let repository = incus_repository(what)?;
    let text = git(&repository, &["show", &format!("{COMMIT}:{path}")]).unwrap_or_else(|| panic!("git show {path}"));
    Some(text.lines().map(str::to_string).collect())
}

/// Every key of `projectConfigKeys` is in `PROJECT_KEYS` at its line, and
/// no other.
#[test]
fn the_project_keys_are_those_of_project_validate_config() {
    let Some(lines) = source("project config keys", SOURCE) else {
        return;
    };
    let start = lines
        .iter()
        .position(|l| l.starts_with("func projectValidateConfig("))
        .expect("projectValidateConfig");
    let end = start
        + lines[start..]
            .iter()
            .position(|l| l.contains("// Add the storage pool keys."))
            .expect("pool keys");
    let in_source: BTreeSet<&str> = lines[start..end]
        .iter()
        .filter_map(|l| l.strip_prefix("\t\t\"")?.split_once("\":").map(|(k, _)| k))
        .collect();
    let listed: BTreeSet<&str> = PROJECT_KEYS.iter().map(|k| k.name).collect();
    assert_eq!(listed, in_source);
    for k in PROJECT_KEYS {
        let line = &lines[k.line as usize - 1];
        assert!(
            line.contains(&format!("\"{}\":", k.name)),
            "{}:{} holds `{line}`",
            SOURCE,
            k.line
        );
        let optional = line.contains("validate.Optional(") || line.contains("isEitherAllowOrBlock");
        assert_eq!(k.optional, optional, "{}: {line}", k.name);
    }
}

/// The per-member tables are exactly those of schema.go with a `node_id`
/// column, at the lines listed.
#[test]
fn the_per_member_tables_are_those_with_a_node_id_column() {
    let path = "internal/server/db/cluster/schema.go";
    let Some(lines) = source("per-member tables", path) else {
        return;
    };
    let mut in_source = BTreeSet::new();
    let mut table = None;
    for line in &lines {
        if let Some(rest) = line.strip_prefix("CREATE TABLE ") {
            table = Some(
                rest.trim_start_matches('"')
                    .split(['"', ' '])
                    .next()
                    .unwrap_or("")
                    .to_string(),
            );
        } else if line.trim_start().starts_with("node_id ") {
            in_source.insert(table.clone().expect("node_id inside a table"));
        }
    }
    let listed: BTreeSet<String> = PER_MEMBER_TABLES.iter().map(|t| t.name.to_string()).collect();
    assert_eq!(listed, in_source);
    for t in PER_MEMBER_TABLES {
        let create = &lines[t.table_line as usize - 1];
        assert!(
            create.starts_with("CREATE TABLE ") && create.contains(t.name),
            "{path}:{} holds `{create}`",
            t.table_line
        );
        let column = &lines[t.node_id_line as usize - 1];
        assert!(
            column.trim_start().starts_with("node_id "),
            "{path}:{} holds `{column}`",
            t.node_id_line
        );
    }
}
