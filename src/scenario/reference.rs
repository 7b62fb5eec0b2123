//! The scenario format, every key, for `joinsim scenario --help` (and
//! `joinsim help scenario`). The lists of variants, invariants, admin
//! operations and join steps come from the code, so they cannot drift; a
//! test holds that every key of [`super::file`] is described.

use std::fmt::Write;

use crate::check::Invariant;
use crate::model::Variant;
use crate::model::ops::OPERATIONS;
use crate::model::step::Step;

const TABLES: &str = r#"A scenario is a TOML file. Unknown keys are refused; every error names the
file, line and key (exit 2). Ticks are virtual time; probabilities are
ratios such as "1/40". `joinsim scenario FILE...` checks files and prints
their warnings.

description = "..."             what the scenario is about (optional)
variant = "incus-6.7"           the protocol variant (required; overridable with --variant)

[cluster]
members = ["m1", "m2", "m3"]    member names; every member starts in the default group
leader = "m1"                   the dqlite leader, a member (holds the cluster database)
[[cluster.groups]]              a cluster group besides default
  name = "gpu"
  members = ["m2", "m3"]        members of the group
[[cluster.projects]]            a project (default exists; declaring it sets its config)
  name = "default"
  config = { "restricted" = "true", "restricted.cluster.groups" = "gpu" }
                                config values may name only declared groups
[[cluster.pools]]               a storage pool, created on every member
  name = "fast"
  pending = false               true: defined on every member with --target but never
                                created (pending; J5 skips it, projects may name it)
[[cluster.networks]]            a network, created on every member
  name = "br0"
  project = "p"                 its project (default: default)
  config = { "dns.zone.forward" = "example.net" }
                                a bridge's dns.zone.forward / dns.zone.reverse.ipv4 /
                                dns.zone.reverse.ipv6, each naming a declared zone, and
                                ipv4.routes / ipv6.routes (lists of network addresses,
                                which restricted.networks.subnets must lie in); no other key
  pending = false               true: defined on every member with --target but never
                                created (pending; J5 skips it)
[[cluster.zones]]               a network zone (incus network zone create)
  name = "example.net"
join_token_expiry = "1S"        (in [cluster]) the server key cluster.join_token_expiry:
                                how long a join token lasts ("3H" when unset; S, M, H,
                                d, w, m, y as incus config set takes them); the joiners'
                                first tokens are issued at tick 0

[standalone]                    every joiner's own server before it joins
  profile_devices = { eth0 = { type = "nic", nictype = "bridged", parent = "br-host" } }
                                devices of its default profile: NICs on a host interface
                                only (type "nic", a nictype Incus knows, a parent);
                                the cluster's default profile has no devices

[[joiners]]                     a node running `incus cluster join`
  name = "j1"
  target = "m2"                 the member its join token points at
  start = 0                     tick of the join (default 0)
  start_jitter = 0              the start is drawn up to this many ticks later
  attempts = 1                  how often the operator runs the join (a failed
                                attempt is followed by the next)
  retry_after = 100             ticks between a failed attempt and the next
  retry_token = "new"           "new": `incus cluster add` before a retry;
                                "same": the retry reuses the first token

[[admins]]                      a person running incus commands one after another
  name = "alice"
  via = "m2"                    the member whose API it talks to
  start = 100                   tick of the first command (default 0)
  start_jitter = 0              the first command is drawn up to this much later
  pause = 0                     ticks drawn between commands, up to this
  trigger = { joiner = "j1", state = "full-member" }
                                from its start, the first command waits until the
                                join reaches a state: "join-started", "pending-member"
                                (a pending row) or "full-member" (J9 committed);
                                the model looks once a tick, `joinsim real` polls
                                a member about once a millisecond; a join that ends
                                first leaves the admin's commands unrun
  commands = [{ op = "create-group", group = "gpu2" }, ...]
                                one table per command: `op` and the fields it needs
                                (group, to, member, project, key, value, pool, network)

[network]
delay_min = 1                   a message takes delay_min..=delay_max ticks
delay_max = 10                  (default 10, or delay_min if larger)
reorder = true                  false: messages on a link arrive in send order
same_tick_order = false         true: each message draws its place among events
                                due at the same tick (an `order` choice)
drop = "0/1"                    probability that the network breaks a request's TCP
                                connection (a reset), drawn per request and per answer
duplicate = "0/1"               refused unless 0: every message travels on a TCP connection,
                                which never delivers it twice
faults_until = 1000             drops happen only before this tick
request_timeout = 300           ticks an admin client waits for an answer (admins
                                only, and only when set: the Incus client has none;
                                only when drops, partitions or crashes can lose one)
[[network.partitions]]          nothing crosses between the sides while it lasts
  side_a = ["m1"]               node names; a node may not be on both sides
  side_b = ["m3", "j2"]
  from = 150                    first tick cut
  until = 250                   first tick healed (from = until cuts nothing)

[faults]
random_step_error = "0/1"       probability that a join step fails with an injected error
until = 1000                    random step errors happen only before this tick
transaction_retry = "0/1"       per transaction attempt: the database is busy (not
                                applied), and, apart, the attempt commits but its
                                answer is lost; query.Retry retries both (until)
leader_change = "0/1"           per commit: leadership moves to another live member (until)
local_work_max = 0              a joiner's local step takes up to this many ticks
mutex_handoff = "fifo"          "any": a released clusterMembershipMutex goes to any waiter
step_errors = [{ step = "J10", joiner = "j1", attempt = 1 }]
                                a step that always fails (joiner: all joiners if
                                omitted; attempt: every attempt if omitted)
[[faults.crashes]]              a member or joiner crash
  node = "m1"
  at = 100                      tick of the crash
  jitter = 0                    the crash is drawn up to this many ticks later
  restart_after = 50            ticks until the restart (omitted: stays down)
[[faults.pauses]]               a member or joiner that stops answering for a while
  node = "m3"                   (joinsim real: SIGSTOP, then SIGCONT); nothing is
  at = 100                      lost: what reaches it and its timers wait
  jitter = 0                    the pause is drawn up to this many ticks later
  resume_after = 3000           ticks until it runs again

[limits]                        hitting a limit is a join-liveness violation
max_events = 100000             events per run
liveness_ticks = 5000           once the last fault heals and the last client has
                                started, every join must end within this many ticks

[campaign]
seeds = 20000                   seeds `joinsim fuzz` runs of this scenario when the
                                command line gives no --seeds, --from/--to or --time
                                (default 1000000; for scenarios whose runs cost more)

[expect]                        per invariant; invariants not named are "never"
unsynced-group-validation = "always"     every run breaks it
spurious-join-failure = "0.479%..0.552%" a rate band: the fraction of a campaign's
                                runs that break it, percentages with up to four
                                decimals; checked exactly once a campaign has
                                enough runs for the band to span 4 standard
                                errors on each side of its centre, and with fewer
                                runs only against the band widened by a
                                Bernstein margin (the summary says which)
join-liveness = "never"                  no run breaks it
"join-leftovers on joiner at J7 clusterAcceptMember" = "0.038%..0.061%"
                                a band for one failure group, named as the summary
                                names it (INVARIANT on ROLE at STEP); its invariant
                                must allow violations
"probe: leader changed" = "reached"   a probe some run of the campaign must hit
                                (`joinsim list` names the probes); a window
                                never reached fails the campaign

[expect_real]                   what `joinsim real` tries must show, keyed as [expect]:
  join-leftovers = "reproduced" "reproduced": at least one try breaks it; "never": none
[conform]                       why a `joinsim conform` comparison differs, keyed by
"end: raft nodes" = "REASON"    the compared item as its report names it; a
                                difference without a reason fails the run
[expect_variant.revert-retries] what the scenario expects under another variant
join-leftovers = "never"        (a fix variant's pinned verdict): a table in
                                expect_variant, one a variant, keys as in
                                [expect], invariants not named "never"; used
                                when the scenario runs under that variant, and
                                `joinsim fuzz` without --variant runs the
                                scenario under each such variant after its own
"#;

/// The whole reference: the format, then the names it accepts.
pub fn reference() -> String {
    let mut out = TABLES.to_string();
    let _ = writeln!(out, "\nvariants:");
    for v in Variant::ALL {
        let _ = writeln!(out, "  {:<22} {}", v.name(), v.description());
    }
    let _ = writeln!(out, "\ninvariants (keys of [expect]):");
    for i in Invariant::ALL {
        let _ = writeln!(out, "  {}", i.name());
    }
    let _ = writeln!(out, "\nadmin operations (`op`) and the fields each needs:");
    for op in OPERATIONS {
        let optional = op.may().iter().map(|f| format!("[{}]", f.name()));
        let fields: Vec<String> = op
            .needs()
            .iter()
            .map(|f| f.name().to_string())
            .chain(optional)
            .collect();
        let _ = writeln!(out, "  {:<24} {}", op.name(), fields.join(", "));
        let _ = writeln!(out, "  {:<24} ({})", "", op.usage());
    }
    let _ = writeln!(
        out,
        "\njoin steps (for step_errors: a code where it names one step, else a name):"
    );
    for step in Step::ALL.iter().filter(|s| **s != Step::Revert) {
        let _ = writeln!(out, "  {:<4} {:?} ({})", step.code(), step, step.name());
    }
    out.push_str(&super::incus_config::reference());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every field of every table in `file.rs` is a key the reference
    /// describes (as `key =`, `[key]` or a dotted `[[a.key]]`).
    #[test]
    fn the_reference_describes_every_key_of_the_format() {
        let source = include_str!("file.rs");
        let text = reference();
        let fields: Vec<&str> = source
            .lines()
            .filter_map(|l| l.trim().strip_prefix("pub "))
            .filter_map(|l| l.split_once(':').map(|(name, _)| name))
            .filter(|name| name.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
            .collect();
        assert!(fields.len() > 40, "{fields:?}");
        for field in fields {
            let described = [
                format!("{field} ="),
                format!("[{field}]"),
                format!(".{field}]"),
                format!("{field},"),
            ]
            .iter()
            .any(|form| text.contains(form.as_str()))
                || text.contains(&format!("[[{field}]]"))
                || text.contains(&format!("{field})"));
            assert!(described, "the scenario reference does not describe `{field}`");
        }
    }
}
