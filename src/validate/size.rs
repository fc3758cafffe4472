//! Predicting how big a build will be, and refusing one beyond the limits
//! before any work starts.
//!
//! Input: a validated [`Scenario`] (and the raw spec, for spans). Output: a
//! [`Prediction`] of rows and peak memory, and a problem at the `companies`
//! list or the `time_travel` field when a limit in [`limits`] is exceeded.
//! Invariants: pure arithmetic on the spec's counts, no simulation, so it is
//! cheap enough for `validate`; `validate` and `build` run the same check, so
//! they refuse exactly the same specs. The row estimate sums the expected
//! documents month by month with the spec's seasonality and growth, times
//! rows per document measured on real builds; `tests/limits.rs` holds it
//! within a stated factor of the actual rows. Memory is a bound, not a mean:
//! its constants sit above every peak RSS measured (docs/architecture.md).

use chrono::Datelike;

use crate::model::{Calendar, Company, PayFrequency, Scenario, limits};
use crate::spec::raw::RawScenario;
use crate::spec::{Kind, Problems};

/// Rows every document brings along, measured on the shipped scenarios and
/// the scaled benchmark: the document, its lines, payment, allocation,
/// statement line, journal entries and lines. Goods add stock movements and
/// cost-of-sales postings.
const ROWS_PER_INVOICE: u64 = 16;
const EXTRA_ROWS_PER_GOODS_INVOICE: u64 = 8;
const ROWS_PER_BILL: u64 = 13;
/// A payroll run: the run, its journal entry and lines, its bank line.
const ROWS_PER_PAY_RUN: u64 = 12;
/// Per payslip: the payslip and its share of the run's postings.
const ROWS_PER_PAYSLIP: u64 = 2;
/// Month ends: period, fees, interest, tax returns, card settlement.
const ROWS_PER_MONTH: u64 = 20;
const ROWS_PER_BANK_ACCOUNT_MONTH: u64 = 10;
/// Roles, permissions, chart, tax rates, fiscal years.
const ROWS_PER_COMPANY: u64 = 150;

/// Peak memory of a build that spills its tables to disk: the process, the
/// open documents and pending events of the company being simulated (which
/// grow with its rows), and every customer and vendor it keeps.
const BASE_MEMORY_BYTES: u64 = 24 << 20;
const SPILL_BYTES_PER_COMPANY_ROW: u64 = 16;
const BYTES_PER_PARTY: u64 = 600;
/// A travel delta holds the rendered base dump, then compiles the moved
/// scenario in memory, renders it and diffs the two: per base row its text
/// and index, per target row its stored text, its rendered copy and index.
const TRAVEL_BYTES_PER_BASE_ROW: u64 = 260;
const TRAVEL_BYTES_PER_TARGET_ROW: u64 = 520;
/// Every finished delta stays in memory until the scenario's folder is
/// written: its new rows, and the rows of the base that changed (a tenth).
const DELTA_BYTES_PER_NEW_ROW: u64 = 250;
const DELTA_CHANGED_BASE_ROWS_PER_THOUSAND: u64 = 100;

/// What a build of a scenario is expected to produce and need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prediction {
    /// Rows of the base dump, over all companies.
    pub base_rows: u64,
    /// Rows of the scenario moved by each `time_travel` offset, in spec order;
    /// each is compiled in full, in memory, to diff against the base.
    pub travel_rows: Vec<u64>,
    /// Peak memory of `build` without the travel deltas, in bytes.
    pub base_memory: u64,
    /// Peak memory of `build` with them (equal to `base_memory` without offsets).
    pub memory: u64,
    /// Customers and vendors over all companies.
    pub parties: u64,
}

impl Prediction {
    /// Every row the build compiles: the base and each travel target.
    pub fn compiled_rows(&self) -> u64 {
        self.travel_rows
            .iter()
            .fold(self.base_rows, |a, b| a.saturating_add(*b))
    }
}

/// Predicts rows and memory from the scenario's counts alone.
pub fn predict(scenario: &Scenario) -> Prediction {
    let base_rows = rows(scenario, scenario.calendar);
    let base_memory = spill_memory(scenario, scenario.calendar);
    let travel_rows: Vec<u64> = scenario
        .time_travel
        .iter()
        .map(|offset| {
            crate::render::delta::offset_date(scenario.calendar.as_of, offset)
                .map_or(u64::MAX, |to| {
                    rows(scenario, scenario.calendar.moved_to(to))
                })
        })
        .collect();
    let memory = match travel_rows.iter().max() {
        None => base_memory,
        // Deltas are compiled one after another, after the base is written:
        // the peak is the base's text plus the largest target.
        Some(&target) => BASE_MEMORY_BYTES
            .saturating_add(base_rows.saturating_mul(TRAVEL_BYTES_PER_BASE_ROW))
            .saturating_add(target.saturating_mul(TRAVEL_BYTES_PER_TARGET_ROW))
            .saturating_add(deltas_memory(base_rows, &travel_rows))
            .max(base_memory),
    };
    let parties = scenario
        .companies
        .iter()
        .map(|c| u64::from(c.customers.count) + u64::from(c.vendors.count))
        .sum();
    Prediction {
        base_rows,
        travel_rows,
        base_memory,
        memory,
        parties,
    }
}

/// The finished deltas held together before they are written.
fn deltas_memory(base_rows: u64, travel_rows: &[u64]) -> u64 {
    let changed = base_rows * DELTA_CHANGED_BASE_ROWS_PER_THOUSAND / 1000;
    travel_rows
        .iter()
        .map(|t| {
            t.saturating_sub(base_rows)
                .saturating_add(changed)
                .saturating_mul(DELTA_BYTES_PER_NEW_ROW)
        })
        .fold(0, u64::saturating_add)
}

fn rows(scenario: &Scenario, calendar: Calendar) -> u64 {
    scenario
        .companies
        .iter()
        .map(|c| company_rows(c, calendar))
        .fold(0, u64::saturating_add)
}

fn spill_memory(scenario: &Scenario, calendar: Calendar) -> u64 {
    // Companies are simulated one after another: the largest one sets the peak.
    let largest = scenario
        .companies
        .iter()
        .map(|c| {
            let parties = u64::from(c.customers.count) + u64::from(c.vendors.count);
            company_rows(c, calendar)
                .saturating_mul(SPILL_BYTES_PER_COMPANY_ROW)
                .saturating_add(parties * BYTES_PER_PARTY)
        })
        .max()
        .unwrap_or(0);
    BASE_MEMORY_BYTES.saturating_add(largest)
}

/// Expected rows of one company over `calendar`'s window.
pub fn company_rows(company: &Company, calendar: Calendar) -> u64 {
    let invoices = expected_documents(
        company,
        calendar,
        company.customers.count,
        company.customers.invoices_per_month.0,
    );
    let bills = bills(company, calendar);
    let products = u64::from(company.catalog.services) + u64::from(company.catalog.goods);
    let goods_share_permille = (u64::from(company.catalog.goods) * 1000)
        .checked_div(products)
        .unwrap_or(0);
    let per_invoice = ROWS_PER_INVOICE * 1000 + EXTRA_ROWS_PER_GOODS_INVOICE * goods_share_permille;
    let months = u64::from(calendar.months);
    let banks = company.banking.accounts.len() as u64;
    let statics = ROWS_PER_COMPANY
        + u64::from(company.customers.count)
        + u64::from(company.vendors.count)
        + products
        + 3 * company.personas.len() as u64
        + company.accounts.len() as u64;
    [
        invoices.saturating_mul(per_invoice) / 1000,
        bills.saturating_mul(ROWS_PER_BILL),
        payroll_rows(company, months),
        months * (ROWS_PER_MONTH + ROWS_PER_BANK_ACCOUNT_MONTH * banks),
        statics,
    ]
    .into_iter()
    .fold(0, u64::saturating_add)
}

/// Running-cost vendors (rent, software, utilities: about one in seven) bill
/// once a month whatever `bills_per_month` says; the rest follow the rate.
fn bills(company: &Company, calendar: Calendar) -> u64 {
    let vendors = company.vendors.count;
    let fixed = (vendors / 7 + 3).min(vendors);
    let paced = expected_documents(
        company,
        calendar,
        vendors - fixed,
        company.vendors.bills_per_month.0,
    );
    paced.saturating_add(u64::from(fixed) * u64::from(calendar.months))
}

fn payroll_rows(company: &Company, months: u64) -> u64 {
    let employees = u64::from(company.payroll.employees);
    if employees == 0 {
        return 0;
    }
    let per_year = match company.payroll.frequency {
        PayFrequency::Weekly => 53,
        PayFrequency::BiWeekly => 27,
        PayFrequency::Monthly => 12,
    };
    let runs = (months * per_year).div_ceil(12);
    runs * (ROWS_PER_PAY_RUN + ROWS_PER_PAYSLIP * employees)
}

/// Expected documents over the window: `count` parties at `rate_milli` a month
/// each, shaped by the company's seasonality and compounded growth, as the
/// simulation paces them.
fn expected_documents(company: &Company, calendar: Calendar, count: u32, rate_milli: u32) -> u64 {
    let monthly = u128::from(crate::simulate::targets::monthly_growth_ppm(
        company.activity.growth_per_year,
    ));
    let first_month0 = calendar.start().month0();
    let per_month = u128::from(count) * u128::from(rate_milli);
    let mut growth = 1_000_000u128;
    let mut total = 0u128;
    for offset in 0..calendar.months {
        let season = company.activity.seasonality[((first_month0 + offset) % 12) as usize];
        // Thousandths of documents, scaled by thousandths of season.
        total += per_month * u128::from(season) * growth / 1_000_000_000;
        growth = growth * monthly / 1_000_000;
    }
    u64::try_from(total / 1000).unwrap_or(u64::MAX)
}

/// Refuses a scenario whose predicted rows or memory exceed the limits: at
/// `time_travel` when the offsets alone push it over, else at `companies`.
pub(super) fn check(raw: &RawScenario, scenario: &Scenario, problems: &mut Problems) {
    let p = predict(scenario);
    if p.parties > limits::MAX_PARTIES {
        problems.report(
            Kind::AbsurdSize,
            raw.companies.as_ref().map_or(raw.top, |c| c.key),
            format!(
                "the scenario has {} customers and vendors over all companies; the limit is {}",
                p.parties,
                limits::MAX_PARTIES
            ),
            "too many parties",
            "every customer and vendor is simulated every month: use fewer companies, customers or vendors",
        );
        return;
    }
    let base_fits =
        p.base_rows <= limits::MAX_PREDICTED_ROWS && p.base_memory <= limits::MAX_PREDICTED_MEMORY;
    if p.compiled_rows() <= limits::MAX_PREDICTED_ROWS && p.memory <= limits::MAX_PREDICTED_MEMORY {
        return;
    }
    let figures = figures(&p);
    match (&raw.time_travel, base_fits) {
        (Some(travel), true) => problems.report(
            Kind::AbsurdSize,
            travel.key,
            format!("the time-travel deltas make this build too big: {figures}"),
            "too much to compile",
            "each offset compiles the whole scenario moved forward, in memory; drop offsets or use shorter ones (or fewer customers, vendors or companies)",
        ),
        _ => problems.report(
            Kind::AbsurdSize,
            raw.companies.as_ref().map_or(raw.top, |c| c.key),
            format!("the scenario is too big to build: {figures}"),
            "too big",
            "use fewer companies, customers or vendors, lower invoices_per_month or bills_per_month, or fewer months",
        ),
    }
}

fn figures(p: &Prediction) -> String {
    let travel = if p.travel_rows.is_empty() {
        String::new()
    } else {
        format!(
            " (base {}, time-travel targets {})",
            p.base_rows,
            p.compiled_rows() - p.base_rows
        )
    };
    format!(
        "about {} rows to compile{travel} and {} MiB of memory; the limits are {} rows and {} MiB",
        p.compiled_rows(),
        p.memory >> 20,
        limits::MAX_PREDICTED_ROWS,
        limits::MAX_PREDICTED_MEMORY >> 20
    )
}
