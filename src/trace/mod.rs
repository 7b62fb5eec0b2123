//! Traces: what a recorded run looks like to a reader. [`rows`] builds the
//! story of a run once; each format renders it.

pub mod describe;
pub mod diff;
pub mod json;
pub mod mermaid;
pub mod outcome;
pub mod rows;
pub mod svg;
pub mod text;
