//! `variant`, `[expect]` and `[expect_variant.NAME]`: what a scenario
//! says its runs must show, under its own variant and under others.

use std::collections::BTreeMap;

use super::compiler::Compiler;
use super::compiler::Result;
use crate::check::Invariant;
use crate::model::Variant;
use crate::scenario::expect::{Expect, Expectations, GroupBand};
use crate::scenario::file::{ScenarioFile, Text};

pub(super) fn variant(c: &Compiler<'_>, parsed: &ScenarioFile) -> Result<Variant> {
    variant_named(c, &parsed.variant, "variant")
}

pub(super) fn variant_named(c: &Compiler<'_>, name: &Text, key: &str) -> Result<Variant> {
    Variant::parse(name.get_ref()).ok_or_else(|| {
        let known: Vec<&str> = Variant::ALL.iter().map(|v| v.name()).collect();
        let got = name.get_ref();
        c.at(
            name,
            key,
            format!("unknown variant \"{got}\" (known: {})", known.join(", ")),
        )
    })
}

/// `[expect_variant.NAME]`: the expectations under another variant, each
/// read as `[expect]` is; the scenario's own variant has `[expect]`.
pub(super) fn variant_expectations(
    c: &Compiler<'_>,
    parsed: &ScenarioFile,
    own: Variant,
) -> Result<Vec<(Variant, Expectations)>> {
    let mut out = Vec::new();
    for (name, table) in &parsed.expect_variant {
        let key = format!("expect_variant.{}", name.get_ref());
        let variant = variant_named(c, name, &key)?;
        if variant == own {
            return Err(c.at(
                name,
                &key,
                format!(
                    "\"{}\" is the scenario's own variant: its expectations go in [expect]",
                    own.name()
                ),
            ));
        }
        out.push((variant, expectations(c, table, &key)?));
    }
    Ok(out)
}

/// `[expect]`: per invariant `always`, `never` or a band; per failure group
/// (`"INVARIANT on ROLE at STEP"`) a band, whose invariant must allow
/// violations.
pub(super) fn expectations(c: &Compiler<'_>, table: &BTreeMap<Text, Text>, table_key: &str) -> Result<Expectations> {
    let mut expect = Expectations::default();
    let mut groups = Vec::new();
    for (k, v) in table {
        let key = format!("{table_key}.{}", k.get_ref());
        if let Some(name) = k.get_ref().strip_prefix("probe: ") {
            let probe = crate::model::probe::Probe::parse(name).ok_or_else(|| {
                let known: Vec<&str> = crate::model::probe::Probe::ALL.iter().map(|p| p.name()).collect();
                c.at(
                    k,
                    &key,
                    format!("unknown probe \"{name}\" (known: {})", known.join(", ")),
                )
            })?;
            if v.get_ref() != "reached" {
                return Err(c.at(v, &key, "a required probe takes \"reached\""));
            }
            expect.probes.push(probe);
            continue;
        }
        if let Some(group) = GroupBand::parse_key(k.get_ref()) {
            let (invariant, label) = group.map_err(|message| c.at(k, &key, message))?;
            let band = match Expect::parse(v.get_ref()).map_err(|message| c.at(v, &key, message))? {
                Expect::Rate(band) => band,
                _ => return Err(c.at(v, &key, "a failure group takes a rate band, e.g. \"0.4%..0.7%\"")),
            };
            groups.push((k, GroupBand { label, invariant, band }));
            continue;
        }
        let invariant = Invariant::parse(k.get_ref()).ok_or_else(|| {
            let known: Vec<&str> = Invariant::ALL.iter().map(|i| i.name()).collect();
            c.at(
                k,
                &key,
                format!("unknown invariant \"{}\" (known: {})", k.get_ref(), known.join(", ")),
            )
        })?;
        expect.invariants[invariant.index()] = Expect::parse(v.get_ref()).map_err(|message| c.at(v, &key, message))?;
    }
    for (k, group) in groups {
        if !expect.of(group.invariant).allows_violations() {
            return Err(c.at(
                k,
                &format!("{table_key}.{}", k.get_ref()),
                format!(
                    "a band for a failure group of {0} needs {0} itself to allow violations (a band or always)",
                    group.invariant
                ),
            ));
        }
        expect.groups.push(group);
    }
    Ok(expect)
}
