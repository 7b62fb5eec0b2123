//! The trace formats of the #1390 failure: the Mermaid diagram is a
//! reviewed snapshot, the SVG is well-formed and marks the violation in
//! red, the text tells the #1390 story, and `diff` shows where
//! `features-only` parts from `incus-6.7` on the same choices.

use std::path::{Path, PathBuf};

use joinsim::cli::diff::report;
use joinsim::cli::trace::{Format, Loaded, Source, load, render, run_traced};
use joinsim::model::Variant;

fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(name)
}

fn issue_1390(seed: u64) -> Loaded {
    let source = Source {
        input: scenario("issue-1390.toml"),
        seed: Some(seed),
        deviation: Vec::new(),
        nominal: false,
        lenient: false,
    };
    load(&source, None).expect("the #1390 scenario loads")
}

fn rendered(format: Format) -> String {
    let loaded = issue_1390(1);
    render(&loaded, &run_traced(&loaded), format)
}

fn snapshot_settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings
}

#[test]
fn issue_1390_mermaid_matches_its_reviewed_snapshot() {
    let mut settings = snapshot_settings();
    settings.set_description("issue-1390 (incus-6.7), seed 1, as a Mermaid sequence diagram");
    settings.bind(|| insta::assert_snapshot!("issue-1390.mermaid", rendered(Format::Mermaid)));
}

#[test]
fn issue_1390_text_trace_tells_the_join_failure_in_order() {
    let text = rendered(Format::Text);
    let story = [
        "=> request GetProjects -> m2",
        "<- m1 tx #11 result ok, DB at v2",
        "=> ApplyServerPreseed on the local daemon",
        "against groups {default}: view v0 (local DB, never synced) vs config v2: REJECTED",
        "Cluster group \"gpu\" doesn't exist",
        "join failed (DeletePendingClusterMember is registered only at J6)",
        "!!   138  j1",
    ];
    let mut from = 0;
    for line in story {
        let at = text[from..]
            .find(line)
            .unwrap_or_else(|| panic!("{line:?} missing (or out of order) in:\n{text}"));
        from += at + line.len();
    }
}

#[test]
fn issue_1390_text_trace_has_nothing_machine_specific() {
    let text = rendered(Format::Text);
    assert!(!text.contains(env!("CARGO_MANIFEST_DIR")), "an absolute path:\n{text}");
    assert!(!text.contains("0x"), "an address:\n{text}");
    assert_eq!(text, rendered(Format::Text), "two renders differ");
}

/// The tags of an XML document, checked to nest properly; a minimal
/// well-formedness check that needs no XML library.
fn check_nesting(svg: &str) -> Vec<String> {
    let mut open: Vec<String> = Vec::new();
    let mut tags = Vec::new();
    let mut rest = svg;
    while let Some(start) = rest.find('<') {
        let end = rest[start..].find('>').expect("an unclosed tag") + start;
        let tag = &rest[start + 1..end];
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == ':' || *c == '-')
            .collect();
        assert!(!tag.contains('<'), "a tag inside a tag: {tag}");
        if let Some(closing) = tag.strip_prefix('/') {
            assert_eq!(open.pop().as_deref(), Some(closing.trim()), "mismatched </{closing}>");
        } else if !tag.ends_with('/') {
            open.push(name.clone());
        }
        tags.push(tag.to_string());
        rest = &rest[end + 1..];
    }
    assert!(open.is_empty(), "unclosed tags: {open:?}");
    tags
}

#[test]
fn issue_1390_svg_is_well_formed_with_lifelines_arrows_and_a_red_violation() {
    let svg = rendered(Format::Svg);
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    let tags = check_nesting(&svg);
    let count = |needle: &str| tags.iter().filter(|t| t.contains(needle)).count();
    assert_eq!(count("class=\"lifeline\""), 4, "one lifeline per node");
    assert!(count("class=\"message\"") >= 20, "the messages as arrows");
    let violations: Vec<&String> = tags.iter().filter(|t| t.contains("class=\"violation\"")).collect();
    // Both #1390 violations, and the certificate the failed join leaves.
    assert_eq!(violations.len(), 3, "every violation marked");
    assert!(violations.iter().all(|t| t.contains("stroke=\"#d00000\"")), "in red");
    assert!(!svg.contains("<script") && !svg.contains("@font-face") && !svg.contains("href=\"http"));
}

#[test]
fn issue_1390_json_lists_every_event_with_its_step() {
    let json: serde_json::Value = serde_json::from_str(&rendered(Format::Json)).expect("valid JSON");
    let events = json["events"].as_array().expect("events");
    assert_eq!(json["run"]["variant"], "incus-6.7");
    let validation = events
        .iter()
        .find(|e| e["kind"] == "validation")
        .expect("a validation event");
    assert_eq!(validation["step"], "J5 clusterInitMember/ApplyServerPreseed");
    assert_eq!(validation["passed"], false);
    let violations: Vec<&serde_json::Value> = events.iter().filter(|e| e["kind"] == "violation").collect();
    assert_eq!(violations.len(), 3);
    // The failed join left its certificate, and nothing else, trusted.
    assert_eq!(
        violations[2]["step"],
        "J5 clusterInitMember/ApplyServerPreseed (certificate only)"
    );
    assert!(
        violations[2]["text"]
            .as_str()
            .unwrap()
            .ends_with("yet the cluster still holds its trusted server certificate"),
        "{}",
        violations[2]
    );
}

#[test]
fn diff_shows_where_features_only_parts_from_incus_6_7_on_the_1390_schedule() {
    let text = report(&issue_1390(1), Variant::parse("features-only").expect("a variant"));
    assert!(
        text.contains("incus-6.7 (A) and features-only (B) share"),
        "no parting point:\n{text}"
    );
    let a_end = text.find("=== how incus-6.7 (A) ends ===").expect("A's ending");
    let b_end = text.find("=== how features-only (B) ends ===").expect("B's ending");
    assert!(text[a_end..b_end].contains("join j1 -> m2: Failed"), "{text}");
    assert!(text[b_end..].contains("join j1 -> m2: Completed"), "{text}");
    assert!(text[b_end..].contains("0 violation(s)"), "{text}");
    let header: Vec<&str> = text.lines().take_while(|l| l.starts_with('#')).collect();
    assert!(
        header
            .iter()
            .any(|l| l.contains("B reached every choice point where A deviated")),
        "the header says whether B met every decision of A:\n{text}"
    );
}

#[test]
fn diff_of_a_variant_with_itself_says_the_traces_are_the_same() {
    let text = report(&issue_1390(1), Variant::parse("incus-6.7").expect("a variant"));
    assert!(text.contains("are the same"), "{text}");
}
