//! The findings registry: one TOML file per finding about today's Incus in
//! `findings/NAME.toml`, naming the bundled scenario that shows it, the
//! failure group it is, what it does to a user, the Incus source lines
//! that make it real and the fix variant that removes it. Loaded like a
//! scenario: unknown keys are refused and every error names the file,
//! line and key ([`ScenarioError`], exit 2).

use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::explore::FailureKey;
use crate::explore::campaign::failure_key;
use crate::model::Variant;
use crate::scenario::{GroupBand, Scenario, ScenarioError, line_of, parse_toml, read_input, toml_files};

type Text = Spanned<String>;

/// The registry's folder, beside `scenarios/`.
pub const FINDINGS_DIR: &str = "findings";

/// A finding's file, as serde reads it.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct FindingFile {
    title: Text,
    scenario: Text,
    group: Text,
    effect: Text,
    fix: Text,
    commit: Text,
    versions: Text,
    #[serde(default)]
    source: Vec<SourceFile>,
    real: Option<super::real_verdict::RealFile>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct SourceFile {
    file: Text,
    function: Text,
    lines: Text,
    quote: Text,
    why: Text,
}

/// Lines of the Incus source a finding cites.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceLines {
    /// The path inside lxc/incus, e.g. `cmd/incusd/api_cluster.go`.
    pub file: String,
    /// The Go function the lines are in.
    pub function: String,
    pub first_line: u32,
    pub last_line: u32,
    /// Text that stands on one of the cited lines at the commit, so that a
    /// check against the source (`tests/findings.rs`) sees a range that no
    /// longer holds what it cites.
    pub quote: String,
    /// One line: why these lines make the finding real.
    pub why: String,
}

impl SourceLines {
    /// `706-711`, or `86` for one line.
    pub fn range(&self) -> String {
        if self.first_line == self.last_line {
            self.first_line.to_string()
        } else {
            format!("{}-{}", self.first_line, self.last_line)
        }
    }
}

/// One finding about today's Incus.
#[derive(Clone, Debug)]
pub struct Finding {
    /// The file stem, e.g. `revert-after-join`.
    pub name: String,
    /// The path it was loaded from, as given.
    pub path: String,
    /// A title an Incus maintainer would recognise.
    pub title: String,
    /// The bundled scenario that shows it, loaded.
    pub scenario: Scenario,
    /// The failure group that is the finding, as `fuzz` names it.
    pub group: FailureKey,
    /// What it does to a user, in words.
    pub effect: String,
    /// The fix variant that removes it.
    pub fix: Variant,
    /// The lxc/incus commit the source lines are cited at.
    pub commit: String,
    /// Which Incus releases carry the cited code, from the source history.
    pub versions: String,
    pub sources: Vec<SourceLines>,
    /// Its verdict on a real cluster (`[real]`).
    pub real: super::real_verdict::RealVerdict,
}

/// Reads finding files and resolves their scenarios.
struct Loader<'a> {
    file: &'a str,
    text: &'a str,
}

type Result<T> = std::result::Result<T, ScenarioError>;

impl Loader<'_> {
    fn at<T>(&self, value: &Spanned<T>, key: &str, message: impl Into<String>) -> ScenarioError {
        ScenarioError {
            file: self.file.to_string(),
            line: Some(line_of(self.text, value.span().start)),
            key: Some(key.to_string()),
            message: message.into(),
        }
    }

    /// A text that must not be blank, trimmed.
    fn required(&self, value: &Text, key: &str) -> Result<String> {
        let text = value.get_ref().trim();
        if text.is_empty() {
            return Err(self.at(value, key, "must not be empty"));
        }
        Ok(text.to_string())
    }

    fn scenario(&self, value: &Text, scenarios_dir: &Path) -> Result<Scenario> {
        let name = self.required(value, "scenario")?;
        let path = scenarios_dir.join(format!("{name}.toml"));
        if !path.is_file() {
            return Err(self.at(
                value,
                "scenario",
                format!("no bundled scenario \"{name}\" ({} does not exist)", path.display()),
            ));
        }
        let scenario = Scenario::load(&path).map_err(|e| self.at(value, "scenario", format!("does not load: {e}")))?;
        if scenario.variant() != Variant::FEATURES_ONLY {
            return Err(self.at(
                value,
                "scenario",
                format!(
                    "a finding is about today's Incus, variant {}; scenario \"{name}\" runs {}",
                    Variant::FEATURES_ONLY,
                    scenario.variant()
                ),
            ));
        }
        Ok(scenario)
    }

    /// `INVARIANT on ROLE at STEP` (or `... at the end of the run`), whose
    /// invariant the scenario expects to be broken.
    fn group(&self, value: &Text, scenario: &Scenario) -> Result<FailureKey> {
        let label = value.get_ref();
        let parsed = GroupBand::parse_key(label).unwrap_or_else(|| {
            Err(format!(
                "a failure group reads \"INVARIANT on ROLE at STEP\" as fuzz prints it, got \"{label}\""
            ))
        });
        let (invariant, _) = parsed.map_err(|message| self.at(value, "group", message))?;
        let (_, rest) = label.split_once(" on ").expect("parse_key found \" on \"");
        let (role, step) = rest.split_once(" at ").expect("parse_key found \" at \"");
        if !scenario.expect.of(invariant).requires_violations() {
            return Err(self.at(
                value,
                "group",
                format!(
                    "scenario \"{}\" does not expect {invariant} to be broken ([expect] says {}), so it shows no finding of it",
                    scenario.name,
                    scenario.expect.of(invariant).name()
                ),
            ));
        }
        let step = if step == "the end of the run" { "" } else { step };
        Ok(FailureKey {
            invariant,
            role: role.to_string(),
            step: step.to_string(),
        })
    }

    fn fix(&self, value: &Text, scenario: &Scenario) -> Result<Variant> {
        let name = value.get_ref();
        let variant = Variant::parse(name).ok_or_else(|| {
            let known: Vec<&str> = Variant::ALL.iter().map(|v| v.name()).collect();
            self.at(
                value,
                "fix",
                format!("unknown variant \"{name}\" (known: {})", known.join(", ")),
            )
        })?;
        if variant == scenario.variant() {
            return Err(self.at(
                value,
                "fix",
                format!("the fix must differ from today's Incus ({variant})"),
            ));
        }
        Ok(variant)
    }

    /// A commit as lxc/incus names it: 7 to 40 hex digits.
    fn commit(&self, value: &Text) -> Result<String> {
        let text = value.get_ref();
        if !(7..=40).contains(&text.len()) || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(self.at(value, "commit", format!("expected 7 to 40 hex digits, got \"{text}\"")));
        }
        Ok(text.to_string())
    }

    fn source(&self, index: usize, source: &SourceFile) -> Result<SourceLines> {
        let key = |field: &str| format!("source[{index}].{field}");
        let (first_line, last_line) = self.lines(&source.lines, &key("lines"))?;
        Ok(SourceLines {
            file: self.required(&source.file, &key("file"))?,
            function: self.required(&source.function, &key("function"))?,
            first_line,
            last_line,
            quote: self.required(&source.quote, &key("quote"))?,
            why: self.required(&source.why, &key("why"))?,
        })
    }

    /// `A-B` (1 <= A <= B) or `A`.
    fn lines(&self, value: &Text, key: &str) -> Result<(u32, u32)> {
        let text = value.get_ref();
        let bad = || {
            self.at(
                value,
                key,
                format!("expected a line or a range like \"706-711\", got \"{text}\""),
            )
        };
        let (a, b) = text.split_once('-').unwrap_or((text, text));
        let number = |s: &str| s.trim().parse::<u32>().ok().filter(|&n| n >= 1);
        let (first, last) = (number(a).ok_or_else(bad)?, number(b).ok_or_else(bad)?);
        if first > last {
            return Err(self.at(value, key, format!("the range \"{text}\" ends before it starts")));
        }
        Ok((first, last))
    }
}

impl Finding {
    /// Loads `path`, resolving its scenario in `scenarios_dir`.
    pub fn load(path: &Path, scenarios_dir: &Path) -> Result<Finding> {
        let (name, shown, text) = read_input(path, "finding")?;
        Finding::parse(&name, &shown, &text, scenarios_dir)
    }

    /// Parses finding text; `path` is only used in messages.
    pub fn parse(name: &str, path: &str, text: &str, scenarios_dir: &Path) -> Result<Finding> {
        let parsed: FindingFile = parse_toml(path, text)?;
        let l = Loader { file: path, text };
        let scenario = l.scenario(&parsed.scenario, scenarios_dir)?;
        let group = l.group(&parsed.group, &scenario)?;
        let fix = l.fix(&parsed.fix, &scenario)?;
        if parsed.source.is_empty() {
            return Err(l.at(
                &parsed.title,
                "source",
                "cite at least one [[source]]: the lines that make it real",
            ));
        }
        let sources = parsed
            .source
            .iter()
            .enumerate()
            .map(|(i, s)| l.source(i, s))
            .collect::<Result<Vec<_>>>()?;
        let title = l.required(&parsed.title, "title")?;
        let effect = l.required(&parsed.effect, "effect")?;
        let commit = l.commit(&parsed.commit)?;
        let versions = l.required(&parsed.versions, "versions")?;
        let real = match &parsed.real {
            Some(real) => super::real_verdict::parse(path, text, real)?,
            None => {
                return Err(l.at(
                    &parsed.title,
                    "real",
                    "record its verdict on a real cluster in [real] (`joinsim real` on its scenario)",
                ));
            }
        };
        Ok(Finding {
            name: name.to_string(),
            path: path.to_string(),
            title,
            scenario,
            group,
            effect,
            fix,
            commit,
            versions,
            sources,
            real,
        })
    }

    /// Whether `violation`, in a run of `scenario` (the finding's, under
    /// any variant), is in the finding's failure group.
    pub fn in_group(&self, scenario: &Scenario, violation: &crate::check::Violation) -> bool {
        failure_key(scenario, violation) == self.group
    }

    /// The scenario's path as a command line names it, from the
    /// repository's root: `scenarios/NAME.toml`.
    pub fn scenario_path(&self) -> String {
        format!("scenarios/{}.toml", self.scenario.name)
    }
}

/// Every `findings/*.toml` in `dir`, sorted by name, each loaded.
pub fn load_all(dir: &Path, scenarios_dir: &Path) -> Result<Vec<Finding>> {
    registry_files(dir)?
        .iter()
        .map(|path| Finding::load(path, scenarios_dir))
        .collect()
}

/// The `.toml` files of the registry folder, sorted.
pub fn registry_files(dir: &Path) -> Result<Vec<PathBuf>> {
    toml_files(dir).map_err(|e| ScenarioError {
        file: dir.display().to_string(),
        line: None,
        key: None,
        message: format!("cannot list the findings registry: {e}"),
    })
}
