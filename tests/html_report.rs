//! `fuzz --html`: one self-contained file under 1 MB that a real browser
//! renders with every scenario and every failure group, each group with its
//! diagram (unpacked by the page's script when the group opens; `#all`
//! opens them all), fitting the page's width.
//! Rendered by headless Chromium (`--dump-dom`, `--screenshot`); where no
//! Chromium is installed the browser part is skipped with a message, unless
//! `JOINSIM_REQUIRE_CHROMIUM` is set (`.ci/run` sets it once it installed
//! Chromium, so CI cannot skip it silently).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::Value;

/// The longest a browser may take to render the page.
const BROWSER_TIMEOUT: Duration = Duration::from_secs(180);

use common::joinsim;

/// The campaign of the done-when, run once for both tests: every bundled
/// scenario, 20,000 seeds, with its HTML report and JSON summary, in
/// `target/tmp/html-report/`.
fn report() -> &'static (PathBuf, String, Value) {
    static REPORT: OnceLock<(PathBuf, String, Value)> = OnceLock::new();
    REPORT.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("html-report");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let (html, summary) = campaign(&dir);
        (dir.join("report.html"), html, summary)
    })
}

fn campaign(dir: &Path) -> (String, Value) {
    let html = dir.join("report.html");
    let json = dir.join("summary.json");
    let out = dir.join("failures");
    let o = joinsim(&[
        "fuzz",
        "--seeds",
        "20000",
        "--html",
        html.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stdout));
    let summary = serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    (std::fs::read_to_string(html).unwrap(), summary)
}

/// (a section's attributes, its failure group labels) from the JSON summary.
fn expected_contents(summary: &Value) -> Vec<(String, Vec<String>)> {
    summary["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let groups = s["failures"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["group"].as_str().unwrap().to_string())
                .collect();
            // A scenario's section is known by its name and variant (each
            // scenario also runs under the variants it pins).
            let (name, variant) = (s["scenario"].as_str().unwrap(), s["variant"].as_str().unwrap());
            (format!("data-scenario=\"{name}\" data-variant=\"{variant}\""), groups)
        })
        .collect()
}

/// The group ids of the page's packed drawings, each with its diagram
/// (stored once per distinct diagram, and named per group by the page's
/// script: its arrowhead id renamed).
fn unpacked_drawings(html: &str) -> serde_json::Map<String, Value> {
    let start = html.find("id=\"drawings\">").expect("the packed drawings") + "id=\"drawings\">".len();
    let packed = &html[start..start + html[start..].find("</script>").expect("a closed script")];
    let gzipped = base64::engine::general_purpose::STANDARD
        .decode(packed.trim())
        .expect("base64");
    let mut json = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gzipped[..]), &mut json).expect("gzip");
    let packed: Value = serde_json::from_str(&json).expect("JSON");
    let bodies = packed["bodies"].as_object().expect("the diagrams");
    let slots = packed["slots"].as_object().expect("the groups' diagrams");
    slots
        .iter()
        .map(|(id, key)| {
            let key = key.as_str().expect("a diagram's key");
            let body = bodies[key].as_str().expect("a diagram");
            let picture = body.replace(&format!("{key}-arrow"), &format!("{id}-arrow"));
            (id.clone(), Value::String(picture))
        })
        .collect()
}

/// Checks that `dom` holds a section per scenario and in it an article per
/// failure group, each with its diagram: drawn (`<svg>`, and the `<pre>`
/// of its transcript) when `drawn`, else a slot whose packed drawing is in
/// `drawings`.
fn assert_holds_every_scenario_and_group(
    dom: &str,
    summary: &Value,
    drawings: Option<&serde_json::Map<String, Value>>,
) {
    let contents = expected_contents(summary);
    assert_eq!(
        contents.len(),
        common::bundled_campaigns(),
        "every bundled scenario ran, under each variant it pins too"
    );
    // Each invariant a campaign broke makes at least one group.
    let broken: usize = summary["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["invariants"].as_array().unwrap())
        .filter(|i| i["violating_runs"].as_u64().unwrap() > 0)
        .count();
    assert!(broken > 0, "the campaign broke nothing: nothing to draw");
    assert!(
        contents.iter().map(|(_, g)| g.len()).sum::<usize>() >= broken,
        "{contents:?}"
    );
    let mut articles = 0;
    for (scenario, groups) in contents {
        let start = dom
            .find(&scenario)
            .unwrap_or_else(|| panic!("no section for {scenario}"));
        let end = dom[start..].find("</section>").expect("a closed section") + start;
        let section = &dom[start..end];
        assert_eq!(section.matches("<article").count(), groups.len(), "{scenario}");
        for group in groups {
            let at = section
                .find(&format!("data-group=\"{group}\""))
                .unwrap_or_else(|| panic!("{scenario}: no article for {group}"));
            let article = &section[at..section[at..].find("</article>").expect("a closed article") + at];
            assert!(
                article.contains("joinsim run "),
                "{scenario}: {group} has no replay command"
            );
            assert!(
                article.contains("<p>Drawn: seed "),
                "{scenario}: {group} does not say which run it draws"
            );
            match drawings {
                None => {
                    assert!(article.contains("<svg"), "{scenario}: {group} has no diagram");
                    assert!(
                        article.split("<pre>").nth(1).is_some_and(|t| !t.starts_with("</pre>")),
                        "{scenario}: {group} has no text trace"
                    );
                }
                Some(drawings) => {
                    let id = article.split("data-drawing=\"").nth(1).expect("a drawing slot");
                    let id = &id[..id.find('"').unwrap()];
                    let picture = drawings[id].as_str().expect("a diagram");
                    assert!(picture.starts_with("<svg"), "{scenario}: {group} has no diagram");
                }
            }
            articles += 1;
        }
    }
    if let Some(drawings) = drawings {
        assert_eq!(drawings.len(), articles, "one drawing a group");
    }
}

/// The words above a group's diagram describe the drawn (shrunk) run: the
/// violation they quote is the one the diagram marks in red.
fn assert_words_describe_the_drawn_run(html: &str, drawings: &serde_json::Map<String, Value>) {
    let mut shrunk = 0;
    for article in html.split("<article").skip(1) {
        let how = article.split("<p>Drawn: ").nth(1).expect("what is drawn");
        let how = &how[..how.find(".</p>").unwrap()];
        let words = article
            .split("<p class=\"drawn-violation\">")
            .nth(1)
            .expect("the words");
        let words = &words[..words.find("</p>").unwrap()];
        let id = article.split("data-drawing=\"").nth(1).expect("a drawing slot");
        let picture = drawings[&id[..id.find('"').unwrap()]].as_str().unwrap();
        // The diagram's title, above it, names the run the words name.
        let title = article
            .split("<p class=\"diagram-title\">")
            .nth(1)
            .expect("the diagram's title");
        let title = &title[..title.find("</p>").unwrap()];
        assert!(
            title.contains(how),
            "the diagram's title names the run the words name: {how}"
        );
        // The diagram's red rows are `VIOLATION ` and the violation, wrapped:
        // its head (invariant, time, node, step) is the words' head.
        let red: String = picture
            .split("<text class=\"line broken\"")
            .skip(1)
            .map(|t| &t[t.find('>').unwrap() + 1..t.find("</text>").unwrap()])
            .collect::<String>()
            .split_whitespace()
            .collect();
        let head: String = words[..words.find(": ").unwrap_or(words.len())]
            .split_whitespace()
            .collect();
        assert!(
            red.contains(&format!("VIOLATION{head}")),
            "the words' violation ({head}) is not the drawn run's ({how})"
        );
        shrunk += usize::from(how.contains(" shrunk on "));
    }
    assert!(shrunk > 0, "no drawn run was shrunk");
}

#[test]
fn the_html_report_is_one_file_with_no_external_reference() {
    let (_, html, summary) = report();
    for external in [
        "href=\"http",
        "href='http",
        "<link",
        " src=",
        "@import",
        "url(http",
        "//fonts",
    ] {
        assert!(
            !html.contains(external),
            "the report refers to something outside: {external}"
        );
    }
    // Addresses do appear, as text: the errors Go's HTTP client gives
    // (`Get "https://m1:8443/1.0": EOF`), quoted in traces.
    for (at, _) in html.match_indices("http") {
        assert!(
            html[..at].ends_with("&quot;"),
            "an address outside quoted error text: {}",
            &html[at.saturating_sub(40)..(at + 40).min(html.len())]
        );
    }
    assert_eq!(
        html.matches("url(").count(),
        html.matches("url(#").count(),
        "only in-page url()s"
    );
    let drawings = unpacked_drawings(html);
    assert_holds_every_scenario_and_group(html, summary, Some(&drawings));
    assert_words_describe_the_drawn_run(html, &drawings);
    // The campaign of many groups stays small: the drawings are packed.
    assert!(html.len() < 1_000_000, "the report is {} bytes", html.len());
}

/// The Chromium on this machine, if any.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// Chromium, or `None` after saying on the terminal (not captured by the
/// test harness) why the browser check is skipped; under CI (`CI=true`,
/// which `.ci/run` sets) a missing browser fails the test instead.
fn chromium_or_skip(test: &str) -> Option<PathBuf> {
    let found = chromium();
    if found.is_none() {
        common::skip_loudly(
            test,
            "no Chromium on PATH (install the Debian package `chromium`; .ci/run does)",
        );
    }
    found
}

/// `page` with every group open and drawn.
fn all(page: &Path) -> String {
    format!("file://{}#all", page.display())
}

/// Runs headless Chromium on `page` (a path or a `file://` address) with
/// `args`; its standard output.
fn headless(browser: &Path, page: &(impl AsRef<std::ffi::OsStr> + ?Sized), args: &[&str]) -> String {
    let page = Path::new(page.as_ref());
    let address = if page.starts_with("file:") {
        page.display().to_string()
    } else {
        format!("file://{}", page.display())
    };
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            &format!("--user-data-dir={}", profile.path().display()),
        ])
        .args(args)
        .arg(address)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut text).map(|_| text)
    });
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > BROWSER_TIMEOUT {
            let _ = child.kill();
            panic!("chromium did not finish within {BROWSER_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    reader.join().unwrap().expect("chromium's output is text")
}

/// The share of pixels that differ from the most common colour.
fn ink(png_file: &Path) -> f64 {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(png_file).unwrap()));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buffer = vec![0; reader.output_buffer_size().expect("a size")];
    let frame = reader.next_frame(&mut buffer).expect("a frame");
    let bytes = &buffer[..frame.buffer_size()];
    let channels = frame.color_type.samples();
    let mut counts = std::collections::BTreeMap::new();
    for pixel in bytes.chunks(channels) {
        *counts.entry(pixel.to_vec()).or_insert(0u64) += 1;
    }
    let total: u64 = counts.values().sum();
    let background = counts.values().max().copied().unwrap_or(0);
    (total - background) as f64 / total as f64
}

#[test]
fn chromium_renders_every_scenario_and_failure_group_with_a_diagram() {
    let Some(browser) = chromium_or_skip("chromium_renders_every_scenario_and_failure_group_with_a_diagram") else {
        return;
    };
    let (page, _, summary) = report();
    // `#all`: every group open and drawn, the page's widths written on
    // `<body>` once drawn (the virtual time lets the script finish).
    let dom = headless(
        &browser,
        &all(page),
        &["--window-size=1024,800", "--virtual-time-budget=20000", "--dump-dom"],
    );
    assert!(dom.contains("joinsim fuzz report"), "{}", &dom[..dom.len().min(500)]);
    assert_holds_every_scenario_and_group(&dom, summary, None);
    let body = &dom[dom.find("<body").unwrap()..];
    let attribute = |name: &str| -> u64 {
        let at = body
            .find(&format!("{name}=\""))
            .unwrap_or_else(|| panic!("no {name} on <body>"))
            + name.len()
            + 2;
        body[at..at + body[at..].find('"').unwrap()].parse().unwrap()
    };
    let groups = expected_contents(summary).iter().map(|(_, g)| g.len()).sum::<usize>() as u64;
    assert_eq!(attribute("data-drawn"), groups, "every group drawn");
    let (scroll, client) = (attribute("data-scroll-width"), attribute("data-client-width"));
    assert!(
        client > 0 && scroll <= client,
        "the page scrolls sideways: {scroll} > {client}"
    );

    let share = screenshot_ink(&browser, page);
    assert!(
        share > 0.02,
        "the screenshot is (nearly) blank: {share:.4} of its pixels are not background"
    );
    // The measure can tell: an empty page is blank by it.
    let empty = page.with_file_name("empty.html");
    std::fs::write(&empty, "<!DOCTYPE html><html><body></body></html>").unwrap();
    assert!(screenshot_ink(&browser, &empty) < 0.001);
}

/// A laptop-sized screenshot of `page`, as the share of its pixels that
/// are not background.
fn screenshot_ink(browser: &Path, page: &Path) -> f64 {
    let shot = page.with_extension("png");
    let _ = std::fs::remove_file(&shot);
    headless(
        browser,
        page,
        &["--window-size=1366,900", &format!("--screenshot={}", shot.display())],
    );
    ink(&shot)
}
