//! The SVG sequence diagram: a standalone picture (no scripts, no external
//! fonts) with one lifeline per node, time running down, messages as
//! labelled arrows from their send time to their delivery time, lost
//! messages dashed and crossed out, and each violation in red. Beside the
//! lifelines runs the transcript of the same rows, so the picture reads on
//! its own.

use std::fmt::Write;

use super::rows::{Fate, Row, RowKind, wrap};

const COLUMN_WIDTH: usize = 120;
const LEFT: usize = 56;
const TOP: usize = 76;
const LINE_HEIGHT: usize = 15;
const TRANSCRIPT_CHARS: usize = 96;
/// Monospace 11px: about this many pixels per character.
const CHAR_WIDTH: f64 = 6.7;
const RED: &str = "#d00000";

/// Escapes text for XML content and attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// Where everything goes.
struct Layout {
    /// Per row: the y of its first line, and its transcript lines.
    ys: Vec<usize>,
    lines: Vec<Vec<String>>,
    transcript_x: usize,
    width: usize,
    height: usize,
}

fn transcript(row: &Row) -> String {
    match row.kind {
        RowKind::Step => format!("{:<6} {} {}", row.node, row.step, row.text),
        _ => format!("{:<6} {} | {}", row.node, row.step, row.text),
    }
}

fn layout(lifelines: &[String], rows: &[Row]) -> Layout {
    let transcript_x = LEFT + lifelines.len() * COLUMN_WIDTH + 16;
    let mut y = TOP;
    let mut ys = Vec::with_capacity(rows.len());
    let mut lines = Vec::with_capacity(rows.len());
    for row in rows {
        let wrapped = wrap(&transcript(row), TRANSCRIPT_CHARS);
        ys.push(y);
        y += wrapped.len() * LINE_HEIGHT + 4;
        lines.push(wrapped);
    }
    Layout {
        ys,
        lines,
        transcript_x,
        width: transcript_x + (TRANSCRIPT_CHARS as f64 * CHAR_WIDTH) as usize + 16,
        height: y + 24,
    }
}

fn lifeline_x(lifelines: &[String], node: &str) -> Option<usize> {
    let i = lifelines.iter().position(|l| l == node)?;
    Some(LEFT + i * COLUMN_WIDTH + COLUMN_WIDTH / 2)
}

/// The y at which a message sent at `tick` leaves: the first row at or
/// after that tick, never below the row of its arrival.
fn send_y(rows: &[Row], layout: &Layout, sent_tick: u64, arrival: usize) -> usize {
    let first = rows.iter().position(|r| r.tick >= sent_tick).unwrap_or(arrival);
    layout.ys[first.min(arrival)] + 5
}

/// The title's font: 14px bold monospace, about this many pixels a
/// character, and its line height.
const TITLE_CHAR_WIDTH: f64 = 8.6;
const TITLE_LINE_HEIGHT: usize = 18;

/// The title in lines that fit the picture's width (a diagram of few
/// lifelines is narrower than its title).
fn title_lines(title: &str, layout: &Layout) -> Vec<String> {
    wrap(title, ((layout.width - 20) as f64 / TITLE_CHAR_WIDTH) as usize)
}

/// Writes the picture's head: its size, styles, the title and the
/// lifelines, then opens the group (below a title of several lines) that
/// `render` closes.
fn header(out: &mut String, title: &[String], lifelines: &[String], layout: &Layout) {
    let below = (title.len() - 1) * TITLE_LINE_HEIGHT;
    let (w, h) = (layout.width, layout.height + below);
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="monospace" font-size="11" xml:space="preserve">"#
    );
    out.push_str(concat!(
        r#"<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">"#,
        r##"<path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker></defs>"##,
        "\n"
    ));
    // Classes for what repeats hundreds of times: the page of a campaign
    // holds many of these pictures.
    out.push_str(concat!(
        "<style>",
        ".label{text-anchor:middle;font-size:9px;fill:#224}",
        ".tick{fill:#666}",
        "text{white-space:pre}.line{fill:#222}",
        ".line.step{fill:#1a3f8a}",
        ".line.failed{fill:#b04000;font-weight:bold}",
        ".line.broken{fill:#d00000;font-weight:bold}",
        "</style>\n"
    ));
    let _ = writeln!(out, r#"<rect width="{w}" height="{h}" fill="white"/>"#);
    for (k, line) in title.iter().enumerate() {
        let _ = writeln!(
            out,
            r#"<text x="10" y="{}" font-size="14" font-weight="bold">{}</text>"#,
            20 + k * TITLE_LINE_HEIGHT,
            escape(line)
        );
    }
    let _ = writeln!(out, r#"<g transform="translate(0,{below})">"#);
    let bottom = layout.height - 16;
    for node in lifelines {
        let x = lifeline_x(lifelines, node).expect("a lifeline");
        let _ = writeln!(
            out,
            r##"<rect x="{}" y="32" width="{}" height="24" rx="4" fill="#e8eef8" stroke="#335"/><text x="{x}" y="48" text-anchor="middle" font-weight="bold">{}</text>"##,
            x - COLUMN_WIDTH / 2 + 10,
            COLUMN_WIDTH - 20,
            escape(node)
        );
        let _ = writeln!(
            out,
            r##"<line class="lifeline" x1="{x}" y1="56" x2="{x}" y2="{bottom}" stroke="#889" stroke-dasharray="4 3"/>"##
        );
    }
}

/// An arrow in its arrival row's frame: `y2` is that row's, `y1` (the
/// send) is above it, so negative.
fn arrow(out: &mut String, (x1, y1, x2, y2): (usize, i64, usize, i64), label: &str, fate: Fate) {
    let (dash, color) = match fate {
        Fate::Lost(_) => (r#" stroke-dasharray="5 3""#, "#999"),
        _ => ("", "#333"),
    };
    if x1 == x2 {
        let _ = writeln!(
            out,
            r#"<path class="message" d="M{x1},{y1} C{},{y1} {},{y2} {x2},{y2}" fill="none" stroke="{color}"{dash} marker-end="url(#arrow)"/>"#,
            x1 + 30,
            x2 + 30
        );
    } else if matches!(fate, Fate::Lost(_)) {
        let (mx, my) = ((x1 + x2) / 2, (y1 + y2) / 2);
        let _ = writeln!(
            out,
            r#"<line class="message lost" x1="{x1}" y1="{y1}" x2="{mx}" y2="{my}" stroke="{color}"{dash}/><text x="{mx}" y="{}" text-anchor="middle" fill="{RED}" font-size="14">✕</text>"#,
            my + 5
        );
    } else {
        let _ = writeln!(
            out,
            r#"<line class="message" x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="{color}" marker-end="url(#arrow)"/>"#
        );
    }
    let room = ((x1.abs_diff(x2)).max(COLUMN_WIDTH) as f64 / 5.6) as usize;
    let short: String = if label.chars().count() > room {
        label.chars().take(room.saturating_sub(1)).chain(['…']).collect()
    } else {
        label.to_string()
    };
    let (label_x, label_y) = if x1 == x2 {
        (x1 + 34, y2 - 3)
    } else {
        ((x1 + x2) / 2, (y1 + y2) / 2 - 3)
    };
    let _ = writeln!(
        out,
        r#"<text class="label" x="{label_x}" y="{label_y}">{}</text>"#,
        escape(&short)
    );
}

fn marker(out: &mut String, row: &Row, x: usize, y: usize) {
    let dot = |fill: &str| format!(r#"<circle cx="{x}" cy="{}" r="4" fill="{fill}"/>"#, y + 5);
    let mark = match &row.kind {
        RowKind::Step => dot("#3366cc"),
        RowKind::Validation { passed: true } => dot("#e0a000"),
        RowKind::Validation { passed: false } | RowKind::JoinEnd { failed: true } => dot("#ff7700"),
        RowKind::JoinEnd { failed: false } => dot("#22aa22"),
        RowKind::Crash | RowKind::Restart => format!(
            r#"<text x="{x}" y="{}" text-anchor="middle" font-size="14" font-weight="bold">{}</text>"#,
            y + 10,
            if row.kind == RowKind::Crash { "✕" } else { "↻" }
        ),
        RowKind::Note | RowKind::Timer => dot("#999"),
        RowKind::Message { .. } | RowKind::Violation => String::new(),
    };
    out.push_str(&mark);
}

fn violation(out: &mut String, x: Option<usize>, y: i64, rows_height: usize, width: usize) {
    let _ = writeln!(
        out,
        r##"<rect class="violation" x="0" y="{}" width="{width}" height="{}" fill="#ffd6d6" stroke="{RED}" stroke-width="1.5"/>"##,
        y - 2,
        rows_height + 2
    );
    if let Some(x) = x {
        let _ = writeln!(
            out,
            r#"<circle class="violation-marker" cx="{x}" cy="{}" r="8" fill="{RED}"/><text x="{x}" y="{}" text-anchor="middle" fill="white" font-weight="bold">!</text>"#,
            y + 6,
            y + 10
        );
    }
}

/// The picture; `title` names the scenario, variant and schedule. Each
/// row is a group moved to its y, its parts placed relative to it (fewer
/// distinct numbers: the picture compresses well).
pub fn render(title: &str, lifelines: &[String], rows: &[Row]) -> String {
    let layout = layout(lifelines, rows);
    let mut out = String::new();
    header(&mut out, &title_lines(title, &layout), lifelines, &layout);
    let mut last_tick = None;
    for (i, row) in rows.iter().enumerate() {
        let y = layout.ys[i];
        let height = layout.lines[i].len() * LINE_HEIGHT;
        let x = lifeline_x(lifelines, &row.node);
        let _ = writeln!(out, r#"<g transform="translate(0,{y})">"#);
        if row.kind == RowKind::Violation {
            violation(&mut out, x, 0, height, layout.width);
        }
        if last_tick != Some(row.tick) {
            let _ = writeln!(out, r#"<text class="tick" x="8" y="9">t={}</text>"#, row.tick);
            last_tick = Some(row.tick);
        }
        match &row.kind {
            RowKind::Message {
                sent_tick,
                from,
                to,
                label,
                fate,
            } if *fate != Fate::Duplicated => {
                if let (Some(x1), Some(x2)) = (lifeline_x(lifelines, from), lifeline_x(lifelines, to)) {
                    let y1 = send_y(rows, &layout, *sent_tick, i) as i64 - y as i64;
                    arrow(&mut out, (x1, y1, x2, 5), label, *fate);
                }
            }
            _ => {
                if let Some(x) = x {
                    marker(&mut out, row, x, 0);
                }
            }
        }
        let class = match row.kind {
            RowKind::Violation => "line broken",
            RowKind::Validation { passed: false } | RowKind::JoinEnd { failed: true } => "line failed",
            RowKind::Step => "line step",
            _ => "line",
        };
        for (k, line) in layout.lines[i].iter().enumerate() {
            let _ = writeln!(
                out,
                r#"<text class="{class}" x="{}" y="{}">{}</text>"#,
                layout.transcript_x,
                9 + k * LINE_HEIGHT,
                escape(line)
            );
        }
        out.push_str("</g>\n");
    }
    out.push_str("</g>\n</svg>\n");
    out
}

/// The picture for inclusion in an HTML page beside others: without the
/// namespace declaration (HTML gives it) and with its arrowhead marker
/// named after `id`, so that the pictures of one page do not share ids.
pub fn inline(picture: &str, id: &str) -> String {
    picture
        .replacen(r#"<svg xmlns="http://www.w3.org/2000/svg" "#, "<svg ", 1)
        .replacen(r#"<marker id="arrow""#, &format!(r#"<marker id="{id}-arrow""#), 1)
        .replace("url(#arrow)", &format!("url(#{id}-arrow)"))
}
