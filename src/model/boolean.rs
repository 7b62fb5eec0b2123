//! Incus's reading of a boolean config value (shared/util/boolean.go at
//! lxc/incus be7afc5df3), apart so that the database and the validators
//! can both use it.

/// `util.IsTrue` (shared/util/boolean.go:9-11).
pub fn is_true(value: &str) -> bool {
    ["true", "1", "yes", "on"].iter().any(|t| value.eq_ignore_ascii_case(t))
}

/// `util.IsFalse` (shared/util/boolean.go:26-28).
pub fn is_false(value: &str) -> bool {
    ["false", "0", "no", "off"]
        .iter()
        .any(|t| value.eq_ignore_ascii_case(t))
}

/// `util.IsFalseOrEmpty` (shared/util/boolean.go:31-33).
pub fn is_false_or_empty(value: &str) -> bool {
    value.is_empty() || is_false(value)
}
