//! Overlay validation: a raw overlay file to a [`model::Overlay`].
//!
//! Input: an overlay file's name and text. Output: an [`Overlay`] or every
//! problem at once, as the same [`SpecErrors`] diagnostics specs get.
//! Invariant: a returned overlay names exactly one effect, every number is in
//! range and the vendor category exists. Also the report for an overlay name
//! that has no file ([`unknown_overlay`]); finding the files is the CLI's job.

use miette::SourceSpan;

use super::choice::{choose, in_range};
use crate::model::{CashCrunch, Money, Overlay, OverlayEffect, QuarterClose, SpendCategory};
use crate::spec::overlay::{RawCashCrunch, RawQuarterClose};
use crate::spec::text::{did_you_mean, quoted_list};
use crate::spec::{Kind, Problems, Spanned, SpecErrors};

const CATEGORIES: [(&str, SpendCategory); 8] = [
    ("cost_of_sales", SpendCategory::CostOfSales),
    ("rent", SpendCategory::Rent),
    ("utilities", SpendCategory::Utilities),
    ("software", SpendCategory::Software),
    ("marketing", SpendCategory::Marketing),
    ("professional_fees", SpendCategory::ProfessionalFees),
    ("office_supplies", SpendCategory::OfficeSupplies),
    ("travel", SpendCategory::Travel),
];

/// The report for an overlay name with no file: a did-you-mean when one of
/// the `available` names (sorted) is close, and the list of them all.
/// `folder` is where the names were looked up.
pub fn unknown_overlay(name: &str, folder: &str, available: &[&str]) -> miette::Report {
    let list = if available.is_empty() {
        format!("there are no overlays in {folder}")
    } else {
        format!("available overlays: {}", quoted_list(available))
    };
    let help = match did_you_mean(name, available) {
        Some(close) => format!("did you mean `{close}`? {list}"),
        None => format!("{list}; or pass the path of an overlay .yaml file"),
    };
    miette::miette!(
        code = "demoforge::overlay::unknown",
        help = help,
        "no overlay named `{name}` in {folder}"
    )
}

/// Parses and validates an overlay file. `name` is the path shown in diagnostics.
pub fn compile_overlay(name: &str, text: &str) -> Result<Overlay, SpecErrors> {
    let mut problems = Problems::default();
    let overlay = if text.len() > super::MAX_SPEC_BYTES {
        problems.report(
            Kind::AbsurdSize,
            SourceSpan::new(0.into(), 0),
            format!(
                "the overlay is {} bytes; the limit is {}",
                text.len(),
                super::MAX_SPEC_BYTES
            ),
            "overlay too large",
            "an overlay is a short hand-written file",
        );
        None
    } else {
        crate::spec::overlay::parse(text, &mut problems).and_then(|raw| {
            let version = raw.version.as_ref().map(|v| {
                if v.value != 1 {
                    problems.report(
                        Kind::InvalidValue,
                        v.span,
                        format!("overlay version {} is not supported", v.value),
                        "unsupported version",
                        "this demoforge reads `version: 1`",
                    );
                }
                v.value == 1
            });
            let name = raw.overlay.as_ref().and_then(|n| overlay_name(n, &mut problems));
            let effect = match (&raw.cash_crunch, &raw.quarter_close) {
                (Some((_, c)), None) => cash_crunch(c, &mut problems).map(OverlayEffect::CashCrunch),
                (None, Some((_, q))) => {
                    quarter_close(q, &mut problems).map(OverlayEffect::QuarterClose)
                }
                (Some(_), Some((key, _))) => {
                    problems.report(
                        Kind::InvalidValue,
                        *key,
                        "an overlay has one effect, but this one has both `cash_crunch` and `quarter_close`",
                        "second effect",
                        "put each effect in its own overlay file; overlays compose on the command line",
                    );
                    None
                }
                (None, None) => {
                    problems.report(
                        Kind::MissingField,
                        raw.top,
                        "missing effect in the overlay: add `cash_crunch` or `quarter_close`",
                        "no effect",
                        "add `quarter_close: {}` or `cash_crunch: {}`",
                    );
                    None
                }
            };
            (version == Some(true)).then_some(())?;
            Some(Overlay {
                name: name?,
                description: raw.description.map(|d| d.value).unwrap_or_default(),
                effect: effect?,
            })
        })
    };
    super::finish(
        overlay,
        problems,
        name,
        text,
        "overlay",
        "docs/overlays-and-ticks.md",
    )
}

fn overlay_name(name: &Spanned<String>, problems: &mut Problems) -> Option<String> {
    let ok = !name.value.is_empty()
        && name.value.len() <= 40
        && name
            .value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        return Some(name.value.clone());
    }
    problems.report(
        Kind::InvalidValue,
        name.span,
        format!("`{}` is not a valid overlay name", name.value),
        "not a slug",
        "use lowercase letters, digits and `-`, e.g. `quarter-close`",
    );
    None
}

fn cash_crunch(raw: &RawCashCrunch, problems: &mut Problems) -> Option<CashCrunch> {
    let pick = |v: &Option<Spanned<u64>>, field, default, lo, hi, p: &mut Problems| match v {
        Some(v) => in_range(p, v, field, lo, hi),
        None => Some(default),
    };
    let late_customers = pick(&raw.late_customers, "late_customers", 3, 1, 50, problems);
    let late_days = pick(&raw.late_days, "late_days", 60, 60, 180, problems);
    let bill_months = pick(&raw.bill_months, "bill_months", 3, 1, 24, problems);
    let bill_category = match &raw.bill_category {
        Some(word) => choose(problems, word, "vendor category", &CATEGORIES),
        None => Some(SpendCategory::ProfessionalFees),
    };
    let overdraft = match &raw.overdraft {
        Some(v) => in_range(problems, v, "overdraft", 0, 10_000_000_000),
        None => Some(500_000),
    };
    Some(CashCrunch {
        late_customers: late_customers? as u32,
        late_days: late_days? as u32,
        bill_months: bill_months? as u32,
        bill_category: bill_category?,
        overdraft: Money(-overdraft?),
    })
}

fn quarter_close(raw: &RawQuarterClose, problems: &mut Problems) -> Option<QuarterClose> {
    let accrual_months = match &raw.accrual_months {
        Some(v) => in_range(problems, v, "accrual_months", 1, 12),
        None => Some(1),
    };
    let accruals_account = match &raw.accruals_account {
        Some(code)
            if !code.value.is_empty()
                && code.value.len() <= 10
                && code.value.chars().all(|c| c.is_ascii_alphanumeric()) =>
        {
            Some(code.value.clone())
        }
        Some(code) => {
            problems.report(
                Kind::InvalidValue,
                code.span,
                format!("`{}` is not a valid account code", code.value),
                "not an account code",
                "use up to 10 letters and digits, e.g. `2300`",
            );
            None
        }
        None => Some("2300".to_owned()),
    };
    Some(QuarterClose {
        accrual_months: accrual_months? as u32,
        accruals_account: accruals_account?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(report: &miette::Report) -> (String, String) {
        let help = report.help().map(|h| h.to_string()).unwrap_or_default();
        (report.to_string(), help)
    }

    #[test]
    fn a_typo_gets_a_suggestion_and_the_list() {
        let report = unknown_overlay(
            "cash-crnch",
            "scenarios/overlays",
            &["cash-crunch", "quarter-close"],
        );
        let (message, help) = text(&report);
        assert_eq!(
            message,
            "no overlay named `cash-crnch` in scenarios/overlays"
        );
        assert_eq!(
            help,
            "did you mean `cash-crunch`? available overlays: `cash-crunch`, `quarter-close`"
        );
    }

    #[test]
    fn a_far_name_gets_the_list_only() {
        let (_, help) = text(&unknown_overlay("zzz", "o", &["cash-crunch"]));
        assert_eq!(
            help,
            "available overlays: `cash-crunch`; or pass the path of an overlay .yaml file"
        );
        let (_, help) = text(&unknown_overlay("zzz", "o", &[]));
        assert!(help.starts_with("there are no overlays in o;"), "{help}");
    }
}
