//! The end state both sides are reduced to, as sorted text rows, so that
//! comparing them is comparing lists: member rows, group memberships,
//! project configs, raft nodes, trusted certificates of the joiners.

use std::collections::BTreeSet;

use serde::Serialize;

use super::Item;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct EndState {
    /// `name (pending)` or `name (full)`.
    pub members: BTreeSet<String>,
    /// `group: member`.
    pub groups: BTreeSet<String>,
    /// `project: key=value`.
    pub projects: BTreeSet<String>,
    /// Names of the raft configuration's nodes.
    pub raft: BTreeSet<String>,
    /// Joiners whose server certificate is trusted.
    pub certificates: BTreeSet<String>,
}

/// One item per part of the end state.
/// A real project's `features.*` key the model does not hold is the
/// daemon's default at project creation, not state the model has: left out.
pub fn compare(real: &EndState, model: &EndState) -> Vec<Item> {
    let real_projects: BTreeSet<String> = real
        .projects
        .iter()
        .filter(|row| !row.contains(": features.") || model.projects.contains(*row) || model_has_key(model, row))
        .cloned()
        .collect();
    let parts: [(&str, &BTreeSet<String>, &BTreeSet<String>); 5] = [
        ("member rows", &real.members, &model.members),
        ("group memberships", &real.groups, &model.groups),
        ("project configs", &real_projects, &model.projects),
        ("raft nodes", &real.raft, &model.raft),
        ("trusted joiner certificates", &real.certificates, &model.certificates),
    ];
    parts
        .into_iter()
        .map(|(what, r, m)| Item {
            what: format!("end: {what}"),
            real: list(r),
            model: list(m),
            equal: r == m,
        })
        .collect()
}

fn list(rows: &BTreeSet<String>) -> String {
    if rows.is_empty() {
        return "none".into();
    }
    rows.iter().cloned().collect::<Vec<_>>().join("; ")
}

/// Whether the model holds the `project: key` of `row` (any value).
fn model_has_key(model: &EndState, row: &str) -> bool {
    let key = row.split('=').next().unwrap_or(row);
    model.projects.iter().any(|m| m.split('=').next() == Some(key))
}
