//! Progress for long loads: rows and rows per second on a terminal, nothing
//! otherwise.
//!
//! Input: whether stderr is an interactive terminal (decided by the caller)
//! and row counts as they stream. Output: an indicatif bar on stderr. Invariant:
//! with progress disabled nothing is printed, so cron logs and `--json` stay clean.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub struct Progress {
    bar: Option<ProgressBar>,
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
        }
    }

    /// A progress that never prints.
    pub fn hidden() -> Progress {
        Progress { bar: None }
    }

    pub fn phase(&self, message: &'static str) {
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
    }
}
