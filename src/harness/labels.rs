//! Every kind of choice a run can draw (the engine's, the model's and the
//! harness's own), with names, so that a schedule reads and parses as words:
//! `delay j1>m2 #3 = 7`.

use crate::model::Setup;
use crate::sim::{ChoiceKind, Deviation, Label, NodeId};

pub use crate::swarm::SWARM;
/// When a scripted crash happens, in ticks after its earliest tick.
pub const CRASH_TIME: ChoiceKind = ChoiceKind(ChoiceKind::FIRST_MODEL + 33);

/// Every kind and its name.
pub fn kinds() -> impl Iterator<Item = (ChoiceKind, &'static str)> {
    let harness = [(SWARM, "swarm"), (CRASH_TIME, "crash-time")];
    ChoiceKind::ENGINE
        .into_iter()
        .chain(crate::model::choice::KINDS)
        .chain(harness)
}

pub fn kind_name(kind: ChoiceKind) -> Option<&'static str> {
    kinds().find(|&(k, _)| k == kind).map(|(_, name)| name)
}

pub fn kind_named(name: &str) -> Option<ChoiceKind> {
    kinds().find(|&(_, n)| n == name).map(|(k, _)| k)
}

/// A label in words, e.g. `delay j1>m2 #3`, `client-timing admin start`.
pub fn describe(label: Label, setup: &Setup) -> String {
    let node = |n: u32| {
        NodeId::try_from(n)
            .ok()
            .filter(|&n| usize::from(n) < setup.node_count())
            .map_or_else(|| format!("node{n}"), |n| setup.node_name(n).to_string())
    };
    let kind = kind_name(label.kind).unwrap_or("unknown");
    let detail = match label.kind {
        ChoiceKind::DELAY | ChoiceKind::DROP | ChoiceKind::DUPLICATE | ChoiceKind::ORDER => {
            let copy = if label.c & (1 << 31) != 0 { " (copy)" } else { "" };
            format!("{}>{} #{}{copy}", node(label.a), node(label.b), label.c & !(1 << 31))
        }
        SWARM => crate::swarm::SwarmPicks::KIND_NAMES
            .get(label.a as usize)
            .map_or_else(|| format!("{}", label.a), |s| s.to_string()),
        CRASH_TIME => format!("crash {}", label.a + 1),
        _ => crate::model::choice::describe(label, &node)
            .unwrap_or_else(|| format!("{} {} {}", label.a, label.b, label.c)),
    };
    format!("{kind} {detail}")
}

/// A deviation as one token, `kind:a:b:c=value` (e.g. `delay:4:1:3=7`),
/// the form `--deviation` takes.
pub fn token(deviation: Deviation) -> String {
    let l = deviation.label;
    let kind = kind_name(l.kind).unwrap_or("unknown");
    format!("{kind}:{}:{}:{}={}", l.a, l.b, l.c, deviation.value)
}

/// A schedule as `joinsim trace` arguments: `--deviation TOKEN` for each
/// deviation, or `--nominal` when it has none.
pub fn trace_arguments(schedule: &crate::sim::Schedule) -> String {
    if schedule.is_empty() {
        return "--nominal".to_string();
    }
    let tokens: Vec<String> = schedule
        .deviations()
        .iter()
        .map(|d| format!("--deviation {}", token(*d)))
        .collect();
    tokens.join(" ")
}

/// Parses [`token`]'s form.
pub fn parse_token(text: &str) -> Result<Deviation, String> {
    let bad = || format!("\"{text}\" is not KIND:A:B:C=VALUE (e.g. delay:4:1:3=7)");
    let (label, value) = text.split_once('=').ok_or_else(bad)?;
    let parts: Vec<&str> = label.split(':').collect();
    let [kind, a, b, c] = parts[..] else {
        return Err(bad());
    };
    let kind = kind_named(kind).ok_or_else(|| {
        let known: Vec<&str> = kinds().map(|(_, n)| n).collect();
        format!("unknown choice kind \"{kind}\" (known: {})", known.join(", "))
    })?;
    let number = |s: &str| s.trim().parse::<u32>().map_err(|_| bad());
    Ok(Deviation {
        label: Label::new(kind, number(a)?, number(b)?, number(c)?),
        value: number(value)?,
    })
}
