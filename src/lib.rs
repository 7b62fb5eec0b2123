//! joinsim: a deterministic simulation and testing harness for the Incus
//! cluster join protocol.
//!
//! The layers, one direction of dependency: [`scenario`] files compile into
//! a [`model`] (the Incus join) that runs on [`sim`] (the engine, free of
//! Incus); [`check`] reads what happens; [`harness`] ties one run together.
//! A failing run is saved as an [`artifact`], replayed with its `replay` and
//! minimised with [`shrink`]. [`finding`] turns a finding about today's Incus into a
//! report with its shortest schedule and its fix's verdict.

pub mod artifact;
pub mod check;
pub mod cli;
pub mod conform;
pub mod explore;
pub mod finding;
pub mod harness;
pub mod model;
pub mod real;
pub mod scenario;
pub mod shrink;
pub mod sim;
pub mod trace;

// The paths the rest of the crate (and other branches) use.
pub use artifact::replay;
pub use harness::{labels, run, state, swarm};
