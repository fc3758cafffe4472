//! Progress for long loads: rows and rows per second on a terminal, nothing
//! otherwise.
//!
//! Input: whether stderr is an interactive terminal (decided by the caller)
//! and row counts as they stream. Output: an indicatif bar on stderr.
//! Invariants: with progress disabled nothing is printed, so cron logs and
//! `--json` stay clean; the counter only moves forward (each phase that
//! streams rows adds them to the total) and rates are whole rows per second.
//! `DEMOFORGE_TIMINGS=1` additionally prints how long each phase took on
//! stderr when the run finishes, for benchmarking and troubleshooting.

use std::cell::RefCell;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// `12,345 rows/s`: whole rows, not indicatif's four decimals.
fn rate(state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write) {
    let _ = write!(w, "{} rows/s", format_rows(state.per_sec()));
}

fn format_rows(per_sec: f64) -> String {
    let whole = if per_sec.is_finite() && per_sec > 0.0 {
        per_sec.round() as u64
    } else {
        0
    };
    indicatif::HumanCount(whole).to_string()
}

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
                        "{spinner} {msg:12} [{bar:30}] {human_pos}/{human_len} rows ({rate}, {elapsed})",
                    )
                    .map(|style| style.with_key("rate", rate))
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

    /// Adds a phase's rows to the total; the position keeps counting, so
    /// a full replace (staging, then copying) shows 2N rows, never a jump back.
    pub fn add_total(&self, rows: u64) {
        if let Some(bar) = &self.bar {
            let length = bar.length().unwrap_or(0).saturating_add(rows);
            bar.set_length(length);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_whole_rows() {
        assert_eq!(format_rows(12345.6789), "12,346");
        assert_eq!(format_rows(0.4), "0");
        assert_eq!(format_rows(f64::NAN), "0");
    }

    #[test]
    fn the_counter_never_goes_back_between_phases() {
        let progress = Progress::new(true);
        progress.add_total(10);
        progress.rows(10);
        progress.add_total(10);
        let bar = progress.bar.as_ref().unwrap();
        assert_eq!((bar.position(), bar.length()), (10, Some(20)));
        progress.rows(5);
        assert_eq!(bar.position(), 15);
    }
}
