//! From the file's tables to a runnable [`Scenario`], checking every
//! reference on the way. Each error names the file, line and key. One file
//! per part of the scenario it compiles; `compiler.rs` holds what they share.

mod admins;
mod cluster;
mod commands;
mod compiler;
mod expectations;
mod faults;
mod joiners;
mod limits;
mod network;
mod nodes;
mod resources;
mod standalone;

use std::sync::Arc;

use crate::model::Setup;
use crate::scenario::file::ScenarioFile;
use crate::scenario::{Scenario, warn};
use admins::{check_removals, incus_accepts_commands};
use compiler::{Compiler, Result};
use expectations::{expectations, variant, variant_expectations};
use faults::{crashes, pauses, step_faults};
use limits::{campaign_seeds, limits};
use network::network;
use nodes::declare_nodes;
use standalone::standalone_db;

const DEFAULT_REQUEST_TIMEOUT_TICKS: u64 = 300;

pub fn compile(name: &str, file: &str, source: &str) -> Result<Scenario> {
    let parsed: ScenarioFile = crate::scenario::error::parse_toml(file, source)?;
    let mut c = Compiler::new(file, source);
    let variant = variant(&c, &parsed)?;
    let (leader, db) = declare_nodes(&mut c, &parsed)?;
    check_removals(&c, &parsed, leader)?;
    incus_accepts_commands(&c, &parsed)?;

    let network = network(&c, &parsed)?;
    let crashes = crashes(&c, &parsed)?;
    let pauses = pauses(&c, &parsed)?;
    let step_faults = step_faults(&mut c, &parsed)?;
    let expect = expectations(&c, &parsed.expect, "expect")?;
    let expect_variants = variant_expectations(&c, &parsed, variant)?;
    // The incus client has no request timeout (client/util.go:36-44 at
    // be7afc5df3): an admin gives up only when the scenario says so, and
    // only where a message can be lost. (A default timeout here made the
    // model's admin give up on a request a partition only delayed, which a
    // real client waits out: scenarios/real/project-update-toctou.toml.)
    let timeouts_needed =
        parsed.network.request_timeout.is_some() && (network.can_lose_messages() || !crashes.is_empty());
    let request_timeout = c.ticks(
        &parsed.network.request_timeout,
        "network.request_timeout",
        DEFAULT_REQUEST_TIMEOUT_TICKS,
    )?;
    if request_timeout == 0 {
        return Err(c.error(
            parsed.network.request_timeout.as_ref().map(|v| v.span()),
            "network.request_timeout",
            "must be at least 1 tick",
        ));
    }
    let limits = limits(&c, &parsed, &network, (&crashes, &pauses), &step_faults)?;
    let campaign_seeds = campaign_seeds(&c, &parsed)?;
    let warnings = warn::warnings(
        &parsed,
        &warn::Facts {
            file,
            source,
            network: &network,
            random_step_error_never: step_faults.random.is_never(),
            random_step_error_until_tick: step_faults.random_until_tick,
        },
    );

    let standalone = standalone_db(&mut c, &parsed)?;
    let join_token_expiry_ticks = cluster::join_token_expiry(&c, &parsed.cluster)?;
    let setup = Setup {
        standalone: Arc::new(standalone),
        names: c.names,
        roles: c.roles,
        leader,
        db: Arc::new(db),
        variant,
        request_timeout_ticks: timeouts_needed.then_some(request_timeout),
        step_faults,
        join_token_expiry_ticks,
    };
    Ok(Scenario {
        name: name.to_string(),
        path: file.to_string(),
        source: source.to_string(),
        description: parsed.description.trim().to_string(),
        setup: Arc::new(setup),
        network,
        crashes,
        pauses,
        expect: expect.clone(),
        file_expect: expect,
        expect_variants,
        file_variant: variant,
        limits,
        campaign_seeds,
        swarm: false,
        warnings,
    })
}
