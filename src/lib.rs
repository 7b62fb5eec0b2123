//! joinsim: a deterministic simulation and testing harness for the Incus
//! cluster join protocol. See `DESIGN.md` in the shared folder and the
//! README for the architecture.

pub mod model;
pub mod sim;
