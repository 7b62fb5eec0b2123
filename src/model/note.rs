//! Trace annotations: the state changes a reader of a trace needs besides
//! the messages themselves. Built only when tracing is on.

use super::joiner::JoinStatus;
use super::message::{ApiError, Tx};
use super::observe::{LocalRead, Validation, ZoneValidation};
use super::ops::Command;
use super::step::Step;

#[derive(Clone, Debug, PartialEq, Hash)]
pub enum Note {
    /// A joiner begins a step.
    Step(Step),
    /// A fault point fired (BUGGIFY).
    InjectedFault(Step),
    /// `projectValidateConfig` ran on a config naming cluster groups.
    Validation(Validation),
    /// A network validated on join looked up a zone (`validateZoneNames`).
    ZoneValidation(ZoneValidation),
    /// A J5 validation read the joiner's local database (pools, uplinks,
    /// the default project's config, profiles).
    LocalRead(LocalRead),
    /// An error that Incus only logs.
    Warning(Step, ApiError),
    /// The join failed at a step, with its whole error chain.
    JoinError(Step, String),
    JoinEnded(JoinStatus),
    /// The leader committed a transaction, reaching `version`.
    Committed {
        version: u64,
        tx: Tx,
    },
    /// The leader rolled a transaction back.
    RolledBack {
        tx: Tx,
        error: ApiError,
    },
    /// An admin command starts.
    AdminCommand(Command),
    /// An admin command ended.
    AdminResult(Command, Result<(), ApiError>),
    /// Something the cluster itself did: a busy database, a lost answer, a
    /// new leader, a mutex hand-off, a local step that takes time.
    Cluster(String),
}
