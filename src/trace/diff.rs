//! Where two traces of the same choices part: the common lines before, the
//! first lines after on each side, and how each run ends. Used to show why
//! one protocol variant survives the schedule that breaks another.

use std::fmt::Write;

use super::rows::Row;
use super::text::row_line;

/// One side of a comparison.
pub struct Side<'a> {
    /// Its name, e.g. the variant.
    pub name: &'a str,
    pub rows: &'a [Row],
    /// How the run ended (joins and violations), one item a line.
    pub ending: Vec<String>,
}

/// Shown before the parting point.
const CONTEXT_LINES: usize = 4;
/// Shown after it, per side.
const AFTER_LINES: usize = 12;

/// The index of the first row that differs, `None` when the traces are the
/// same.
pub fn parting(a: &[Row], b: &[Row]) -> Option<usize> {
    let same = a.iter().zip(b).take_while(|(x, y)| row_line(x) == row_line(y)).count();
    (same < a.len() || same < b.len()).then_some(same)
}

fn side_lines(out: &mut String, side: &Side<'_>, from: usize) {
    let rest = &side.rows[from.min(side.rows.len())..];
    let _ = writeln!(out, "--- {} ({} more lines) ---", side.name, rest.len());
    for row in rest.iter().take(AFTER_LINES) {
        let _ = writeln!(out, "{}", row_line(row).trim_end());
    }
    if rest.len() > AFTER_LINES {
        let _ = writeln!(out, "   ... {} more", rest.len() - AFTER_LINES);
    }
}

/// The comparison as text.
pub fn render(a: &Side<'_>, b: &Side<'_>) -> String {
    let mut out = String::new();
    let Some(at) = parting(a.rows, b.rows) else {
        let _ = writeln!(
            out,
            "the traces of {} and {} are the same ({} lines)",
            a.name,
            b.name,
            a.rows.len()
        );
        ending(&mut out, a);
        ending(&mut out, b);
        return out;
    };
    let tick = a.rows.get(at).or(b.rows.get(at)).map_or(0, |r| r.tick);
    let _ = writeln!(
        out,
        "{} and {} share {at} lines, then part at line {} (t={tick})",
        a.name,
        b.name,
        at + 1
    );
    let _ = writeln!(out, "--- common ---");
    for row in &a.rows[at.saturating_sub(CONTEXT_LINES)..at] {
        let _ = writeln!(out, "{}", row_line(row).trim_end());
    }
    side_lines(&mut out, a, at);
    side_lines(&mut out, b, at);
    ending(&mut out, a);
    ending(&mut out, b);
    out
}

fn ending(out: &mut String, side: &Side<'_>) {
    let _ = writeln!(out, "=== how {} ends ===", side.name);
    for line in &side.ending {
        let _ = writeln!(out, "{line}");
    }
}
