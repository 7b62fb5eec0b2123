//! A finding's verdict on a real cluster (`joinsim real`, Debian's
//! incus-base), recorded in its `[real]` table: reproduced in k of N tries
//! with the real error text; not reproduced in N tries, naming what was
//! tried in place of what a real cluster cannot do and why it was not
//! enough; or different in the release that runs here, with the lines that
//! say so. A real result varies from run to run, so the table records one
//! measured run and the command that made it, as the README's measured
//! examples do.

use serde::Deserialize;
use toml::Spanned;

use crate::scenario::{ScenarioError, line_of};

type Text = Spanned<String>;

/// `[real]` as serde reads it.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub(super) struct RealFile {
    verdict: Text,
    /// `dpkg-query -W incus-base` of the machine the tries ran on.
    package: Text,
    command: Text,
    tries: Spanned<i64>,
    /// Tries in the finding's failure group (`reproduced` only).
    broke: Option<Spanned<i64>>,
    /// The real error text (`reproduced` only).
    error: Option<Text>,
    /// The scenario key a real cluster cannot honour, when the tries ran a
    /// stand-in for it.
    refused: Option<Text>,
    /// The real fault (or admin action) tried in the refused key's place.
    instead: Option<Text>,
    /// Why the tries did not reproduce it (`not-reproduced`), or a note.
    why: Option<Text>,
    /// The lines of the release that runs here that make it differ
    /// (`differs`).
    lines: Option<Text>,
}

/// What the real tries showed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Reproduced { broke: u32, error: String },
    NotReproduced,
    Differs { lines: String },
}

/// A finding's real verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RealVerdict {
    pub outcome: Outcome,
    pub package: String,
    /// The `joinsim real` command line that measured it.
    pub command: String,
    pub tries: u32,
    /// `(key, what was tried instead)`.
    pub stand_in: Option<(String, String)>,
    pub why: Option<String>,
}

type Result<T> = std::result::Result<T, ScenarioError>;

/// Reads `[real]` of finding file `file` (text `text`).
pub(super) fn parse(file: &str, text: &str, real: &RealFile) -> Result<RealVerdict> {
    let at = |span: std::ops::Range<usize>, key: &str, message: String| ScenarioError {
        file: file.to_string(),
        line: Some(line_of(text, span.start)),
        key: Some(format!("real.{key}")),
        message,
    };
    let required = |value: &Option<Text>, key: &str, when: &str| -> Result<String> {
        match value {
            Some(v) if !v.get_ref().trim().is_empty() => Ok(v.get_ref().trim().to_string()),
            _ => Err(at(
                real.verdict.span(),
                key,
                format!("a `{when}` verdict needs `{key}`"),
            )),
        }
    };
    let tries = u32::try_from(*real.tries.get_ref())
        .ok()
        .filter(|&n| n >= 1)
        .ok_or_else(|| at(real.tries.span(), "tries", "must be at least 1".into()))?;
    let command = real.command.get_ref().trim().to_string();
    if !command.starts_with("joinsim real ") || !command.contains(&format!("--tries {tries}")) {
        return Err(at(
            real.command.span(),
            "command",
            format!("must be the `joinsim real ... --tries {tries}` command that measured it"),
        ));
    }
    let outcome = match real.verdict.get_ref().as_str() {
        "reproduced" => {
            let broke = real.broke.as_ref().map(|b| (*b.get_ref(), b.span()));
            let broke = match broke {
                Some((n, _)) if n >= 1 && n <= i64::from(tries) => n as u32,
                Some((_, span)) => return Err(at(span, "broke", format!("must be 1..={tries} (the tries)"))),
                None => {
                    return Err(at(
                        real.verdict.span(),
                        "broke",
                        "a `reproduced` verdict needs `broke`".into(),
                    ));
                }
            };
            let error = required(&real.error, "error", "reproduced")?;
            Outcome::Reproduced { broke, error }
        }
        "not-reproduced" => {
            required(&real.why, "why", "not-reproduced")?;
            Outcome::NotReproduced
        }
        "differs" => Outcome::Differs {
            lines: required(&real.lines, "lines", "differs")?,
        },
        other => {
            return Err(at(
                real.verdict.span(),
                "verdict",
                format!("\"{other}\" is none of \"reproduced\", \"not-reproduced\", \"differs\""),
            ));
        }
    };
    let stand_in = match (&real.refused, &real.instead) {
        (Some(key), Some(instead)) => Some((key.get_ref().clone(), instead.get_ref().trim().to_string())),
        (None, None) => None,
        (Some(key), None) => {
            return Err(at(
                key.span(),
                "instead",
                "a refused key needs what was tried in its place".into(),
            ));
        }
        (None, Some(instead)) => return Err(at(instead.span(), "refused", "`instead` of which refused key?".into())),
    };
    Ok(RealVerdict {
        outcome,
        package: real.package.get_ref().trim().to_string(),
        command,
        tries,
        stand_in,
        why: real
            .why
            .as_ref()
            .map(|w| w.get_ref().split_whitespace().collect::<Vec<_>>().join(" ")),
    })
}

impl RealVerdict {
    /// The release, `6.0.4` of `6.0.4-2+deb13u7~bpo12+1`.
    fn release(&self) -> &str {
        self.package.split('-').next().unwrap_or(&self.package)
    }

    /// The verdict in a few words, for the README's table.
    pub fn short(&self) -> String {
        let release = self.release();
        match &self.outcome {
            Outcome::Reproduced { broke, .. } => {
                format!("reproduced on Incus {release} in {broke} of {} tries", self.tries)
            }
            Outcome::NotReproduced => format!("not reproduced in {} tries", self.tries),
            Outcome::Differs { .. } => format!("differs in {release}"),
        }
    }

    /// The verdict in full: the short form, the error text or the reason,
    /// and what stood in for a refused key.
    pub fn sentence(&self) -> String {
        let mut out = self.short();
        match &self.outcome {
            Outcome::Reproduced { error, .. } => out.push_str(&format!(": `{error}`")),
            Outcome::NotReproduced => {}
            Outcome::Differs { lines } => out.push_str(&format!(": {lines}")),
        }
        if let Some((key, instead)) = &self.stand_in {
            let instead = instead.trim_end_matches('.');
            out.push_str(&format!(
                ". `{key}` is not something a real cluster can be made to do; tried in its place: {instead}"
            ));
        }
        if let Some(why) = &self.why {
            out.push_str(&format!(". {}", why.trim_end_matches('.')));
        }
        out.push('.');
        out
    }
}
