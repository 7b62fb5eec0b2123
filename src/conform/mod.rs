//! Conformance: a scenario run on a live cluster of Incus daemons and in
//! the model under the variant that follows the Incus installed here, both
//! in a schedule whose outcome does not depend on timing (the model's
//! nominal schedule; on the real side the scenario's own start times, which
//! put joins one after the other and admins before or after them), compared
//! join by join (completed or failed, the failing step, the error text after
//! [`mask`]) and at the end (member rows, group memberships, project
//! configs, raft nodes, trusted certificates).
//!
//! - `state`: the end state both sides are reduced to;
//! - `model_side`, `real_side`: each side's run;
//! - `log`: the daemons' `--debug` logs: the failing step, the requests;
//! - `mask`: what differs by run; `report`: the comparison as Markdown.

pub mod log;
pub mod mask;
pub mod model_side;
pub mod real_side;
pub mod report;
pub mod state;

use serde::Serialize;

use crate::scenario::Scenario;
use state::EndState;

/// How one join ended, on one side.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct JoinOutcome {
    pub joiner: String,
    pub completed: bool,
    /// The failing step's code (`J7`), when it failed.
    pub step: Option<String>,
    /// The error text, masked.
    pub error: Option<String>,
}

/// One side's run of a scenario.
#[derive(Clone, Debug, Serialize)]
pub struct Side {
    pub joins: Vec<JoinOutcome>,
    /// The admin commands' outcomes: name and masked error.
    pub commands: Vec<(String, Option<String>)>,
    pub end: EndState,
    /// The join's steps as the side shows them (`J4 GET /1.0/storage-pools`).
    pub steps: Vec<log::StepSeen>,
}

/// One compared item: what, each side's value, equal or not.
#[derive(Clone, Debug, Serialize)]
pub struct Item {
    pub what: String,
    pub real: String,
    pub model: String,
    pub equal: bool,
}

/// A scenario compared.
#[derive(Clone, Debug, Serialize)]
pub struct Comparison {
    pub scenario: String,
    pub path: String,
    pub variant: String,
    pub items: Vec<Item>,
    /// Join-step error texts compared equal (failing joins whose step and
    /// text agree).
    pub equal_error_texts: usize,
    pub real_ms: f64,
    pub real: Side,
    pub model: Side,
}

impl Comparison {
    pub fn differences(&self) -> impl Iterator<Item = &Item> {
        self.items.iter().filter(|i| !i.equal)
    }
}

/// One compared field of a join's outcome, as text.
type Field = fn(&JoinOutcome) -> String;

/// The fields compared per join.
const JOIN_FIELDS: [(&str, Field); 3] = [
    ("ended", |j| {
        if j.completed { "completed" } else { "failed" }.to_string()
    }),
    ("failing step", |j| j.step.clone().unwrap_or_else(|| "-".into())),
    ("error text", |j| j.error.clone().unwrap_or_else(|| "-".into())),
];

/// Runs `scenario` on both sides and compares them.
pub fn compare(scenario: &Scenario) -> Result<Comparison, String> {
    let variant = compared_variant(scenario);
    let modelled = scenario.clone().with_variant(variant);
    let model = model_side::run(&modelled);
    let (real, real_ms) = real_side::run(scenario)?;
    let mut items = Vec::new();
    let mut equal_error_texts = 0;
    for m in &model.joins {
        let r = real.joins.iter().find(|r| r.joiner == m.joiner);
        let show = |j: Option<&JoinOutcome>, f: Field| j.map_or("absent".into(), f);
        let mut all = true;
        for (what, f) in JOIN_FIELDS {
            let item = Item {
                what: format!("join of {}: {what}", m.joiner),
                real: show(r, f),
                model: f(m),
                equal: show(r, f) == f(m),
            };
            all &= item.equal;
            items.push(item);
        }
        if all && !m.completed {
            equal_error_texts += 1;
        }
    }
    for (i, (name, error)) in model.commands.iter().enumerate() {
        let real_error = real.commands.get(i).map(|(_, e)| e.clone());
        let text = |e: &Option<String>| e.clone().unwrap_or_else(|| "ok".into());
        let r = real_error.as_ref().map_or("absent".into(), text);
        items.push(Item {
            what: format!("admin command {} ({name})", i + 1),
            equal: r == text(error),
            real: r,
            model: text(error),
        });
    }
    items.extend(state::compare(&real.end, &model.end));
    items.extend(log::compare(&real.steps, &model.steps));
    Ok(Comparison {
        scenario: scenario.name.clone(),
        path: scenario.path.clone(),
        variant: variant.name().to_string(),
        items,
        equal_error_texts,
        real_ms,
        real,
        model,
    })
}

/// The variant that follows the Incus installed here (Debian's 6.0.4).
pub fn compared_variant(scenario: &Scenario) -> crate::model::Variant {
    crate::model::Variant::parse("incus-6.0").unwrap_or(scenario.variant())
}
