//! The findings registry and its reports: every committed
//! `docs/findings/NAME.md` and the README's table are what the harness
//! prints now (so a cited line, a reproduction command, a shortest trace, a
//! rate or a fix's verdict that moved shows in review); every fix variant
//! exists and removes its finding; every cited range holds the code it
//! quotes; a malformed finding names its file, line and key.

mod common;

use std::path::Path;

use common::{git, incus_repository, joinsim, stderr};
use joinsim::finding::render::{table, table_in};
use joinsim::finding::{FINDINGS_DIR, Finding, Measurements, Report, load_all};
use joinsim::model::Variant;
use joinsim::run::{RunOptions, Source, run};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn registry() -> Vec<Finding> {
    load_all(&root().join(FINDINGS_DIR), &root().join("scenarios")).unwrap_or_else(|e| panic!("{e}"))
}

fn jobs() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The first line where `a` and `b` part, for a readable failure.
fn first_difference(a: &str, b: &str) -> String {
    let line = a.lines().zip(b.lines()).position(|(x, y)| x != y);
    match line {
        Some(i) => format!(
            "line {}:\n  committed: {}\n  now:       {}",
            i + 1,
            a.lines().nth(i).unwrap_or(""),
            b.lines().nth(i).unwrap_or("")
        ),
        None => format!(
            "one is longer ({} against {} lines)",
            a.lines().count(),
            b.lines().count()
        ),
    }
}

#[test]
fn every_committed_report_and_the_readme_table_are_what_the_harness_prints_now() {
    let findings = registry();
    let mut reports: Vec<String> = std::fs::read_dir(root().join("docs/findings"))
        .expect("docs/findings/")
        .filter_map(|e| e.ok()?.file_name().to_str()?.strip_suffix(".md").map(str::to_string))
        .collect();
    reports.sort();
    let mut names: Vec<String> = findings.iter().map(|f| f.name.clone()).collect();
    names.sort();
    assert_eq!(reports, names, "a report per registered finding, and none other");
    let mut measurements = Measurements::new(jobs());
    let mut stale = Vec::new();
    let mut fixes_within_3 = 0;
    for finding in &findings {
        let report = Report::build(finding, &mut measurements);
        assert!(report.holds(), "{:#?}", report.problems());
        fixes_within_3 += usize::from(report.exhaustive.fix_bound == 3);
        let path = root().join("docs/findings").join(format!("{}.md", finding.name));
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        let now = report.markdown();
        if committed != now {
            stale.push(format!("{}: {}", path.display(), first_difference(&committed, &now)));
        }
    }
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let sentence = format!(
        "{fixes_within_3} of the {} fixes are searched within bound 3",
        findings.len()
    );
    assert!(
        readme
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .contains(&sentence),
        "the README says how many fix verdicts reach bound 3: {sentence}"
    );
    let committed = table_in(&readme).unwrap_or_else(|e| panic!("README.md: {e}"));
    let now = table(&findings, &mut measurements);
    if committed.trim() != now.trim() {
        stale.push(format!("README.md table: {}", first_difference(committed, &now)));
    }
    assert!(
        stale.is_empty(),
        "reports out of date; regenerate with `joinsim report --all --table --readme README.md` and review the diff:\n{}",
        stale.join("\n")
    );
}

#[test]
fn every_report_in_docs_findings_has_its_finding_in_the_registry() {
    let names: Vec<String> = registry().into_iter().map(|f| f.name).collect();
    for entry in std::fs::read_dir(root().join("docs/findings")).expect("docs/findings") {
        let path = entry.expect("an entry").path();
        let stem = path.file_stem().expect("a name").to_string_lossy().into_owned();
        assert!(
            names.contains(&stem),
            "{} has no findings/{stem}.toml: a report of a finding that is gone",
            path.display()
        );
    }
}

/// Runs of `variant` over seeds 1..=`seeds` of `finding`'s scenario with a
/// violation in its failure group, counted here run by run rather than by
/// the campaign code the reports use.
fn runs_in_group(finding: &Finding, variant: Variant, seeds: u64) -> u64 {
    let scenario = finding.scenario.with_variant(variant);
    (1..=seeds)
        .filter(|&seed| {
            run(&scenario, &Source::Seed(seed), RunOptions::default())
                .violations
                .iter()
                .any(|v| finding.in_group(&scenario, v))
        })
        .count() as u64
}

#[test]
fn every_fix_variant_exists_and_removes_its_finding_over_20000_seeds() {
    const SEEDS: u64 = 20_000;
    for finding in registry() {
        assert!(Variant::ALL.contains(&finding.fix), "{}: {}", finding.name, finding.fix);
        let today = runs_in_group(&finding, finding.scenario.variant(), SEEDS);
        assert!(
            today > 0,
            "{}: today's Incus shows the finding in seeds 1..={SEEDS}",
            finding.name
        );
        let fixed = runs_in_group(&finding, finding.fix, SEEDS);
        assert_eq!(
            fixed,
            0,
            "{}: {} leaves {fixed} run(s) in `{}` (today's Incus: {today})",
            finding.name,
            finding.fix,
            finding.group.label()
        );
    }
}

#[test]
fn revert_cleans_up_does_not_remove_a_pending_row_whose_delete_never_arrived() {
    // revert-cleans-up deletes the joiner's full row, but not a pending one
    // whose delete never arrived: the target-down finding stays.
    let finding = registry()
        .into_iter()
        .find(|f| f.name == "revert-target-down")
        .expect("revert-target-down is registered");
    assert!(runs_in_group(&finding, Variant::REVERT_CLEANS_UP, 2_000) > 0);
}

#[test]
fn every_cited_range_holds_the_code_it_quotes_at_its_commit() {
    let Some(repository) = incus_repository("cited ranges") else {
        return;
    };
    for finding in registry() {
        for s in &finding.sources {
            let spec = format!("{}:{}", finding.commit, s.file);
            let text = git(&repository, &["show", &spec])
                .unwrap_or_else(|| panic!("{}: git show {spec} failed", finding.path));
            let cited: Vec<&str> = text
                .lines()
                .skip(s.first_line as usize - 1)
                .take((s.last_line - s.first_line + 1) as usize)
                .collect();
            assert!(
                cited.iter().any(|line| line.contains(&s.quote)),
                "{}: {}:{} ({}) does not hold `{}` at {}; it holds:\n{}",
                finding.path,
                s.file,
                s.range(),
                s.function,
                s.quote,
                finding.commit,
                cited.join("\n")
            );
        }
    }
}

/// `v6.13.0` as (6, 13, 0); `None` for a tag of another form.
fn release(tag: &str) -> Option<(u32, u32, u32)> {
    let mut parts = tag.strip_prefix('v')?.split('.').map(|p| p.parse().ok());
    Some((parts.next()??, parts.next()??, parts.next()??))
}

/// Each report dates the code it cites by commits and releases
/// (`versions`): every commit it names is in the history of the cited
/// commit, and a parenthesis `(COMMITS; first in vX.Y.Z)` or `(COMMIT,
/// first in vX.Y.Z)` names the earliest release that contains them.
#[test]
fn every_commit_and_first_release_a_report_dates_the_code_by_is_in_the_incus_history() {
    let Some(repository) = incus_repository("release claims") else {
        return;
    };
    let is_commit = |w: &str| w.len() == 10 && w.chars().all(|c| c.is_ascii_hexdigit());
    let mut checked = (0, 0);
    let mut claims = 0;
    for finding in registry() {
        let words = |text: &str| -> Vec<String> {
            text.split(|c: char| !c.is_ascii_alphanumeric() && c != '.')
                .map(|w| w.trim_end_matches('.').to_string())
                .collect()
        };
        for commit in words(&finding.versions).iter().filter(|w| is_commit(w)) {
            let ancestor = git(&repository, &["merge-base", "--is-ancestor", commit, &finding.commit]);
            assert!(
                ancestor.is_some(),
                "{}: versions names {commit}, which is not in the history of {}",
                finding.path,
                finding.commit
            );
            checked.0 += 1;
        }
        for group in finding.versions.split('(').skip(1).filter_map(|g| g.split(')').next()) {
            let Some((_, first)) = group.split_once("first in ") else {
                continue;
            };
            let claimed = first.split_whitespace().next().unwrap_or("");
            assert!(
                words(group).iter().any(|w| is_commit(w)),
                "{}: `{group}` claims a first release for no commit",
                finding.path
            );
            claims += 1;
            for commit in words(group).iter().filter(|w| is_commit(w)) {
                let tags = git(&repository, &["tag", "--contains", commit]).unwrap_or_default();
                let earliest = tags.lines().filter(|t| release(t).is_some()).min_by_key(|t| release(t));
                assert_eq!(
                    earliest,
                    Some(claimed),
                    "{}: versions says {commit} is first in {claimed}",
                    finding.path
                );
                checked.1 += 1;
            }
        }
    }
    // Every finding dates its code by some commit, and every "first in"
    // claim the registry makes was parsed and checked above.
    let findings = registry();
    let made: usize = findings.iter().map(|f| f.versions.matches("first in ").count()).sum();
    assert_eq!(claims, made, "every `first in` claim is checked");
    assert!(
        checked.0 >= findings.len(),
        "every finding names the commits it dates: {checked:?}"
    );
}

/// Each history scenario (`scenarios/history/`) names its fix commits
/// (10 hex digits) in its description: every one is first released in the
/// tag its pinned variant follows, and is not in the tag its own variant
/// follows (the release before the fix).
#[test]
fn every_history_fix_is_first_released_in_its_after_variant_and_not_before() {
    let Some(repository) = incus_repository("history fixes") else {
        return;
    };
    let tag = |v: Variant| v.follows().rsplit(' ').next().unwrap_or("").to_string();
    let mut checked = 0;
    for path in common::history_paths() {
        let scenario = joinsim::scenario::Scenario::load(&path).expect("loads");
        let mut pinned = scenario.expected_variants().filter(|&v| v != Variant::INCUS_6_0);
        let (before, after) = (scenario.variant(), pinned.next().expect("pinned"));
        let words: Vec<&str> = scenario
            .description
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| {
                w.len() == 10 && w.chars().all(|c| c.is_ascii_hexdigit()) && w.chars().any(|c| c.is_ascii_digit())
            })
            .collect();
        assert!(!words.is_empty(), "{}: names its fix commit", path.display());
        for commit in words {
            let tags = git(&repository, &["tag", "--contains", commit])
                .unwrap_or_else(|| panic!("{}: {commit} is no commit", path.display()));
            let earliest = tags.lines().filter(|t| release(t).is_some()).min_by_key(|t| release(t));
            assert_eq!(earliest, Some(tag(after).as_str()), "{}: {commit}", path.display());
            let before_has_it = git(&repository, &["merge-base", "--is-ancestor", commit, &tag(before)]).is_some();
            assert!(!before_has_it, "{}: {commit} is in {}", path.display(), tag(before));
            checked += 1;
        }
    }
    assert!(checked >= 3, "{checked}");
}

#[test]
fn a_malformed_finding_names_its_file_line_and_key() {
    let cases: [(&str, &str); 16] = [
        ("unknown-key", ":9: key `severity`: unknown field `severity`"),
        (
            "unknown-scenario",
            ":3: key `scenario`: no bundled scenario \"no-such-scenario\"",
        ),
        (
            "scenario-not-today",
            ":3: key `scenario`: a finding is about today's Incus",
        ),
        ("group-not-a-group", ":4: key `group`: a failure group reads"),
        ("group-unknown-role", ":4: key `group`: unknown role \"server\""),
        (
            "group-not-expected",
            ":4: key `group`: scenario \"revert-after-join\" does not expect",
        ),
        ("unknown-fix", ":6: key `fix`: unknown variant \"magic\""),
        ("fix-is-today", ":6: key `fix`: the fix must differ from today's Incus"),
        (
            "lines-backwards",
            ":13: key `source[0].lines`: the range \"984-980\" ends before it starts",
        ),
        (
            "lines-not-numbers",
            ":13: key `source[0].lines`: expected a line or a range",
        ),
        ("bad-commit", ":7: key `commit`: expected 7 to 40 hex digits"),
        ("empty-title", ":2: key `title`: must not be empty"),
        ("no-source", ":2: key `source`: cite at least one [[source]]"),
        ("no-real", ":2: key `real`: record its verdict on a real cluster"),
        ("real-broke-more-than-tries", ":22: key `real.broke`: must be 1..=10"),
        ("bad-toml", ":2"),
    ];
    let dir = root().join("tests/malformed-findings");
    let listed = std::fs::read_dir(&dir).expect("tests/malformed-findings").count();
    assert_eq!(listed, cases.len(), "every malformed finding has its case here");
    for (name, expected) in cases {
        let path = dir.join(format!("{name}.toml"));
        let error = Finding::load(&path, &root().join("scenarios"))
            .err()
            .unwrap_or_else(|| panic!("{name}: loads"));
        let text = error.to_string();
        assert!(
            text.starts_with(&path.display().to_string()) && text.contains(expected),
            "{name}: {text}"
        );
    }
}

#[test]
fn report_exits_2_on_an_unknown_finding_or_a_malformed_registry() {
    let o = joinsim(&["report", "no-such-finding"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("no finding \"no-such-finding\" in findings/ (known: "),
        "{}",
        stderr(&o)
    );
    let o = joinsim(&["report", "--all", "--registry", "tests/malformed-findings"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("tests/malformed-findings/bad-commit.toml:7: key `commit`"),
        "{}",
        stderr(&o)
    );
}
