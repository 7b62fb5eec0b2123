//! A broken invariant, as a value: so that a failing schedule can be shrunk.

use serde::{Deserialize, Serialize};

use super::Invariant;

/// One broken invariant, where and when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    pub invariant: Invariant,
    /// The node it concerns, by name.
    pub node: Option<String>,
    /// The Incus step (or admin operation) at which it happened.
    pub step: Option<String>,
    pub tick: u64,
    pub message: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at t={}", self.invariant, self.tick)?;
        if let Some(node) = &self.node {
            write!(f, " on {node}")?;
        }
        if let Some(step) = &self.step {
            write!(f, ", step {step}")?;
        }
        write!(f, ": {}", self.message)
    }
}
