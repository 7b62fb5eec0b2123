//! Partial-order reduction for exhaustive search: which deviations cannot
//! change a run's outcome, read from the parent run's event log.
//!
//! A delay deviation holds one message back by `shift` ticks. In the
//! child run, that delivery and every event it caused, transitively (its
//! *cone*), happen `shift` ticks later than in the parent run, and every
//! other event at its time, *until two events that conflict change their
//! order*: each event's behaviour depends only on the state it touches,
//! and that state has seen the same events in the same order. Two events
//! conflict when they touch the same node's own state, or one writes a
//! table the other reads or writes (the model declares both: each
//! transaction's tables, `model::access`; every transaction runs on the
//! one leader database, so transactions of different members conflict
//! whenever their tables do). So when no event of the cone moves past a
//! conflicting event outside it (nor past the tick of a timer it
//! cancelled, which would then fire), the child run is the parent run with
//! independent events reordered: the same events, the same draws (all
//! nominal after the deviation), the same violations. Such a child is
//! worth running only for its own children, whose deviations act on its
//! shifted timing; when it has none (its deviation is the last the bound
//! allows) it is skipped.
//!
//! What this assumes, and `reducible` checks: the model's handlers read
//! no clock (no partitions, whose heal times are absolute; no lossy links,
//! whose requests time out), messages on a link may overtake one another
//! (no FIFO links, where holding one back holds back the next), and
//! leadership stays put (every event reads who leads). Ties are taken as
//! reorderings. The invariants are checked after every event, on the whole
//! state; two runs that differ in the order of independent events pass
//! through different intermediate states, so an invariant over several
//! nodes' states could tell them apart: `tests/explore.rs` measures that the
//! reduced search finds the same failure groups as the plain one.

use std::collections::BTreeMap;

use crate::scenario::Scenario;
use crate::sim::{ChoiceKind, EventLog, Label, NO_EVENT};

/// Whether the scenario meets the reduction's assumptions (above).
pub fn reducible(scenario: &Scenario) -> bool {
    let network = &scenario.network;
    let faults = &scenario.setup.step_faults;
    network.reorder
        && network.partitions.is_empty()
        && scenario.setup.request_timeout_ticks.is_none()
        && faults.leader_change.is_never()
        && scenario.crashes.is_empty()
}

/// The parent run's log, indexed by the delay label of each delivery.
pub struct Deliveries<'a> {
    log: &'a EventLog,
    by_label: BTreeMap<Label, usize>,
    max_tick: u64,
}

impl<'a> Deliveries<'a> {
    pub fn new(log: &'a EventLog, max_tick: u64) -> Deliveries<'a> {
        let by_label = log
            .events
            .iter()
            .enumerate()
            .filter_map(|(i, e)| e.delay.map(|l| (l, i)))
            .collect();
        Deliveries {
            log,
            by_label,
            max_tick,
        }
    }

    /// Whether delaying the delivery whose delay choice is `label` by
    /// `shift` more ticks leaves every pair of conflicting events in the
    /// parent run's order (the child run is then equivalent to it).
    pub fn shift_commutes(&self, label: Label, shift: u64) -> bool {
        if label.kind != ChoiceKind::DELAY {
            return false;
        }
        let Some(&start) = self.by_label.get(&label) else {
            return false; // never delivered: a drop, or the run ended first
        };
        let events = &self.log.events;
        let mut cone = vec![false; events.len()];
        cone[start] = true;
        for j in start + 1..events.len() {
            let cause = events[j].cause;
            cone[j] = cause != NO_EVENT && cone[cause as usize];
        }
        let in_cone = |cause: u32| cause != NO_EVENT && cone[cause as usize];
        for (x, moved) in events.iter().enumerate().skip(start).filter(|&(x, _)| cone[x]) {
            let until = moved.tick + shift;
            if until > self.max_tick {
                return false;
            }
            let overtaken = events[x + 1..]
                .iter()
                .enumerate()
                .take_while(|(_, y)| y.tick <= until)
                .filter(|&(i, _)| !cone[x + 1 + i])
                .map(|(_, y)| y);
            let cancelled = self
                .log
                .cancelled
                .iter()
                .filter(|c| !in_cone(c.cause) && c.tick >= moved.tick && c.tick <= until);
            if overtaken
                .chain(cancelled)
                .any(|y| moved.footprint.conflicts(&y.footprint, moved.node == y.node))
            {
                return false;
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{Footprint, LoggedEvent};

    const HELD: Label = Label::new(ChoiceKind::DELAY, 3, 0, 1);

    fn event(tick: u64, node: u16, cause: u32, footprint: Footprint) -> LoggedEvent {
        LoggedEvent {
            tick,
            node,
            cause,
            delay: None,
            footprint,
        }
    }

    /// A delivery to node 0 at tick 5 (the one held back), which causes a
    /// transaction at tick 6 writing table bit 1; meanwhile node 1 runs a
    /// transaction at tick 8 touching `other`.
    fn log(other: Footprint) -> EventLog {
        let mut log = EventLog::default();
        log.events = vec![
            LoggedEvent {
                delay: Some(HELD),
                ..event(5, 0, NO_EVENT, Footprint::LOCAL)
            },
            event(6, 0, 0, Footprint::shared(0b10, 0b10)),
            event(8, 1, NO_EVENT, other),
        ];
        log
    }

    #[test]
    fn a_held_message_commutes_only_past_events_it_does_not_conflict_with() {
        let independent = log(Footprint::shared(0b01, 0b01));
        let deliveries = Deliveries::new(&independent, 1000);
        assert!(deliveries.shift_commutes(HELD, 29), "another table: the same run");
        let conflicting = log(Footprint::shared(0b10, 0));
        let deliveries = Deliveries::new(&conflicting, 1000);
        assert!(!deliveries.shift_commutes(HELD, 29), "reads what the cone writes");
        assert!(deliveries.shift_commutes(HELD, 1), "moved to 7: still before it");
        assert!(
            !deliveries.shift_commutes(HELD, 2),
            "moved to 8: a tie counts as a reordering"
        );
    }

    #[test]
    fn a_held_answer_past_a_cancelled_timeout_is_a_reordering() {
        let mut log = log(Footprint::shared(0b01, 0b01));
        log.cancelled.push(event(9, 0, NO_EVENT, Footprint::LOCAL));
        let deliveries = Deliveries::new(&log, 1000);
        assert!(deliveries.shift_commutes(HELD, 2));
        assert!(!deliveries.shift_commutes(HELD, 4), "the timeout would fire first");
    }

    #[test]
    fn a_shift_past_the_tick_limit_or_of_an_undelivered_message_is_run() {
        let log = log(Footprint::shared(0b01, 0b01));
        assert!(!Deliveries::new(&log, 20).shift_commutes(HELD, 29));
        let elsewhere = Label::new(ChoiceKind::DELAY, 1, 0, 1);
        assert!(!Deliveries::new(&log, 1000).shift_commutes(elsewhere, 1));
    }
}
