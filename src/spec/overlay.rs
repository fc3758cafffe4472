//! The overlay v1 schema: which keys an overlay file has, and how each reads.
//!
//! Input: an overlay file's text. Output: a [`RawOverlay`], with spans, and
//! every structural problem at once. Invariant: the same decoder as specs, so
//! unknown keys get "did you mean", wrong types and malformed values are
//! reported with their file:line:col; never panics.

use marked_yaml::types::Node;
use miette::SourceSpan;

use super::decode::{self, Decoder, Entry};
use super::problem::Problems;
use super::raw::Spanned;
use super::source::SourceMap;

pub const OVERLAY_KEYS: &[&str] = &[
    "version",
    "overlay",
    "description",
    "cash_crunch",
    "quarter_close",
];
pub const CASH_CRUNCH_KEYS: &[&str] = &[
    "late_customers",
    "late_days",
    "bill_months",
    "bill_category",
    "overdraft",
];
pub const QUARTER_CLOSE_KEYS: &[&str] = &["accrual_months", "accruals_account"];

#[derive(Debug, Clone)]
pub struct RawOverlay {
    pub top: SourceSpan,
    pub version: Option<Spanned<u64>>,
    pub overlay: Option<Spanned<String>>,
    pub description: Option<Spanned<String>>,
    pub cash_crunch: Option<(SpanKey, RawCashCrunch)>,
    pub quarter_close: Option<(SpanKey, RawQuarterClose)>,
}

/// The span of an effect's key, where problems about the effect point.
pub type SpanKey = SourceSpan;

#[derive(Debug, Clone)]
pub struct RawCashCrunch {
    pub late_customers: Option<Spanned<u64>>,
    pub late_days: Option<Spanned<u64>>,
    pub bill_months: Option<Spanned<u64>>,
    pub bill_category: Option<Spanned<String>>,
    /// Minor units (two decimals).
    pub overdraft: Option<Spanned<i64>>,
}

#[derive(Debug, Clone)]
pub struct RawQuarterClose {
    pub accrual_months: Option<Spanned<u64>>,
    pub accruals_account: Option<Spanned<String>>,
}

/// Parses an overlay file into raw types; see [`super::parse`] for the rules.
pub fn parse(text: &str, problems: &mut Problems) -> Option<RawOverlay> {
    let source = SourceMap::new(text);
    let options = marked_yaml::LoaderOptions::default()
        .error_on_duplicate_keys(true)
        .prevent_coercion(true);
    match marked_yaml::parse_yaml_with_options(0, text, options) {
        Ok(node) => {
            let mut decoder = Decoder::new(&source, problems);
            overlay(&mut decoder, &node)
        }
        Err(error) => {
            problems.push(decode::load_error(&source, &error));
            None
        }
    }
}

fn overlay(d: &mut Decoder<'_, '_>, root: &Node) -> Option<RawOverlay> {
    let top = SourceSpan::new(0.into(), 0);
    let map = d.map(root, top, "the overlay", OVERLAY_KEYS)?;
    Some(RawOverlay {
        top,
        version: d.required(&map, "version", "1").and_then(|e| d.unsigned(e)),
        overlay: d
            .required(&map, "overlay", "quarter-close")
            .and_then(|e| d.string(e)),
        description: d.field(&map, "description").and_then(|e| d.string(e)),
        cash_crunch: d
            .field(&map, "cash_crunch")
            .and_then(|e| cash_crunch(d, e).map(|c| (e.key, c))),
        quarter_close: d
            .field(&map, "quarter_close")
            .and_then(|e| quarter_close(d, e).map(|q| (e.key, q))),
    })
}

fn cash_crunch(d: &mut Decoder<'_, '_>, entry: Entry<'_>) -> Option<RawCashCrunch> {
    let map = d.map(entry.node, entry.key, "cash_crunch", CASH_CRUNCH_KEYS)?;
    let unsigned = |d: &mut Decoder<'_, '_>, key| d.field(&map, key).and_then(|e| d.unsigned(e));
    Some(RawCashCrunch {
        late_customers: unsigned(d, "late_customers"),
        late_days: unsigned(d, "late_days"),
        bill_months: unsigned(d, "bill_months"),
        bill_category: d.field(&map, "bill_category").and_then(|e| d.string(e)),
        overdraft: d
            .field(&map, "overdraft")
            .and_then(|e| d.decimal(e, 2, "5000.00")),
    })
}

fn quarter_close(d: &mut Decoder<'_, '_>, entry: Entry<'_>) -> Option<RawQuarterClose> {
    let map = d.map(entry.node, entry.key, "quarter_close", QUARTER_CLOSE_KEYS)?;
    Some(RawQuarterClose {
        accrual_months: d.field(&map, "accrual_months").and_then(|e| d.unsigned(e)),
        accruals_account: d.field(&map, "accruals_account").and_then(|e| d.string(e)),
    })
}
