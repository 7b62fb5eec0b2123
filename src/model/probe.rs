//! Probes (as FoundationDB's code probes): named points of the model that a
//! run marks when it reaches them. A campaign counts them, so that a
//! scenario whose interesting window is never reached shows, and
//! coverage-guided search keeps the schedules that reach new ones.

use crate::sim::{Ctx, Model};

/// A named point of the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Probe {
    /// An admin command succeeded.
    AdminCommandSucceeded,
    /// An admin command failed.
    AdminCommandFailed,
    /// An admin's transaction committed while a joiner was past J9's commit
    /// and before J10 (the window of the default-group race).
    AdminCommitBetweenJ9AndJ10,
    /// An admin's transaction committed while a joiner was between its
    /// first and last clusterInitMember read (J5).
    AdminCommitDuringJ5Reads,
    /// A joiner validated project config against groups it had not synced
    /// to the config's version.
    ValidationAgainstStaleGroups,
    /// A join completed.
    JoinCompleted,
    /// A join failed (and its reverter ran, if registered).
    JoinFailed,
    /// The reverter ran after J9 had made the joiner a full member.
    RevertAfterJ9,
    /// Leadership moved to another member.
    LeaderChanged,
    /// A transaction attempt was retried (busy, or its answer lost).
    TransactionRetried,
    /// A retried transaction met the commit of its own earlier attempt.
    RetryMetItsOwnCommit,
    /// A released membership mutex went to a waiter other than the first.
    MutexHandedOutOfOrder,
    /// A joiner's local step took time.
    LocalWorkTookTime,
}

impl Probe {
    pub const ALL: [Probe; 13] = [
        Probe::AdminCommandSucceeded,
        Probe::AdminCommandFailed,
        Probe::AdminCommitBetweenJ9AndJ10,
        Probe::AdminCommitDuringJ5Reads,
        Probe::ValidationAgainstStaleGroups,
        Probe::JoinCompleted,
        Probe::JoinFailed,
        Probe::RevertAfterJ9,
        Probe::LeaderChanged,
        Probe::TransactionRetried,
        Probe::RetryMetItsOwnCommit,
        Probe::MutexHandedOutOfOrder,
        Probe::LocalWorkTookTime,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Probe::AdminCommandSucceeded => "admin command succeeded",
            Probe::AdminCommandFailed => "admin command failed",
            Probe::AdminCommitBetweenJ9AndJ10 => "admin commit between J9 and J10",
            Probe::AdminCommitDuringJ5Reads => "admin commit during J5 reads",
            Probe::ValidationAgainstStaleGroups => "validation against stale groups",
            Probe::JoinCompleted => "join completed",
            Probe::JoinFailed => "join failed",
            Probe::RevertAfterJ9 => "revert ran after J9",
            Probe::LeaderChanged => "leader changed",
            Probe::TransactionRetried => "transaction retried",
            Probe::RetryMetItsOwnCommit => "retry met its own commit",
            Probe::MutexHandedOutOfOrder => "mutex handed out of order",
            Probe::LocalWorkTookTime => "local work took time",
        }
    }

    pub fn parse(name: &str) -> Option<Probe> {
        Probe::ALL.into_iter().find(|p| p.name() == name)
    }

    /// The probe's bit in a run's probe set.
    pub fn bit(self) -> u64 {
        1 << (self as u8)
    }

    /// Marks this probe hit in the current run.
    pub fn hit<M: Model>(self, ctx: &mut Ctx<'_, M>) {
        ctx.probe(self as u8);
    }

    /// The probes in a run's probe set.
    pub fn in_set(set: u64) -> impl Iterator<Item = Probe> {
        Probe::ALL.into_iter().filter(move |p| set & p.bit() != 0)
    }
}
