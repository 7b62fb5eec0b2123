//! Errors in a scenario file: always the file, the line and the key; and
//! reading TOML input files so that their errors say so.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

/// A scenario that cannot be loaded. Exit code 2.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    pub file: String,
    /// 1-based; `None` when the problem has no single place (e.g. I/O).
    pub line: Option<usize>,
    /// The key (dotted path) at fault, when known.
    pub key: Option<String>,
    pub message: String,
}

impl std::fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(key) = &self.key {
            write!(f, ": key `{key}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ScenarioError {}

/// The 1-based line of byte `offset` in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].bytes().filter(|&b| b == b'\n').count() + 1
}

/// The 1-based line where dotted `key` (e.g. `cluster.members`,
/// `joiners[1].retry_after`) is written in TOML `text`, when it is written
/// as `leaf = ...` under its table's header.
pub fn line_of_key(text: &str, key: &str) -> Option<usize> {
    let (table, leaf) = key.rsplit_once('.').unwrap_or(("", key));
    let leaf = leaf.split('[').next().unwrap_or(leaf).trim_matches('"');
    // `joiners[1]` is the second `[[joiners]]` header.
    let (table, index) = match table.strip_suffix(']').and_then(|t| t.rsplit_once('[')) {
        Some((t, i)) => (t, i.parse::<usize>().ok()?),
        None => (table, 0),
    };
    let mut current = String::new();
    let mut seen = 0usize;
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.starts_with('[') {
            current = line.trim_matches(|c| c == '[' || c == ']').trim().to_string();
            if current == table {
                seen += 1;
            }
            continue;
        }
        let in_table = current == table && (table.is_empty() || seen == index + 1);
        let written = line
            .split_once('=')
            .is_some_and(|(k, _)| k.trim().trim_matches('"') == leaf);
        if in_table && written {
            return Some(number + 1);
        }
    }
    None
}

/// The dotted key a TOML error at byte `offset` of `text` is about: the
/// key written on that line (or the field a `missing field` message names),
/// under the table header above it.
fn key_at(text: &str, offset: usize, message: &str) -> Option<String> {
    let before = &text[..offset.min(text.len())];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = text[line_start..].lines().next().unwrap_or("").trim();
    let header = before[..line_start]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['));
    let table = header.map(|h| {
        let name = h.trim_matches(|c| c == '[' || c == ']').trim().to_string();
        if !h.starts_with("[[") {
            return name;
        }
        // The i-th `[[name]]` is `name[i]`.
        let index = before[..line_start].lines().filter(|l| l.trim() == h).count() - 1;
        format!("{name}[{index}]")
    });
    let leaf = if let Some(rest) = message.strip_prefix("missing field `") {
        rest.split('`').next().map(str::to_string)
    } else if line.starts_with('[') {
        return Some(line.trim_matches(|c| c == '[' || c == ']').trim().to_string());
    } else {
        line.split_once('=').map(|(k, _)| k.trim().to_string())
    }?;
    Some(match table {
        Some(t) if !t.is_empty() => format!("{t}.{leaf}"),
        _ => leaf,
    })
}

/// Reads a TOML input file (a scenario, a finding): its name (the file
/// stem), its path as shown in messages, and its text.
pub fn read_input(path: &Path, what: &str) -> Result<(String, String, String), ScenarioError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ScenarioError {
        file: shown.clone(),
        line: None,
        key: None,
        message: format!("cannot read the {what}: {e}"),
    })?;
    let name = path
        .file_stem()
        .map_or_else(|| shown.clone(), |s| s.to_string_lossy().into_owned());
    Ok((name, shown, text))
}

/// Deserialises TOML `text` of `file`; a syntax or shape error names the
/// file and the line.
pub fn parse_toml<T: DeserializeOwned>(file: &str, text: &str) -> Result<T, ScenarioError> {
    toml::from_str(text).map_err(|e| {
        let message = e.message().trim().to_string();
        ScenarioError {
            file: file.to_string(),
            line: e.span().map(|s| line_of(text, s.start)),
            key: e.span().and_then(|s| key_at(text, s.start, &message)),
            message,
        }
    })
}

/// The `.toml` files of `dir`, sorted.
pub fn toml_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    Ok(paths)
}
