//! The compiler's state: the names and nodes declared so far, and the
//! readers of values every table shares (ticks, ratios, config, nodes).

use std::collections::BTreeMap;

use toml::Spanned;

use crate::model::Role;
use crate::model::bits::CAPACITY;
use crate::model::db::Config;
use crate::model::names::{GroupName, Names, Sym};
use crate::scenario::error::{ScenarioError, line_of};
use crate::scenario::file::Text;
use crate::sim::{NodeId, Ratio};

/// The most attempts a joiner may make.
pub(super) const MAX_ATTEMPTS: u64 = 10;
/// The largest tick value (or event budget) a scenario may give: far beyond
/// any useful run, yet small enough that sums of a few such values fit in a
/// `u64` and a jitter plus one fits in the `u32` a choice is drawn as.
pub const MAX_TICKS: u64 = 1_000_000_000;

/// What the compiler has declared so far, and where its errors point.
pub(super) struct Compiler<'a> {
    file: &'a str,
    source: &'a str,
    pub(super) names: Names,
    pub(super) nodes: BTreeMap<String, NodeId>,
    pub(super) roles: Vec<Role>,
}

pub(super) type Result<T> = std::result::Result<T, ScenarioError>;

impl<'a> Compiler<'a> {
    pub(super) fn new(file: &'a str, source: &'a str) -> Self {
        Compiler {
            file,
            source,
            names: Names::new(),
            nodes: BTreeMap::new(),
            roles: Vec::new(),
        }
    }

    pub(super) fn error(
        &self,
        span: Option<std::ops::Range<usize>>,
        key: &str,
        message: impl Into<String>,
    ) -> ScenarioError {
        ScenarioError {
            file: self.file.to_string(),
            line: span
                .map(|s| line_of(self.source, s.start))
                .or_else(|| crate::scenario::error::line_of_key(self.source, key)),
            key: Some(key.to_string()),
            message: message.into(),
        }
    }

    pub(super) fn at<T>(&self, value: &Spanned<T>, key: &str, message: impl Into<String>) -> ScenarioError {
        self.error(Some(value.span()), key, message)
    }

    pub(super) fn intern(&mut self, text: &Text, key: &str) -> Result<Sym> {
        self.names
            .intern(text.get_ref())
            .map_err(|e| self.at(text, key, format!("too many {}", e.0)))
    }

    pub(super) fn group(&mut self, text: &Text, key: &str) -> Result<GroupName> {
        self.names
            .group(text.get_ref())
            .map_err(|e| self.at(text, key, format!("too many {}", e.0)))
    }

    /// A config value for `key`; an empty one unsets the key, as Incus
    /// stores no empty value (`CreateConfig`,
    /// internal/server/db/cluster/config.mapper.go:165-168 at be7afc5df3).
    pub(super) fn config_value(&mut self, key: Sym, value: &Text, at: &str) -> Result<Option<Sym>> {
        if value.get_ref().is_empty() {
            return Ok(None);
        }
        self.names
            .intern_value(key, value.get_ref())
            .map(Some)
            .map_err(|e| self.at(value, at, format!("too many {}", e.0)))
    }

    /// A project config written as a TOML table under `at`.
    pub(super) fn config(&mut self, table: &BTreeMap<Text, Text>, at: &str) -> Result<Config> {
        let mut config = Config::default();
        for (k, v) in table {
            let ckey = format!("{at}.\"{}\"", k.get_ref());
            let ksym = self.intern(k, &ckey)?;
            let value = self.config_value(ksym, v, &ckey)?;
            config.set(ksym, value);
        }
        Ok(config)
    }

    pub(super) fn ticks(&self, value: &Option<Spanned<i64>>, key: &str, default: u64) -> Result<u64> {
        self.bounded(value, key, default, "ticks")
    }

    /// A non-negative count of `unit`s, at most [`MAX_TICKS`].
    pub(super) fn bounded(&self, value: &Option<Spanned<i64>>, key: &str, default: u64, unit: &str) -> Result<u64> {
        match value {
            None => Ok(default),
            Some(v) if *v.get_ref() < 0 => Err(self.at(v, key, format!("must not be negative, got {}", v.get_ref()))),
            Some(v) if *v.get_ref() as u64 > MAX_TICKS => {
                Err(self.at(v, key, format!("at most {MAX_TICKS} {unit}, got {}", v.get_ref())))
            }
            Some(v) => Ok(*v.get_ref() as u64),
        }
    }

    pub(super) fn add_node(&mut self, name: &Text, key: &str, role: Role) -> Result<NodeId> {
        if let Some(&existing) = self.nodes.get(name.get_ref()) {
            let what = match self.roles[usize::from(existing)] {
                Role::Member => "already a cluster member",
                Role::Joiner(_) => "already a joiner",
                Role::Admin(_) => "already an admin client",
            };
            return Err(self.at(name, key, format!("\"{}\" is {what}", name.get_ref())));
        }
        if self.roles.len() >= CAPACITY {
            let limit = format!("too many nodes (at most {CAPACITY}: members, joiners and admin clients together)");
            return Err(self.at(name, key, limit));
        }
        let id = self.roles.len() as NodeId;
        self.names
            .add_node(name.get_ref())
            .map_err(|e| self.at(name, key, format!("too many {}", e.0)))?;
        self.nodes.insert(name.get_ref().clone(), id);
        self.roles.push(role);
        Ok(id)
    }

    pub(super) fn node(&self, name: &Text, key: &str) -> Result<NodeId> {
        self.nodes
            .get(name.get_ref())
            .copied()
            .ok_or_else(|| self.at(name, key, format!("unknown node \"{}\"", name.get_ref())))
    }

    pub(super) fn member(&self, name: &Text, key: &str) -> Result<NodeId> {
        let node = self.node(name, key)?;
        match self.roles[usize::from(node)] {
            Role::Member => Ok(node),
            _ => Err(self.at(name, key, format!("\"{}\" is not a cluster member", name.get_ref()))),
        }
    }

    pub(super) fn ratio(&self, text: &Option<Text>, key: &str) -> Result<Ratio> {
        let Some(text) = text else { return Ok(Ratio::NEVER) };
        let parsed = text.get_ref().split_once('/').and_then(|(n, d)| {
            let (n, d) = (n.trim().parse::<u32>().ok()?, d.trim().parse::<u32>().ok()?);
            (d > 0 && n <= d).then(|| Ratio::new(n, d))
        });
        parsed.ok_or_else(|| {
            self.at(
                text,
                key,
                format!("expected a probability like \"1/100\", got \"{}\"", text.get_ref()),
            )
        })
    }
}
