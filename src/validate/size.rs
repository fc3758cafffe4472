//! Predicting how big a build will be, and refusing one beyond the limits
//! before any work starts.
//!
//! Input: a validated [`Scenario`] (and the raw spec, for spans). Output: a
//! [`Prediction`] of rows and peak memory of `build`, the [`Need`] of each
//! command that compiles in memory instead (`check`, `tick`, `overlay`,
//! `load`/`reset` given a spec), and a problem at the `companies` list or the
//! `time_travel` field when a limit in [`limits`] is exceeded.
//! Invariants: pure arithmetic on the spec's counts, no simulation, so it is
//! cheap enough for `validate`; `validate` and `build` run the same check, so
//! they refuse exactly the same specs. The row estimate sums the expected
//! documents month by month with the spec's seasonality and growth, times
//! rows per document measured on real builds; `tests/limits.rs` holds it
//! within a stated factor of the actual rows. Memory is a bound, not a mean:
//! its constants sit above every peak RSS measured (docs/architecture.md).
//! `build` spills its base to disk; the other commands hold whole compiled
//! scenarios in memory, so each has its own memory model and refuses a spec
//! over the limit before compiling it ([`refuse`]).

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

/// `check`, `load SPEC` and `reset SPEC` compile the base into memory and
/// render it, per predicted row: its stored text and the rendered dump;
/// `check` also holds each file read back from the disk to compare, on top of
/// `build`'s travel work. Bounds above the peak RSS measured with
/// `/usr/bin/time -v` on release builds (docs/architecture.md, "Bounded
/// work"): check 466 to 472 bytes a row, reset SPEC 314 to 328.
const CHECK_BYTES_PER_ROW: u64 = 560;
const LOAD_BYTES_PER_ROW: u64 = 400;
/// `tick` and `overlay` compile the base (for its hash, then released) and
/// both states, holding both rendered dumps with their parsed rows and key
/// indexes while diffing. Per predicted row of the two states together;
/// measured 258 to 296.
const DELTA_BYTES_PER_ROW: u64 = 340;

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

/// The commands whose peak memory the prediction models separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// `check`: `build`'s work with the base compiled in memory, then each
    /// file compared with the disk.
    Check,
    /// `tick` or `overlay`: two states of the scenario compiled in memory and
    /// diffed.
    Delta(&'static str),
    /// `load SPEC` or `reset SPEC`: the base compiled in memory.
    LoadSpec(&'static str),
}

impl std::fmt::Display for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Command::Check => "check",
            Command::Delta(name) | Command::LoadSpec(name) => name,
        })
    }
}

/// What one command compiles and holds at its peak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Need {
    pub command: Command,
    /// Rows of every scenario the command compiles.
    pub rows: u64,
    /// Peak memory, in bytes.
    pub memory: u64,
}

impl Need {
    pub fn fits(&self) -> bool {
        self.memory <= limits::MAX_PREDICTED_MEMORY
    }
}

/// `check` of `scenario`: the base in memory on top of `build`'s travel work.
pub fn check_need(scenario: &Scenario) -> Need {
    let p = predict(scenario);
    Need {
        command: Command::Check,
        rows: p.compiled_rows(),
        memory: p
            .memory
            .saturating_add(p.base_rows.saturating_mul(CHECK_BYTES_PER_ROW)),
    }
}

/// `load SPEC` / `reset SPEC` of `scenario`: its base, compiled in memory.
pub fn load_need(scenario: &Scenario, command: &'static str) -> Need {
    let rows = rows(scenario, scenario.calendar);
    Need {
        command: Command::LoadSpec(command),
        rows,
        memory: BASE_MEMORY_BYTES.saturating_add(rows.saturating_mul(LOAD_BYTES_PER_ROW)),
    }
}

/// `tick` or `overlay` from state `from` to state `to` of `plain` (whose base
/// is compiled first for its hash, and released before the two states).
pub fn delta_need(plain: &Scenario, from: &Scenario, to: &Scenario, command: &'static str) -> Need {
    let base = rows(plain, plain.calendar);
    let held = rows(from, from.calendar).saturating_add(rows(to, to.calendar));
    Need {
        command: Command::Delta(command),
        rows: base.saturating_add(held),
        memory: BASE_MEMORY_BYTES.saturating_add(held.saturating_mul(DELTA_BYTES_PER_ROW)),
    }
}

/// A tick of the week after `as_of`, the smallest delta: what `validate`
/// reports for `tick` and `overlay` (later weeks hold more months).
pub fn next_week_need(scenario: &Scenario) -> Need {
    let next = scenario
        .calendar
        .as_of
        .checked_add_days(chrono::Days::new(7))
        .map_or_else(|| scenario.clone(), |to| scenario.moved_to(to));
    delta_need(scenario, scenario, &next, "tick/overlay")
}

/// Refuses `need` over the memory limit, at the `companies` list, with the
/// numbers and the way out: `build`, which spills to disk.
pub(super) fn refuse(raw: &RawScenario, need: &Need, problems: &mut Problems) {
    if need.fits() {
        return;
    }
    let command = need.command;
    let way_out = match need.command {
        Command::Check => {
            "build instead (it spills to disk) and review its output with git diff, or use fewer companies, customers or vendors"
        }
        Command::Delta(_) => {
            "use fewer companies, customers or vendors (or a week nearer as_of); `build` with `time_travel` is bounded separately"
        }
        Command::LoadSpec(_) => {
            "run `demoforge build` (it spills to disk) and pass the dump, generated/<scenario>/base-demo.sql, instead of the spec"
        }
    };
    problems.report(
        Kind::AbsurdSize,
        raw.companies.as_ref().map_or(raw.top, |c| c.key),
        format!(
            "`{command}` compiles this scenario in memory: about {} rows and {} MiB of memory; the limit is {} MiB",
            need.rows,
            need.memory >> 20,
            limits::MAX_PREDICTED_MEMORY >> 20
        ),
        "too big to compile in memory",
        way_out,
    );
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
