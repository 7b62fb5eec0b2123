//! JUnit XML for CI systems: one test suite per scenario, one test case per
//! invariant (its expectation met or not), plus panics and determinism.

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use crate::check::Invariant;
use crate::explore::ScenarioOutcome;
use crate::explore::concerns;

/// How to reproduce each failure group of `invariant`: its replay command
/// and its saved artifact, a line each.
fn reproduce(o: &ScenarioOutcome, invariant: Invariant) -> String {
    let mut lines = Vec::new();
    for (key, group) in o.campaign.tally.groups.iter().filter(|(k, _)| k.invariant == invariant) {
        lines.push(format!(
            "{}: replay: {}",
            key.label(),
            o.ids.replay(&o.scenario, group.first_seed())
        ));
        if let Some(path) = o.artifacts.get(key) {
            lines.push(format!("{}: artifact: {}", key.label(), path.display()));
        }
    }
    lines.join("\n")
}

pub fn render(outcomes: &[ScenarioOutcome]) -> String {
    let mut report = Report::new("joinsim fuzz");
    for o in outcomes {
        let mut suite = TestSuite::new(format!("{} [{}]", o.scenario.name, o.scenario.variant()));
        suite.set_time(o.campaign.elapsed);
        for invariant in Invariant::ALL {
            let problems: Vec<&str> = o
                .problems
                .iter()
                .filter(|p| concerns(p, invariant))
                .map(|p| p.as_str())
                .collect();
            let expect = o.scenario.expect.of(invariant).name();
            let violating = o.campaign.tally.violating(invariant);
            let status = if problems.is_empty() {
                TestCaseStatus::success()
            } else {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_message(problems.join("\n"));
                s.set_description(reproduce(o, invariant));
                s
            };
            let mut case = TestCase::new(invariant.name(), status);
            case.set_classname(o.scenario.campaign_label());
            case.set_system_out(format!(
                "expect {expect}; violated in {violating} of {} runs",
                o.campaign.tally.runs
            ));
            suite.add_test_case(case);
        }
        let others: Vec<&String> = o.problems.iter().filter(|p| p.starts_with("seed ")).collect();
        let status = if others.is_empty() {
            TestCaseStatus::success()
        } else {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
            s.set_message(others.iter().map(|p| p.as_str()).collect::<Vec<_>>().join("\n"));
            s
        };
        let mut case = TestCase::new("runs-complete-and-deterministic", status);
        case.set_classname(o.scenario.campaign_label());
        suite.add_test_case(case);
        report.add_test_suite(suite);
    }
    report.to_string().expect("JUnit XML serialises")
}
