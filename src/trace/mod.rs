//! Traces: what a recorded run looks like to a reader.

pub mod describe;
pub mod text;
