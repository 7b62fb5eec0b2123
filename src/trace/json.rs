//! The JSON trace: the rows of [`super::rows`] as data, for tools.

use serde_json::{Value, json};

use super::rows::{Fate, Row, RowKind};
use crate::sim::Loss;

fn fate(fate: Fate) -> &'static str {
    match fate {
        Fate::Delivered => "delivered",
        Fate::Duplicated => "duplicated",
        Fate::Lost(Loss::Dropped) => "dropped",
        Fate::Lost(Loss::Partitioned) => "partitioned",
        Fate::Lost(Loss::ReceiverDown) => "receiver-down",
        Fate::Lost(Loss::ReceiverRestarted) => "receiver-restarted",
    }
}

fn row(row: &Row) -> Value {
    let mut value = json!({
        "tick": row.tick,
        "node": row.node,
        "step": row.step,
        "text": row.text,
    });
    let kind = match &row.kind {
        RowKind::Message {
            sent_tick,
            from,
            to,
            label,
            fate: f,
        } => {
            value["sent_tick"] = json!(sent_tick);
            value["from"] = json!(from);
            value["to"] = json!(to);
            value["label"] = json!(label);
            value["fate"] = json!(fate(*f));
            "message"
        }
        RowKind::Step => "step",
        RowKind::Validation { passed } => {
            value["passed"] = json!(passed);
            "validation"
        }
        RowKind::JoinEnd { failed } => {
            value["failed"] = json!(failed);
            "join-end"
        }
        RowKind::Note => "note",
        RowKind::Timer => "timer",
        RowKind::Crash => "crash",
        RowKind::Restart => "restart",
        RowKind::Violation => "violation",
    };
    value["kind"] = json!(kind);
    value
}

/// The trace as one JSON document; `header` (scenario, variant, schedule)
/// goes first.
pub fn render(header: Value, lifelines: &[String], rows: &[Row]) -> String {
    let doc = json!({
        "run": header,
        "lifelines": lifelines,
        "events": rows.iter().map(row).collect::<Vec<_>>(),
    });
    let mut out = serde_json::to_string_pretty(&doc).expect("a JSON value serialises");
    out.push('\n');
    out
}
