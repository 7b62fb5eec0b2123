//! Every kind of choice a run can draw (the engine's, the model's and the
//! harness's own), with names, so that a schedule reads and parses as words:
//! `delay j1>m2 #3 = 7`.

use crate::model::Setup;
use crate::sim::{ChoiceKind, Deviation, Label, NodeId};

pub use crate::swarm::SWARM;
/// When a scripted crash happens, in ticks after its earliest tick.
pub const CRASH_TIME: ChoiceKind = ChoiceKind(ChoiceKind::FIRST_MODEL + 33);
/// When a scripted pause starts, in ticks after its earliest tick.
pub const PAUSE_TIME: ChoiceKind = ChoiceKind(ChoiceKind::FIRST_MODEL + 34);

/// Every kind and its name.
pub fn kinds() -> impl Iterator<Item = (ChoiceKind, &'static str)> {
    let harness = [(SWARM, "swarm"), (CRASH_TIME, "crash-time"), (PAUSE_TIME, "pause-time")];
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
        PAUSE_TIME => format!("pause {}", label.a + 1),
        _ => crate::model::choice::describe(label, &node)
            .unwrap_or_else(|| format!("{} {} {}", label.a, label.b, label.c)),
    };
    format!("{kind} {detail}")
}

/// What a label's field `a`, `b` or `c` holds, so that a token can name it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    Number,
    Node,
    Step,
    SwarmPick,
}

/// The fields of a label of `kind`, in order.
fn fields(kind: ChoiceKind) -> [Field; 3] {
    use crate::model::choice as m;
    use Field::{Node, Number, Step, SwarmPick};
    match kind {
        ChoiceKind::DELAY | ChoiceKind::DROP | ChoiceKind::DUPLICATE | ChoiceKind::ORDER => [Node, Node, Number],
        m::STEP_FAULT | m::LOCAL_WORK => [Node, Step, Number],
        m::CLIENT_TIMING | m::CONNECTION_BREAK | m::TRANSACTION_BUSY | m::TRANSACTION_ANSWER_LOST => {
            [Node, Number, Number]
        }
        m::MUTEX_HANDOFF => [Node, Number, Number],
        SWARM => [SwarmPick, Number, Number],
        _ => [Number, Number, Number],
    }
}

/// A deviation as one token, `KIND:A:B:C=VALUE`, with nodes, steps and
/// swarm picks by name (`delay:j1:m2:3=7`,
/// `step-fault:j1:AddToDefaultGroup:0=1`): the one form every command
/// prints a deviation in and the form `--deviation` takes.
pub fn token(deviation: Deviation, setup: &Setup) -> String {
    let l = deviation.label;
    let kind = kind_name(l.kind).unwrap_or("unknown");
    let [a, b, c] = fields(l.kind);
    let field = |what: Field, n: u32| -> String {
        let named = match what {
            Field::Node => NodeId::try_from(n)
                .ok()
                .filter(|&id| usize::from(id) < setup.node_count())
                .map(|id| setup.node_name(id).to_string()),
            Field::Step => crate::model::choice::step_of(n).map(|s| format!("{s:?}")),
            Field::SwarmPick => crate::swarm::SwarmPicks::KIND_NAMES
                .get(n as usize)
                .map(|s| s.to_string()),
            Field::Number => None,
        };
        named.unwrap_or_else(|| n.to_string())
    };
    format!(
        "{kind}:{}:{}:{}={}",
        field(a, l.a),
        field(b, l.b),
        field(c, l.c),
        deviation.value
    )
}

/// A schedule's deviations as tokens, separated by spaces (`-` when none).
pub fn tokens(schedule: &crate::sim::Schedule, setup: &Setup) -> String {
    if schedule.is_empty() {
        return "-".to_string();
    }
    let tokens: Vec<String> = schedule.deviations().iter().map(|d| token(*d, setup)).collect();
    tokens.join(" ")
}

/// A schedule as `joinsim trace` arguments: `--deviation TOKEN` for each
/// deviation, or `--nominal` when it has none.
pub fn trace_arguments(schedule: &crate::sim::Schedule, setup: &Setup) -> String {
    if schedule.is_empty() {
        return "--nominal".to_string();
    }
    let tokens: Vec<String> = schedule
        .deviations()
        .iter()
        .map(|d| format!("--deviation {}", token(*d, setup)))
        .collect();
    tokens.join(" ")
}

/// Parses [`token`]'s form; each field may also be given as its number.
pub fn parse_token(text: &str, setup: &Setup) -> Result<Deviation, String> {
    let bad = || format!("\"{text}\" is not KIND:A:B:C=VALUE (e.g. delay:j1:m2:3=7)");
    let (label, value) = text.split_once('=').ok_or_else(bad)?;
    let parts: Vec<&str> = label.split(':').collect();
    let [kind, a, b, c] = parts[..] else {
        return Err(bad());
    };
    let kind = kind_named(kind.trim()).ok_or_else(|| {
        let known: Vec<&str> = kinds().map(|(_, n)| n).collect();
        format!("unknown choice kind \"{kind}\" (known: {})", known.join(", "))
    })?;
    let number = |s: &str| s.trim().parse::<u32>().ok();
    let field = |what: Field, s: &str| -> Result<u32, String> {
        if let Some(n) = number(s) {
            return Ok(n);
        }
        let s = s.trim();
        let found = match what {
            Field::Node => (0..setup.node_count())
                .filter_map(|i| NodeId::try_from(i).ok())
                .find(|&id| setup.node_name(id) == s)
                .map(u32::from),
            Field::Step => crate::model::step::Step::parse(s).map(crate::model::choice::step_number),
            Field::SwarmPick => crate::swarm::SwarmPicks::KIND_NAMES
                .iter()
                .position(|&n| n == s)
                .map(|i| i as u32),
            Field::Number => None,
        };
        found.ok_or_else(|| match what {
            Field::Node => format!("{text}: no node \"{s}\" in this scenario"),
            Field::Step => format!("{text}: no step \"{s}\""),
            Field::SwarmPick => format!(
                "{text}: no swarm pick \"{s}\" (known: {})",
                crate::swarm::SwarmPicks::KIND_NAMES.join(", ")
            ),
            Field::Number => bad(),
        })
    };
    let [fa, fb, fc] = fields(kind);
    Ok(Deviation {
        label: Label::new(kind, field(fa, a)?, field(fb, b)?, field(fc, c)?),
        value: number(value).ok_or_else(bad)?,
    })
}
