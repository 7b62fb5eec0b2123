//! The README's figures that the bundled scenarios pin: every rate band the
//! findings table quotes (`[19.23%..19.63%]`) is one its scenario's
//! `[expect]` holds, so re-pinning a band without the README fails here.

mod common;

use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The rows of the README's `## Findings` table: (scenario, row text).
fn findings_rows(readme: &str) -> Vec<(String, String)> {
    let start = readme.find("\n## Findings\n").expect("README has a Findings section");
    let section = &readme[start + 1..];
    let end = section[1..].find("\n## ").map_or(section.len(), |i| i + 1);
    section[..end]
        .lines()
        .filter(|l| l.starts_with("| `"))
        .filter_map(|l| {
            let name = l.strip_prefix("| `")?.split('`').next()?;
            Some((name.to_string(), l.to_string()))
        })
        .collect()
}

/// Every `[A%..B%]` in `row`.
fn bands(row: &str) -> Vec<String> {
    row.split('[')
        .skip(1)
        .filter_map(|s| s.split(']').next())
        .filter(|b| b.contains("%..") && b.ends_with('%'))
        .map(str::to_string)
        .collect()
}

/// The scenario names a row stands for: `issue-1390-{a,b}` is two.
fn row_names(name: &str) -> Vec<String> {
    match name.split_once('{') {
        Some((prefix, rest)) => rest
            .trim_end_matches('}')
            .split(',')
            .map(|alternative| format!("{prefix}{alternative}"))
            .collect(),
        None => vec![name.to_string()],
    }
}

#[test]
fn every_band_in_the_findings_table_is_pinned_in_its_scenario() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let rows = findings_rows(&readme);
    let mut stale = Vec::new();
    let mut named = Vec::new();
    for (name, row) in &rows {
        for name in row_names(name) {
            let path = root().join("scenarios").join(format!("{name}.toml"));
            let scenario = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("the findings table names {name}: {}: {e}", path.display()));
            let own = scenario.split("[expect_variant.").next().unwrap_or("");
            let pins_a_band = own.contains("%..");
            let quoted = bands(row);
            if pins_a_band && quoted.is_empty() && !row.contains("(seeds 1..20,000, its campaign)") {
                stale.push(format!("{name}: pins a band, its row quotes none"));
            }
            for band in quoted {
                if !scenario.contains(&format!("\"{band}\"")) {
                    stale.push(format!(
                        "{name}: README quotes [{band}], scenarios/{name}.toml does not pin it"
                    ));
                }
            }
            named.push(name);
        }
    }
    let mut bundled: Vec<String> = common::bundled_paths()
        .iter()
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    bundled.sort();
    named.sort();
    assert_eq!(named, bundled, "the findings table has a row per bundled scenario");
    assert!(stale.is_empty(), "{stale:#?}");
}

#[test]
fn the_readme_counts_the_bundled_campaigns_right() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let scenarios = common::bundled_paths().len();
    let campaigns = common::bundled_campaigns();
    let claim = format!(
        "scenarios make {campaigns} campaigns: {scenarios} scenarios, {} pinned fixes.",
        campaigns - scenarios
    );
    let flat = readme.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains(&claim), "the README should say: {claim}");
}

#[test]
fn the_readme_lists_every_invariant_of_the_registry_in_its_order() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let start = readme
        .find("The invariants (`src/check/`")
        .expect("the invariants paragraph");
    let section = &readme[start..];
    let section = &section[..section.find("\n## ").unwrap_or(section.len())];
    let listed: Vec<&str> = section
        .lines()
        .filter_map(|l| l.strip_prefix("- `")?.split('`').next())
        .collect();
    let registry: Vec<&str> = joinsim::check::Invariant::ALL.iter().map(|i| i.name()).collect();
    assert_eq!(listed, registry);
}
