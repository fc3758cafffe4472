//! A documented test hook: pause at a named phase of a load or reset.
//!
//! Input: `DEMOFORGE_TEST_PAUSE_AT=<phase>` (and optionally
//! `DEMOFORGE_TEST_PAUSE_SECS`, default 30). Output: when the phase matches, a
//! line `demoforge-test: paused at <phase>` on stderr, then a sleep. Invariant:
//! inert when the variable is unset. Tests use it to kill the process or drop
//! its connection at a known point inside the transaction.

use std::time::Duration;

pub fn pause_point(phase: &str) {
    let Ok(wanted) = std::env::var("DEMOFORGE_TEST_PAUSE_AT") else {
        return;
    };
    if wanted != phase {
        return;
    }
    let secs = std::env::var("DEMOFORGE_TEST_PAUSE_SECS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(30);
    eprintln!("demoforge-test: paused at {phase}");
    std::thread::sleep(Duration::from_secs(secs));
}
