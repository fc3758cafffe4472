//! Progress for long loads: rows and rows per second on a terminal, nothing
//! otherwise.
//!
//! Input: whether stderr is an interactive terminal (decided by the caller)
//! and row counts as they stream. Output: an indicatif bar on stderr. Invariant:
//! with progress disabled nothing is printed, so cron logs and `--json` stay clean.
//! `DEMOFORGE_TIMINGS=1` additionally prints how long each phase took on
//! stderr when the run finishes, for benchmarking and troubleshooting.

use std::cell::RefCell;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub struct Progress {
    bar: Option<ProgressBar>,
    /// Phase names with their start times, when timings are on.
    timings: Option<RefCell<Vec<(&'static str, Instant)>>>,
}

impl Progress {
    pub fn new(enabled: bool) -> Progress {
        Progress {
            bar: enabled.then(|| {
                let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
                bar.set_style(
                    ProgressStyle::with_template(
                        "{spinner} {msg:12} [{bar:30}] {human_pos}/{human_len} rows ({per_sec}, {elapsed})",
                    )
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
                );
                bar
            }),
            timings: std::env::var_os("DEMOFORGE_TIMINGS")
                .is_some_and(|v| v == "1")
                .then(|| RefCell::new(vec![("connecting", Instant::now())])),
        }
    }

    /// A progress that never prints.
    pub fn hidden() -> Progress {
        Progress {
            bar: None,
            timings: None,
        }
    }

    pub fn phase(&self, message: &'static str) {
        if let Some(timings) = &self.timings {
            timings.borrow_mut().push((message, Instant::now()));
        }
        if let Some(bar) = &self.bar {
            bar.set_message(message);
            bar.tick();
        }
    }

    pub fn set_total(&self, rows: u64) {
        if let Some(bar) = &self.bar {
            bar.set_length(rows);
            bar.set_position(0);
            bar.reset_eta();
        }
    }

    pub fn rows(&self, rows: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(rows);
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        if let Some(timings) = &self.timings {
            let mut phases = timings.borrow_mut();
            phases.push(("done", Instant::now()));
            for pair in phases.windows(2) {
                let ms = pair[1].1.duration_since(pair[0].1).as_secs_f64() * 1000.0;
                eprintln!("demoforge: {:<12} {ms:8.1} ms", pair[0].0);
            }
            phases.clear();
        }
    }
}
