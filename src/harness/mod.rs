//! One run of a scenario as the harness drives it: the run itself
//! ([`run`]), the names of every kind of choice ([`labels`]) and the swarm
//! picks drawn before it ([`swarm`]).

pub mod labels;
pub mod run;
pub mod state;
pub mod swarm;
