//! The text trace: one line per event, virtual time, node, what happened.
//! Free of anything machine-specific, so that it is safe in a snapshot.

use std::fmt::Write;

use super::describe;
use crate::check::Violation;
use crate::model::World;
use crate::model::names::Names;
use crate::sim::TraceEvent;

/// One line of a trace event, without the violation markers.
pub fn event_line(names: &Names, event: &TraceEvent<World>) -> String {
    let node = |n: u8| names.node_str(n).to_string();
    let (tick, who, what) = match event {
        TraceEvent::Deliver {
            tick, from, to, msg, ..
        } => (
            *tick,
            node(*to),
            format!("<- {} {}", node(*from), describe::msg(names, msg)),
        ),
        TraceEvent::Lost {
            tick,
            from,
            to,
            msg,
            loss,
            ..
        } => (
            *tick,
            node(*to),
            format!(
                "x- {} {} ({})",
                node(*from),
                describe::msg(names, msg),
                describe::loss(*loss)
            ),
        ),
        TraceEvent::Duplicated { tick, from, to, msg } => (
            *tick,
            node(*from),
            format!(
                "-> {} {} (duplicated by the network)",
                node(*to),
                describe::msg(names, msg)
            ),
        ),
        TraceEvent::Timer { tick, node: n, timer } => (*tick, node(*n), format!("timer {timer:?}")),
        TraceEvent::Crash { tick, node: n } => (*tick, node(*n), "CRASH".to_string()),
        TraceEvent::Restart { tick, node: n } => (*tick, node(*n), "restart".to_string()),
        TraceEvent::Note { tick, node: n, note } => (*tick, node(*n), describe::note(names, note)),
    };
    format!("{tick:>6}  {who:<8} {what}")
}

fn violation_line(v: &Violation) -> String {
    format!(
        "{:>6}  {:<8} !! VIOLATION {}",
        v.tick,
        v.node.as_deref().unwrap_or("cluster"),
        v
    )
}

/// The whole trace, with each violation right after the last event at or
/// before its tick.
pub fn render(names: &Names, events: &[TraceEvent<World>], violations: &[Violation]) -> String {
    let mut out = String::new();
    let mut pending: Vec<&Violation> = violations.iter().collect();
    pending.sort_by_key(|v| v.tick);
    let mut next = 0;
    for (i, event) in events.iter().enumerate() {
        writeln!(out, "{}", event_line(names, event)).expect("write to string");
        let upcoming = events.get(i + 1).map(TraceEvent::tick);
        while next < pending.len()
            && upcoming.is_none_or(|t| t > pending[next].tick)
            && event.tick() >= pending[next].tick
        {
            writeln!(out, "{}", violation_line(pending[next])).expect("write to string");
            next += 1;
        }
    }
    for v in &pending[next..] {
        writeln!(out, "{}", violation_line(v)).expect("write to string");
    }
    out
}
