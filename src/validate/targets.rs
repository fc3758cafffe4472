//! Targets: figures the books should show (days sales and payables
//! outstanding).
//!
//! Input: the raw `targets` mapping. Output: [`Targets`], by default none.
//! Invariant: each target, when set, is 1 to 365 days.

use super::choice::u32_in;
use crate::model::{Targets, defaults};
use crate::spec::Problems;
use crate::spec::raw::RawTargets;

pub const MAX_TARGET_DAYS: u32 = 365;

pub fn targets(raw: Option<&RawTargets>, problems: &mut Problems) -> Targets {
    let mut targets = defaults::targets();
    let Some(raw) = raw else { return targets };
    targets.dso_days = raw
        .dso_days
        .as_ref()
        .and_then(|d| u32_in(problems, d, "dso_days", 1, MAX_TARGET_DAYS));
    targets.dpo_days = raw
        .dpo_days
        .as_ref()
        .and_then(|d| u32_in(problems, d, "dpo_days", 1, MAX_TARGET_DAYS));
    targets
}
