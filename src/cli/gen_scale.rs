//! `joinsim gen-scale --members N --joiners J`: prints (or writes) a
//! generated scale scenario (`scenario/generate.rs`).

use std::path::PathBuf;

use clap::Args;

use super::{Failure, Verdict};
use crate::scenario::generate::{ScaleShape, scale_toml};

#[derive(Args, Debug)]
pub struct GenScaleArgs {
    /// Cluster members (m1, the leader, ... mN).
    #[arg(long)]
    pub members: usize,
    /// Concurrent joiners, each through another member.
    #[arg(long)]
    pub joiners: usize,
    /// Admin clients (default: one per five joiners).
    #[arg(long)]
    pub admins: Option<usize>,
    /// Rack groups besides `default` and `gpu` (default: one per ten members).
    #[arg(long)]
    pub racks: Option<usize>,
    /// The scenario's `[campaign] seeds` (default: none, so fuzz's default).
    #[arg(long)]
    pub seeds: Option<u64>,
    /// Write the scenario here instead of printing it.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

pub fn gen_scale(args: &GenScaleArgs) -> Result<Verdict, Failure> {
    let defaults = ScaleShape::new(args.members, args.joiners);
    let shape = ScaleShape {
        admins: args.admins.unwrap_or(defaults.admins),
        racks: args.racks.unwrap_or(defaults.racks),
        campaign_seeds: args.seeds,
        ..defaults
    };
    shape.check().map_err(Failure::Input)?;
    let text = scale_toml(&shape);
    match &args.out {
        None => print!("{text}"),
        Some(path) => {
            std::fs::write(path, text).map_err(|e| Failure::Input(format!("{}: cannot write: {e}", path.display())))?
        }
    }
    Ok(Verdict::Clean)
}
