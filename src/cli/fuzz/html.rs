//! `fuzz --html FILE`: the whole campaign as one self-contained HTML page,
//! for the person who opens a CI run's artifacts. Nothing in it is fetched:
//! styles and the one script (copy buttons, expand/collapse, drawing) are
//! inline. Each failure group's drawn run (shrunk unless `--no-shrink`) is
//! an SVG sequence diagram with its text trace folded under it; the words
//! above it describe that same run.
//!
//! The drawings are most of the bytes (about 40 kB a group), so they are
//! stored once for the page (one diagram for groups that draw one run),
//! gzipped and base64-encoded, and put in place
//! by the script when their group is opened: the page of a campaign with
//! 150 groups stays under 1 MB. The diagrams scale to the page's width
//! (their viewBox), and the transcript wraps, so nothing scrolls sideways.
//!
//! The page stays short however many scenarios and groups there are: a
//! table of contents first (one line per scenario, with its verdict), then
//! one folded section per scenario (open when it failed), and inside it one
//! folded entry per failure group (open when the group is unexpected).

use std::fmt::Write;

use crate::check::Invariant;
use crate::explore::ScenarioOutcome;
use crate::explore::{BandReport, FailureGroup, FailureKey};
use crate::run::{RunOptions, Source, run};
use crate::scenario::{Expect, Scenario, percent};
use crate::shrink::{Budget, shrink};
use crate::trace::svg::escape;
use crate::trace::{rows, svg};

const STYLE: &str = r#"
body { overflow-wrap: anywhere; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 1200px; padding: 16px 24px; color: #1d1d1f; background: #fafafa; }
h1 { font-size: 22px; margin: 4px 0; }
h2 { display: inline; font-size: 17px; margin: 0; }
code, pre { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12px; }
table { border-collapse: collapse; margin: 8px 0; background: white; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f0f0f3; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.pass { color: #0a6b2e; font-weight: bold; }
.fail { color: #b00020; font-weight: bold; }
.warn { color: #8a5a00; }
section.scenario { margin: 10px 0; border: 1px solid #ccc; border-radius: 6px; background: white; }
section.scenario > details > summary { padding: 8px 12px; cursor: pointer; background: #f4f4f7; border-radius: 6px; }
.body { padding: 4px 16px 12px; }
article.group { border-left: 4px solid #999; margin: 10px 0; padding: 2px 10px; }
article.group.unexpected { border-left-color: #b00020; }
article.group > details > summary { cursor: pointer; }
.diagram { overflow-x: hidden; overflow-y: auto; max-height: 75vh; border: 1px solid #ddd; margin: 6px 0; background: white; }
.diagram svg { display: block; width: 100%; height: auto; }
.cmd { display: flex; gap: 6px; align-items: center; margin: 4px 0; }
.cmd code { flex: 1; min-width: 0; background: #f0f0f3; padding: 3px 6px; border-radius: 3px; }
button { font: inherit; font-size: 12px; cursor: pointer; }
pre { background: #f6f6f8; padding: 8px; white-space: pre-wrap; max-height: 60vh; overflow-y: auto; }
table { max-width: 100%; }
ul.problems li { color: #b00020; }
p.diagram-title { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-weight: bold; margin: 8px 0 0; }
"#;

const SCRIPT: &str = r#"
// The drawings, unpacked once: {bodies: {key: diagram}, slots: {group id:
// key}}; groups whose drawn runs are one run share one diagram, whose
// arrowhead id the script renames for each group it is drawn in.
var drawings = null;
function unpack() {
  if (!drawings) {
    var packed = atob(document.getElementById('drawings').textContent.trim());
    var bytes = Uint8Array.from(packed, function (c) { return c.charCodeAt(0); });
    drawings = new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))).json();
  }
  return drawings;
}
// Puts in place the drawings of the open groups not drawn yet.
function drawOpen() {
  return unpack().then(function (all) {
    document.querySelectorAll('[data-drawing]').forEach(function (slot) {
      if (slot.closest('details:not([open])')) { return; }
      var id = slot.getAttribute('data-drawing');
      var key = all.slots[id];
      var drawing = all.bodies[key].split(key + '-arrow').join(id + '-arrow');
      slot.removeAttribute('data-drawing');
      slot.innerHTML = '<div class="diagram">' + drawing + '</div>' +
        '<details class="trace"><summary>text trace</summary><pre></pre></details>';
      // The text trace is the diagram's transcript, as copyable text.
      var lines = [];
      slot.querySelectorAll('svg text.line').forEach(function (t) { lines.push(t.textContent); });
      slot.querySelector('pre').textContent = lines.join('\n');
    });
  });
}
document.addEventListener('toggle', function (event) { if (event.target.open) { drawOpen(); } }, true);
window.addEventListener('load', function () {
  // `#all`: every group open and drawn, then the page's widths written
  // where a headless browser's DOM dump shows them.
  // `#ID` of a group or scenario: that one open and drawn, in view.
  var all = location.hash === '#all';
  if (all) { document.querySelectorAll('details').forEach(function (d) { d.open = true; }); }
  var target = !all && location.hash && document.getElementById(location.hash.slice(1));
  for (var at = target; at; at = at.parentElement) {
    if (at.tagName === 'DETAILS') { at.open = true; }
    var own = at.querySelector && at.querySelector(':scope > details');
    if (own) { own.open = true; }
  }
  drawOpen().then(function () {
    if (target) { target.scrollIntoView(); }
    var page = document.documentElement;
    document.body.setAttribute('data-drawn', document.querySelectorAll('.diagram svg').length);
    document.body.setAttribute('data-scroll-width', page.scrollWidth);
    document.body.setAttribute('data-client-width', page.clientWidth);
  });
});
document.addEventListener('click', function (event) {
  var button = event.target.closest('button[data-copy]');
  if (button) {
    var text = button.previousElementSibling.textContent;
    var done = function () { button.textContent = 'copied'; setTimeout(function () { button.textContent = 'copy'; }, 1200); };
    if (navigator.clipboard) { navigator.clipboard.writeText(text).then(done, function () {}); }
    else { var area = document.createElement('textarea'); area.value = text; document.body.appendChild(area); area.select(); document.execCommand('copy'); area.remove(); done(); }
  }
  var toggle = event.target.closest('button[data-open]');
  if (toggle) {
    var open = toggle.getAttribute('data-open') === 'all';
    document.querySelectorAll('details').forEach(function (d) { d.open = open; });
  }
});
"#;

/// The most rows a group's diagram draws whole; a longer run (the scale
/// scenario's hundred joiners make six thousand) is drawn focused on the
/// node its violation names, which is what a reader looks for, and keeps
/// the page small (drawn whole, its three groups were half the page).
const DRAWN_ROWS: usize = 1_500;

/// What the page needs of the campaign besides its outcomes.
pub struct Page<'a> {
    pub settings_line: &'a str,
    /// Shrink each group's first seed before drawing it (not `--no-shrink`).
    pub shrink: bool,
}

/// The report page.
pub fn render(outcomes: &[ScenarioOutcome], page: &Page<'_>) -> String {
    let passed = outcomes.iter().filter(|o| o.problems.is_empty()).count();
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>joinsim fuzz: {passed} of {} scenario(s) met their expectations</title>\n\
         <style>{STYLE}</style>\n</head>\n<body>\n",
        outcomes.len()
    );
    let _ = writeln!(out, "<header><h1>joinsim fuzz report</h1>");
    let _ = writeln!(
        out,
        "<p>{}</p><p class=\"{}\">{passed} of {} scenario(s) met their expectations</p>",
        escape(page.settings_line),
        if passed == outcomes.len() { "pass" } else { "fail" },
        outcomes.len()
    );
    let _ = writeln!(
        out,
        "<p><button data-open=\"all\">expand all</button> <button data-open=\"none\">collapse all</button></p></header>"
    );
    contents(&mut out, outcomes);
    out.push_str("<main>\n");
    let mut drawings = Drawings::default();
    for (index, o) in outcomes.iter().enumerate() {
        scenario_section(&mut out, index, o, page, &mut drawings);
    }
    let _ = write!(
        out,
        "</main>\n<noscript>The diagrams and traces need JavaScript.</noscript>\n\
         <script type=\"application/gzip+base64\" id=\"drawings\">{}</script>\n\
         <script>{SCRIPT}</script>\n</body>\n</html>\n",
        pack(&drawings.packed())
    );
    out
}

/// The anchor of scenario `index`.
fn anchor(index: usize) -> String {
    format!("scenario-{}", index + 1)
}

/// One line per scenario: verdict, runs, groups, warnings, with a link.
fn contents(out: &mut String, outcomes: &[ScenarioOutcome]) {
    out.push_str(
        "<nav id=\"contents\"><table>\n<tr><th>scenario</th><th>variant</th><th>verdict</th>\
         <th>runs</th><th>failure groups</th><th>warnings</th></tr>\n",
    );
    for (index, o) in outcomes.iter().enumerate() {
        let _ = writeln!(
            out,
            "<tr><td><a href=\"#{}\">{}</a></td><td>{}</td><td>{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            anchor(index),
            escape(&o.scenario.name),
            o.scenario.variant(),
            verdict(o),
            o.campaign.tally.runs,
            o.campaign.tally.groups.len(),
            o.warnings.len()
        );
    }
    out.push_str("</table></nav>\n");
}

fn verdict(o: &ScenarioOutcome) -> &'static str {
    if o.problems.is_empty() {
        "<span class=\"pass\">met</span>"
    } else {
        "<span class=\"fail\">FAILED</span>"
    }
}

/// `drawings` as JSON, gzipped, in base64: what the script unpacks.
fn pack(drawings: &serde_json::Value) -> String {
    use base64::Engine;
    use std::io::Write;
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gzip.write_all(drawings.to_string().as_bytes())
        .and_then(|()| gzip.try_finish())
        .expect("writing to memory");
    base64::engine::general_purpose::STANDARD.encode(gzip.get_ref())
}

/// The drawings of a page: each distinct diagram once, as HTML (its text
/// trace is the diagram's transcript, which the script copies out), and
/// per group id the key of its diagram. The groups of one campaign often
/// draw one run (the invariants a #1390 join breaks, shrunk on each, end
/// at the same schedule): stored once, a third of the page's drawings.
#[derive(Default)]
struct Drawings {
    bodies: serde_json::Map<String, serde_json::Value>,
    keys: std::collections::BTreeMap<String, String>,
    slots: serde_json::Map<String, serde_json::Value>,
}

impl Drawings {
    /// Adds group `id`'s diagram, drawn by [`svg::inline`] with the key
    /// it is stored under as its arrowhead's id.
    fn insert(&mut self, id: &str, draw: impl FnOnce(&str) -> String) {
        let key = format!("drawing-{}", self.bodies.len() + 1);
        let picture = draw(&key);
        // The same diagram under another key differs in its arrowhead id.
        let same = picture.replace(&format!("{key}-arrow"), "-arrow");
        let key = match self.keys.get(&same) {
            Some(existing) => existing.clone(),
            None => {
                self.keys.insert(same, key.clone());
                self.bodies.insert(key.clone(), serde_json::Value::String(picture));
                key
            }
        };
        self.slots.insert(id.to_string(), serde_json::Value::String(key));
    }

    fn packed(self) -> serde_json::Value {
        serde_json::json!({ "bodies": self.bodies, "slots": self.slots })
    }
}

fn scenario_section(out: &mut String, index: usize, o: &ScenarioOutcome, page: &Page<'_>, drawings: &mut Drawings) {
    let tally = &o.campaign.tally;
    let _ = writeln!(
        out,
        "<section class=\"scenario\" id=\"{}\" data-scenario=\"{}\" data-variant=\"{}\">\n<details{}>\n\
         <summary><h2>{}</h2> · {} · {} · {} runs · {} failure group(s){}</summary>\n<div class=\"body\">",
        anchor(index),
        escape(&o.scenario.name),
        o.scenario.variant(),
        if o.problems.is_empty() { "" } else { " open" },
        escape(&o.scenario.name),
        o.scenario.variant(),
        verdict(o),
        tally.runs,
        tally.groups.len(),
        if o.warnings.is_empty() {
            String::new()
        } else {
            format!(" · <span class=\"warn\">{} warning(s)</span>", o.warnings.len())
        }
    );
    let _ = writeln!(
        out,
        "<p><code>{}</code>: {}</p>",
        escape(&o.scenario.path),
        escape(&o.scenario.description)
    );
    expectations(out, o);
    list(out, "problems", "why it failed", &o.problems);
    list(out, "warnings", "warnings", &o.warnings);
    for (k, (key, group)) in tally.groups.iter().enumerate() {
        let id = format!("{}-group-{}", anchor(index), k + 1);
        group_article(out, &id, o, key, group, page, drawings);
    }
    out.push_str("</div>\n</details>\n</section>\n");
}

fn list(out: &mut String, class: &str, title: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    let _ = writeln!(out, "<h3>{title}</h3><ul class=\"{class}\">");
    for item in items {
        let _ = writeln!(out, "<li>{}</li>", escape(item));
    }
    out.push_str("</ul>\n");
}

/// Per invariant: what the scenario expects, what the campaign saw, and,
/// for a band, how it was checked.
fn expectations(out: &mut String, o: &ScenarioOutcome) {
    let tally = &o.campaign.tally;
    out.push_str(
        "<table class=\"expectations\">\n<tr><th>invariant</th><th>expected</th><th>runs that broke it</th>\
         <th>rate</th><th>check</th></tr>\n",
    );
    for invariant in Invariant::ALL {
        let violating = tally.violating(invariant);
        let expect = o.scenario.expect.of(invariant);
        let band = o.bands.iter().find(|b| b.invariant == invariant && b.group.is_none());
        // The invariant's own expectation; its groups' bands show with them.
        let failed = o.problems.iter().any(|p| p.starts_with(&format!("{invariant}:")));
        let _ = writeln!(
            out,
            "<tr><td>{invariant}</td><td>{}</td><td class=\"num\">{violating}</td><td class=\"num\">{}</td>\
             <td>{}</td></tr>",
            escape(&expect.name()),
            percent(violating, tally.runs),
            check_cell(expect, band, failed)
        );
    }
    out.push_str("</table>\n");
}

fn check_cell(expect: Expect, band: Option<&BandReport>, failed: bool) -> String {
    let mark = if failed {
        "<span class=\"fail\">not met</span>"
    } else {
        "<span class=\"pass\">met</span>"
    };
    match (expect, band) {
        (Expect::Rate(_), Some(report)) => {
            let how = match report.check {
                crate::explore::BandCheck::Exact { .. } => "exact".to_string(),
                crate::explore::BandCheck::Loose { .. } => format!(
                    "loose: widened for this few runs (exact needs {})",
                    report.band.runs_needed()
                ),
            };
            format!("{mark} ({})", escape(&how))
        }
        _ => mark.to_string(),
    }
}

/// The run drawn for a failure group: its first seed, shrunk on the
/// group's invariant unless `--no-shrink`.
struct GroupRun {
    /// The drawn choices when they are not the seed's own (shrunk): the
    /// seed's replay command draws the unshrunk run already.
    shrunk: Option<crate::sim::Schedule>,
    result: crate::run::RunResult,
    how: String,
}

fn group_run(scenario: &Scenario, key: &FailureKey, seed: u64, shrink_it: bool) -> GroupRun {
    let original = run(scenario, &Source::Seed(seed), RunOptions::default());
    let target = crate::explore::failures::target_in(scenario, key, &original);
    let (schedule, how, shrunk) = match target {
        Some(target) if shrink_it => {
            let shrunk = shrink(scenario, &original.schedule(), &target, Budget::default());
            let how = format!(
                "seed {seed} shrunk on {target} from {} to {} deviation(s)",
                original.deviations.len(),
                shrunk.schedule.len()
            );
            (shrunk.schedule.clone(), how, Some(shrunk.schedule))
        }
        _ => (original.schedule(), format!("seed {seed}, not shrunk"), None),
    };
    let options = RunOptions {
        trace: true,
        ..RunOptions::default()
    };
    let result = run(scenario, &Source::Schedule(schedule), options);
    GroupRun { shrunk, result, how }
}

fn group_article(
    out: &mut String,
    id: &str,
    o: &ScenarioOutcome,
    key: &FailureKey,
    group: &FailureGroup,
    page: &Page<'_>,
    drawings: &mut Drawings,
) {
    let scenario = o.scenario.with_swarm(o.swarm);
    let expected = o.scenario.expect.of(key.invariant).allows_violations();
    let band = o
        .bands
        .iter()
        .find(|b| b.group.as_deref() == Some(key.label().as_str()));
    let band_met = band.is_none_or(|b| b.check.met());
    let seed = group.first_seed();
    let drawn = group_run(&scenario, key, seed, page.shrink);
    let status = match (expected, band_met) {
        (false, _) => "<span class=\"fail\">UNEXPECTED</span>",
        (true, false) => "<span class=\"fail\">outside its band</span>",
        (true, true) => "<span class=\"pass\">expected</span>",
    };
    let _ = writeln!(
        out,
        "<article class=\"group{}\" id=\"{id}\" data-group=\"{}\">\n<details{}>\n<summary><b>{}</b> · {status} · \
         {} run(s) ({}) · first seed {seed}</summary>",
        if expected && band_met { "" } else { " unexpected" },
        escape(&key.label()),
        if expected && band_met { "" } else { " open" },
        escape(&key.label()),
        group.count(),
        percent(group.count(), o.campaign.tally.runs),
    );
    if let Some(band) = band {
        let _ = writeln!(out, "<p>band: {}</p>", escape(&band.describe()));
    }
    let smallest: Vec<String> = group.seeds.seeds().map(|s| s.to_string()).collect();
    let _ = writeln!(out, "<p>smallest seeds: {}.</p>", smallest.join(", "));
    // The words and the diagram are of one run: the drawn one.
    let words = match crate::explore::failures::violation_in(&scenario, key, &drawn.result) {
        Some(violation) => violation.to_string(),
        None => format!("(not broken in the drawn run; seed {seed} broke it: {})", group.example),
    };
    let names = &scenario.setup.names;
    let events = drawn.result.trace.as_deref().unwrap_or(&[]);
    let all_rows = rows::rows(names, events, &drawn.result.violations);
    let lifelines = rows::lifelines(names, events);
    let mut how = drawn.how.clone();
    let (rows, lifelines) = match rows::focus(&all_rows, DRAWN_ROWS) {
        None => (all_rows, lifelines),
        Some((focused, whose)) => {
            let _ = write!(
                how,
                "; {} of its {} rows drawn, {whose} (`{}` prints all)",
                focused.len(),
                all_rows.len(),
                if drawn.shrunk.is_some() {
                    "the run drawn here"
                } else {
                    "replay"
                }
            );
            let touched = rows::touched(&lifelines, &focused);
            (focused, touched)
        }
    };
    let _ = writeln!(
        out,
        "<p>Drawn: {}.</p><p class=\"drawn-violation\">{}</p>",
        escape(&how),
        escape(&words)
    );
    commands(out, o, key, seed, drawn.shrunk.as_ref());
    // The title stands above the diagram, not in it, so that groups that
    // draw one run share its diagram.
    let title = format!("{} · {} · {how}", scenario.name, scenario.variant());
    drawings.insert(id, |key| svg::inline(&svg::render("", &lifelines, &rows), key));
    let _ = writeln!(
        out,
        "<p class=\"diagram-title\">{}</p>\n<div class=\"drawing\" data-drawing=\"{id}\">(the diagram and trace are drawn when this group is open)</div>",
        escape(&title)
    );
    out.push_str("</details>\n</article>\n");
}

/// The commands that reproduce a group: replay its first seed, save and
/// shrink it, and trace the drawn choices when they were shrunk (the
/// choices of an unshrunk run of a long campaign make a command of
/// kilobytes, a third of the page, that says no more than `replay`).
fn commands(out: &mut String, o: &ScenarioOutcome, key: &FailureKey, seed: u64, shrunk: Option<&crate::sim::Schedule>) {
    let s = &o.scenario;
    let swarm = if o.swarm { " --swarm" } else { "" };
    let saved = format!("{}-seed{seed}.json", s.name);
    let mut lines = vec![
        (
            "replay",
            format!(
                "joinsim run {} --seed {seed} --variant {}{swarm} --trace",
                s.path,
                s.variant()
            ),
        ),
        (
            "save",
            format!(
                "joinsim run {} --seed {seed} --variant {}{swarm} --save {saved}",
                s.path,
                s.variant()
            ),
        ),
        (
            "shrink",
            format!("joinsim shrink {saved} --invariant {}", key.invariant),
        ),
    ];
    // `trace` runs without swarm picks: a swarm run replays from its
    // artifact only. An unshrunk run is the seed's own: `replay` draws it.
    if let Some(schedule) = shrunk.filter(|_| !o.swarm) {
        let tokens = format!(" {}", crate::labels::trace_arguments(schedule, &s.setup));
        lines.push((
            "the run drawn here",
            format!("joinsim trace {} --variant {}{tokens}", s.path, s.variant()),
        ));
    }
    for (what, command) in lines {
        let _ = writeln!(
            out,
            "<div class=\"cmd\">{what}: <code>{}</code><button data-copy>copy</button></div>",
            escape(&command)
        );
    }
    if let Some(path) = o.artifacts.get(key) {
        let _ = writeln!(
            out,
            "<div class=\"cmd\">artifact: <code>joinsim replay {} --trace</code><button data-copy>copy</button></div>",
            escape(&path.display().to_string())
        );
    }
}
