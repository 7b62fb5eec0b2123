//! The text trace: one line per event: virtual time, node, the Incus step
//! (join step, admin command or the handler serving one), and what
//! happened. Violations stand out at their tick. Free of anything
//! machine-specific, so that it is safe in a snapshot.

use std::fmt::Write;

use super::rows::{Row, RowKind, rows};
use crate::check::Violation;
use crate::model::World;
use crate::model::names::Names;
use crate::sim::TraceEvent;

/// Width of the step column.
const STEP_WIDTH: usize = 40;

/// One line of the text trace.
pub fn row_line(row: &Row) -> String {
    let marker = if row.kind == RowKind::Violation { "!!" } else { "  " };
    let step = if row.step.is_empty() { "-" } else { &row.step };
    format!(
        "{marker}{:>6}  {:<6} {step:<STEP_WIDTH$} {}",
        row.tick, row.node, row.text
    )
}

/// One line of a trace event, without the step column (which needs the
/// events before it).
pub fn event_line(names: &Names, event: &TraceEvent<World>) -> String {
    let row = &rows(names, std::slice::from_ref(event), &[])[0];
    format!("{:>6}  {:<6} {}", row.tick, row.node, row.text)
}

/// The whole trace, with each violation right after the last event at or
/// before its tick.
pub fn render(names: &Names, events: &[TraceEvent<World>], violations: &[Violation]) -> String {
    let mut out = String::new();
    for row in rows(names, events, violations) {
        writeln!(out, "{}", row_line(&row).trim_end()).expect("write to string");
    }
    out
}
