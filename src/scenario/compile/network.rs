//! `[network]`: delays, drops and partitions.

use super::compiler::Compiler;
use super::compiler::Result;
use crate::scenario::file::{NetworkFile, ScenarioFile, Text};
use crate::sim::{NetworkConfig, NodeId, Partition, Ratio};

pub(super) const DEFAULT_DELAY_MAX_TICKS: u64 = 10;

pub(super) fn network(c: &Compiler<'_>, parsed: &ScenarioFile) -> Result<NetworkConfig> {
    let n = &parsed.network;
    let delay_min = c.ticks(&n.delay_min, "network.delay_min", 1)?;
    let delay_max = c.ticks(
        &n.delay_max,
        "network.delay_max",
        DEFAULT_DELAY_MAX_TICKS.max(delay_min),
    )?;
    if delay_max < delay_min {
        let span = n.delay_max.as_ref().map(|v| v.span());
        return Err(c.error(
            span,
            "network.delay_max",
            format!("must be at least delay_min ({delay_min})"),
        ));
    }
    if delay_max - delay_min > u64::from(u32::MAX - 1) {
        return Err(c.error(
            n.delay_max.as_ref().map(|v| v.span()),
            "network.delay_max",
            "delay range too wide",
        ));
    }
    let mut partitions = Vec::new();
    for (i, p) in n.partitions.iter().enumerate() {
        let key = format!("network.partitions[{i}]");
        let side = |list: &Vec<Text>, name: &str| -> Result<Vec<NodeId>> {
            list.iter()
                .enumerate()
                .map(|(k, t)| c.node(t, &format!("{key}.{name}[{k}]")))
                .collect()
        };
        let from = c.ticks(&Some(p.from.clone()), &format!("{key}.from"), 0)?;
        let until = c.ticks(&Some(p.until.clone()), &format!("{key}.until"), 0)?;
        if until < from {
            return Err(c.at(
                &p.until,
                &format!("{key}.until"),
                format!("must not be before `from` ({from})"),
            ));
        }
        let (side_a, side_b) = (side(&p.side_a, "side_a")?, side(&p.side_b, "side_b")?);
        if let Some(k) = side_b.iter().position(|node| side_a.contains(node)) {
            let name = &p.side_b[k];
            return Err(c.at(
                name,
                &format!("{key}.side_b[{k}]"),
                format!(
                    "\"{}\" is on both sides of the partition; a node on both sides would be cut off \
                     from every other node of either side: list it on one side only",
                    name.get_ref()
                ),
            ));
        }
        partitions.push(Partition {
            side_a,
            side_b,
            from_tick: from,
            until_tick: until,
        });
    }
    Ok(NetworkConfig {
        delay_min_ticks: delay_min,
        delay_max_ticks: delay_max,
        reorder: n.reorder.unwrap_or(true),
        same_tick_order: n.same_tick_order.unwrap_or(false),
        drop: c.ratio(&n.drop, "network.drop")?,
        duplicate: no_duplicates(c, n)?,
        partitions,
        faults_until_tick: c.ticks(&n.faults_until, "network.faults_until", 1_000)?,
    })
}

/// `network.duplicate`: refused unless it says never. Every message of the
/// model travels on a TCP connection (`model/connection.rs`), which
/// delivers each byte once: a real network's duplicate packet never reaches
/// Incus twice, so the setting could only ever do nothing.
pub(super) fn no_duplicates(c: &Compiler<'_>, n: &NetworkFile) -> Result<Ratio> {
    let duplicate = c.ratio(&n.duplicate, "network.duplicate")?;
    match &n.duplicate {
        Some(value) if !duplicate.is_never() => Err(c.at(
            value,
            "network.duplicate",
            "messages travel on TCP connections, which never deliver a message twice: \
             remove it (a broken connection is `network.drop`)",
        )),
        _ => Ok(duplicate),
    }
}
