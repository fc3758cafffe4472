//! Inventory policy: costing method, opening stock, reordering, shrinkage,
//! stock counts and unit cost.
//!
//! Input: the raw `inventory` mapping. Output: an [`InventoryPolicy`],
//! starting from [`defaults::inventory`].
//! Invariant: costing is weighted average (the only method demoforge
//! simulates); every number is within the range documented in
//! `docs/scenario-reference.md`.

use super::choice::{bp_in, choose, u32_in};
use crate::model::{InventoryPolicy, defaults, limits};
use crate::spec::raw::RawInventory;
use crate::spec::{Kind, Problems, Spanned};

pub const COSTING: [(&str, ()); 1] = [("weighted_average", ())];
/// Costing methods people ask for that demoforge deliberately does not do.
pub const UNSUPPORTED_COSTING: [&str; 5] =
    ["fifo", "lifo", "standard", "standard_cost", "specific"];

pub fn inventory(raw: Option<&RawInventory>, problems: &mut Problems) -> InventoryPolicy {
    let mut policy = defaults::inventory();
    let Some(raw) = raw else { return policy };
    if let Some(costing) = &raw.costing {
        costing_method(costing, problems);
    }
    if let Some(units) = raw
        .opening_units
        .as_ref()
        .and_then(|u| opening_units(u, problems))
    {
        policy.opening_units = units;
    }
    if let Some(days) = raw
        .reorder_cover_days
        .as_ref()
        .and_then(|d| u32_in(problems, d, "reorder_cover_days", 1, 365))
    {
        policy.reorder_cover_days = days;
    }
    if let Some(shrinkage) = raw
        .shrinkage
        .as_ref()
        .and_then(|s| bp_in(problems, s, "shrinkage", 0, 1_000))
    {
        policy.shrinkage = shrinkage;
    }
    if let Some(months) = raw
        .count_every_months
        .as_ref()
        .and_then(|m| u32_in(problems, m, "count_every_months", 1, 12))
    {
        policy.count_every_months = months;
    }
    if let Some(share) = raw
        .cost_share
        .as_ref()
        .and_then(|s| bp_in(problems, s, "cost_share", 100, 9_900))
    {
        policy.cost_share = share;
    }
    policy
}

fn costing_method(word: &Spanned<String>, problems: &mut Problems) {
    let lower = word.value.trim().to_ascii_lowercase();
    if UNSUPPORTED_COSTING.contains(&lower.as_str()) {
        problems.report(
            Kind::InvalidValue,
            word.span,
            format!(
                "`{}` costing is not supported: demoforge values stock at weighted average cost",
                word.value
            ),
            "not supported",
            "remove `costing` or set it to weighted_average",
        );
        return;
    }
    choose(problems, word, "costing method", &COSTING);
}

fn opening_units(units: &Spanned<i64>, problems: &mut Problems) -> Option<u32> {
    let max = limits::MAX_OPENING_UNITS;
    if units.value < 0 {
        problems.report(
            Kind::OutOfRange,
            units.span,
            format!(
                "`opening_units` is {}: stock can't be negative",
                units.value
            ),
            "stock can't be negative",
            format!("use 0 to {max} units (0 starts with no stock)"),
        );
        return None;
    }
    match u32::try_from(units.value) {
        Ok(n) if n <= max => Some(n),
        _ => {
            problems.report(
                Kind::OutOfRange,
                units.span,
                format!("`opening_units` is {}, outside 0..={max}", units.value),
                format!("must be 0 to {max}"),
                format!("pick a value from 0 to {max}"),
            );
            None
        }
    }
}
