//! One run of a scenario as the harness drives it: the run itself
//! ([`run`]), the names of every kind of choice ([`labels`]), the swarm
//! picks drawn before it ([`swarm`]), a run's state to branch from
//! ([`state`]) and its fingerprint ([`fingerprint`]).

pub mod fingerprint;
pub mod labels;
pub mod run;
pub mod state;
pub mod swarm;
