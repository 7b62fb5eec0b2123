//! Live progress of a campaign: a bar on a terminal, plain periodic lines
//! otherwise (CI logs), both on stderr so that stdout stays the report.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use crate::explore::campaign::Observer;

/// How often a plain progress line is printed when not on a terminal.
const PLAIN_EVERY: Duration = Duration::from_secs(10);

pub struct Progress {
    bar: Option<ProgressBar>,
    /// The bar counts runs (a seed budget) rather than seconds (`--time`).
    counts_runs: bool,
    scenario: String,
    started: Instant,
    last_line: Mutex<Instant>,
}

impl Progress {
    /// `planned` is the number of seeds, or `None` when only `--time`
    /// bounds the campaign.
    pub fn new(scenario: &str, planned: Option<u64>, budget: Option<Duration>) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = match planned {
                Some(n) => ProgressBar::new(n),
                None => ProgressBar::new(budget.map_or(0, |b| b.as_secs())),
            };
            let template = match planned {
                Some(_) => "{prefix:.bold} {wide_bar} {pos}/{len} runs, {per_sec}, {msg}, {eta} left",
                None => "{prefix:.bold} {wide_bar} {msg}, {elapsed}/{len}s",
            };
            bar.set_style(ProgressStyle::with_template(template).expect("valid template"));
            bar.set_prefix(scenario.to_string());
            bar.set_message("0 failures");
            bar
        });
        Progress {
            bar,
            counts_runs: planned.is_some(),
            scenario: scenario.to_string(),
            started: Instant::now(),
            last_line: Mutex::new(Instant::now()),
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    fn plain(&self, runs: u64, failures: u64) {
        let mut last = self.last_line.lock().expect("not poisoned");
        if last.elapsed() < PLAIN_EVERY {
            return;
        }
        *last = Instant::now();
        let seconds = self.started.elapsed().as_secs_f64();
        eprintln!(
            "progress: {}: {runs} runs, {:.0} runs/s, {failures} failing run(s), {:.0}s elapsed",
            self.scenario,
            runs as f64 / seconds.max(1e-9),
            seconds
        );
    }
}

impl Observer for Progress {
    fn ran(&self, runs: u64, failures: u64) {
        // Cheap most of the time: only every 256th run touches the display.
        if !runs.is_multiple_of(256) {
            return;
        }
        match &self.bar {
            Some(bar) if self.counts_runs => {
                bar.set_position(runs);
                bar.set_message(format!("{failures} failing"));
            }
            Some(bar) => {
                bar.set_position(self.started.elapsed().as_secs());
                bar.set_message(format!("{runs} runs, {failures} failing"));
            }
            None => self.plain(runs, failures),
        }
    }
}
