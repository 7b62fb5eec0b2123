//! The Mermaid sequence diagram: renders where code hosting sites render
//! Markdown, so a failure can be pasted into an issue. One participant per
//! node, messages in virtual-time (delivery) order, join steps and state
//! changes as notes, each violation as a red block at the point it happens.

use std::fmt::Write;

use super::rows::{Fate, Row, RowKind, wrap};

/// Note text wraps at this many characters.
const NOTE_WIDTH: usize = 60;

/// Mermaid reads `;` as a statement end and `#` as an entity start, and
/// arrows inside text confuse its parser.
fn clean(text: &str) -> String {
    text.replace(';', ",")
        .replace('#', "")
        .replace("->", "→")
        .replace("<-", "←")
        .replace('<', "‹")
        .replace('>', "›")
}

fn note(node: &str, text: &str) -> String {
    let lines: Vec<String> = wrap(&clean(text), NOTE_WIDTH);
    format!("    Note over {node}: {}\n", lines.join("<br/>"))
}

fn row_lines(row: &Row) -> String {
    let at = format!("t={}", row.tick);
    match &row.kind {
        RowKind::Message {
            from, to, label, fate, ..
        } => match fate {
            Fate::Delivered => format!("    {from}->>{to}: {at} {}\n", clean(label)),
            Fate::Lost(_) => format!("    {from}-x{to}: {at} LOST {}\n", clean(label)),
            Fate::Duplicated => note(from, &format!("{at} network duplicates: {label}")),
        },
        RowKind::Step => note(
            &row.node,
            &format!("{at} {}: {}", row.step, row.text.trim_start_matches("=> ")),
        ),
        RowKind::Validation { passed: true }
        | RowKind::JoinEnd { failed: false }
        | RowKind::Crash
        | RowKind::Restart => note(&row.node, &format!("{at} {}", row.text)),
        RowKind::Validation { passed: false } | RowKind::JoinEnd { failed: true } => {
            format!(
                "    rect rgb(255, 240, 200)\n{}    end\n",
                note(&row.node, &format!("{at} {}", row.text))
            )
        }
        RowKind::Timer if row.text.starts_with("admin") => String::new(),
        RowKind::Timer => note(&row.node, &format!("{at} {}", row.text)),
        RowKind::Note => note(&row.node, &format!("{at} {}", row.text)),
        RowKind::Violation => format!(
            "    rect rgb(255, 190, 190)\n{}    end\n",
            note(&row.node, &format!("{at} {}", row.text))
        ),
    }
}

/// The diagram, without a Markdown fence.
pub fn render(lifelines: &[String], rows: &[Row]) -> String {
    let mut out = String::from("sequenceDiagram\n");
    for node in lifelines {
        writeln!(out, "    participant {node}").expect("write to string");
    }
    let known = |node: &str| lifelines.iter().any(|l| l == node);
    for row in rows {
        if !known(&row.node) {
            // A cluster-wide violation: over every lifeline.
            let span = format!(
                "{},{}",
                lifelines.first().map_or("cluster", String::as_str),
                lifelines.last().map_or("cluster", String::as_str)
            );
            out.push_str(&row_lines(&Row {
                node: span,
                ..row.clone()
            }));
            continue;
        }
        out.push_str(&row_lines(row));
    }
    out
}
