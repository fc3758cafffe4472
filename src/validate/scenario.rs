//! The whole scenario: top-level fields, then rules that span companies
//! (unique keys, unique persona emails, the predicted size in [`super::size`]).
//!
//! Input: a [`RawScenario`] and the spec text. Output: a [`Scenario`], or
//! `None` when a required part is missing (a problem is then recorded).
//! Invariant: checks every company even after one fails, so one run reports
//! every problem.

use std::collections::HashMap;

use sha2::{Digest, Sha256};

use super::choice::in_range;
use super::company::{self, Checked};
use super::time_travel;
use crate::model::{Calendar, Company, Scenario, limits};
use crate::spec::raw::{RawCalendar, RawCompany, RawScenario};
use crate::spec::{Kind, Problems, text};

pub const DEFAULT_SEED: u64 = 1;

pub fn scenario(raw: &RawScenario, spec: &str, problems: &mut Problems) -> Option<Scenario> {
    let version_ok = raw.version.as_ref().is_some_and(|v| {
        if v.value == 1 {
            return true;
        }
        problems.report(
            Kind::OutOfRange,
            v.span,
            format!("spec version {} is not supported", v.value),
            "unsupported version",
            "this demoforge reads `version: 1`",
        );
        false
    });
    let slug = raw.scenario.as_ref().and_then(|s| {
        if text::is_slug(&s.value) {
            return Some(s.value.clone());
        }
        let suggestion = text::slugify(&s.value);
        problems.report(
            Kind::InvalidValue,
            s.span,
            format!("scenario name `{}` is not a slug", s.value),
            "not a slug",
            format!(
                "use lowercase letters, digits and `-` (it names the output folder), e.g. `{}`",
                if suggestion.is_empty() {
                    "demo-travel-co"
                } else {
                    &suggestion
                }
            ),
        );
        None
    });
    let seed = raw.seed.as_ref().map_or(DEFAULT_SEED, |s| s.value);
    let calendar = raw.calendar.as_ref().and_then(|c| calendar(c, problems));
    let time_travel = time_travel::offsets(raw.time_travel.as_ref(), problems);
    let companies = companies(raw, problems);
    if !version_ok {
        return None;
    }
    let scenario = Scenario {
        slug: slug?,
        seed,
        spec_hash: spec_hash(spec),
        calendar: calendar?,
        companies: companies?,
        time_travel,
        overlays: Vec::new(),
    };
    // Last, on the compiled counts: `build` runs this same check.
    super::size::check(raw, &scenario, problems);
    Some(scenario)
}

pub fn spec_hash(spec: &str) -> String {
    Sha256::digest(spec.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn calendar(raw: &RawCalendar, problems: &mut Problems) -> Option<Calendar> {
    let months = match &raw.months {
        Some(m) => in_range(
            problems,
            m,
            "months",
            u64::from(limits::MIN_MONTHS),
            u64::from(limits::MAX_MONTHS),
        )
        .and_then(|m| u32::try_from(m).ok()),
        None => Some(limits::DEFAULT_MONTHS),
    };
    Some(Calendar {
        as_of: raw.as_of.as_ref()?.value,
        months: months?,
    })
}

fn companies(raw: &RawScenario, problems: &mut Problems) -> Option<Vec<Company>> {
    let list = raw.companies.as_ref()?;
    if list.items.is_empty() || list.items.len() > limits::MAX_COMPANIES {
        problems.report(
            Kind::OutOfRange,
            list.key,
            format!(
                "{} companies; a scenario holds 1 to {}",
                list.items.len(),
                limits::MAX_COMPANIES
            ),
            "wrong number of companies",
            format!("list 1 to {} companies", limits::MAX_COMPANIES),
        );
    }
    let checked: Vec<Option<Checked>> = list
        .items
        .iter()
        .map(|c| company::company(c, problems))
        .collect();
    unique_keys(&checked, problems);
    unique_emails(&list.items, problems);
    checked.into_iter().map(|c| c.map(|c| c.company)).collect()
}

fn unique_keys(checked: &[Option<Checked>], problems: &mut Problems) {
    let mut seen: HashMap<&str, ()> = HashMap::new();
    for c in checked.iter().flatten() {
        if seen.insert(c.company.key.as_str(), ()).is_some() {
            problems.report(
                Kind::DuplicateName,
                c.key_span,
                format!("two companies have the key `{}`", c.company.key),
                "duplicate company key",
                "company keys name their data; give one of them a different `name` or an explicit `key:`",
            );
        }
    }
}

/// Emails are unique regardless of case, as a login system would see them.
fn unique_emails(companies: &[RawCompany], problems: &mut Problems) {
    let mut seen: HashMap<String, ()> = HashMap::new();
    let emails = companies
        .iter()
        .filter_map(|c| c.personas.as_ref())
        .flat_map(|p| &p.items)
        .filter_map(|p| p.email.as_ref());
    for email in emails {
        let folded = email.value.trim().to_ascii_lowercase();
        if seen.insert(folded, ()).is_some() {
            problems.report(
                Kind::DuplicateName,
                email.span,
                format!("persona email `{}` is used twice", email.value),
                "duplicate email",
                "each persona logs in with its own address; change one of them",
            );
        }
    }
}
