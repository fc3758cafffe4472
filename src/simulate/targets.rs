//! Realism targets: pacing the simulation so the books show the spec's
//! DSO, DPO, partial-payer share, refund rate, seasonality and growth, and
//! measuring what they achieved.
//!
//! Random draws alone are too noisy for a ±10% promise at demo scale (a 12%
//! share over 140 customers swings by a fifth). So each customer and vendor
//! carries its own remainder from month to month ("error diffusion"): its
//! document count is the whole part of what it owes so far, and refunds
//! follow the same rule per customer. The carries start at a phase drawn from
//! the party's own stream, so parties stay independent of each other and
//! months never depend on later months. Growth compounds monthly at the rate
//! whose twelfth power is the spec's yearly growth.

use super::books::{MonthEnd, TargetCheck};
use super::parties::{Behaviour, Party};
use super::plans::{Payer, scale_for};
use crate::model::{Bp, Company, Milli, Money};

#[derive(Debug, Default)]
pub struct Pacing {
    pub customer_scale: Milli,
    pub vendor_scale: Milli,
    growth_ppm_per_month: u64,
    invoice_carry: Vec<u64>,
    bill_carry: Vec<u64>,
    refund_carry: Vec<u32>,
    /// Observations for the achieved values, by month offset.
    pub invoices: Vec<u64>,
    pub invoiced: Vec<Money>,
    pub billed: Vec<Money>,
    pub refunds: u64,
    pub refund_eligible: u64,
}

impl Pacing {
    pub fn new(seed: u64, company: &Company, customers: &[Party], vendors: &[Party]) -> Pacing {
        let phase = |party: &Party, what: &str| {
            use rand::RngExt;
            party.key.child(what).stream(seed).random_range(0..1000u64)
        };
        let customer_scale = company.targets.dso_days.map_or(Milli(1000), |days| {
            scale_for(
                Payer::Customer,
                company.customers.payers,
                &company.customers.payment_terms,
                days,
            )
        });
        let vendor_scale = company.targets.dpo_days.map_or(Milli(1000), |days| {
            scale_for(
                Payer::Company,
                company.vendors.payers,
                &company.vendors.payment_terms,
                days,
            )
        });
        Pacing {
            customer_scale,
            vendor_scale,
            growth_ppm_per_month: monthly_growth_ppm(company.activity.growth_per_year),
            invoice_carry: customers
                .iter()
                .map(|c| phase(c, "invoice-phase"))
                .collect(),
            bill_carry: vendors.iter().map(|v| phase(v, "bill-phase")).collect(),
            refund_carry: customers
                .iter()
                .map(|c| phase(c, "refund-phase") as u32 * 10)
                .collect(),
            ..Pacing::default()
        }
    }

    /// Growth factor, in millionths, `offset` months into the window.
    pub fn growth_ppm(&self, offset: u32) -> u64 {
        (0..offset).fold(1_000_000u64, |f, _| {
            f * self.growth_ppm_per_month / 1_000_000
        })
    }

    /// Documents a party raises this month, given its expected count in thousandths.
    pub fn invoices_for(&mut self, customer: usize, mean_milli: u64) -> u32 {
        take(&mut self.invoice_carry[customer], mean_milli)
    }

    pub fn bills_for(&mut self, vendor: usize, mean_milli: u64) -> u32 {
        take(&mut self.bill_carry[vendor], mean_milli)
    }

    /// Whether this fully paid invoice of `customer` is partly credited and refunded.
    pub fn refund_due(&mut self, customer: usize, rate: Bp) -> bool {
        self.refund_eligible += 1;
        let carry = &mut self.refund_carry[customer];
        *carry += rate.0;
        let due = *carry >= 10_000;
        if due {
            *carry -= 10_000;
            self.refunds += 1;
        }
        due
    }

    pub fn observe_month(&mut self, offset: u32) {
        let at = offset as usize;
        for series in [&mut self.invoiced, &mut self.billed] {
            series.resize(at + 1, Money::ZERO);
        }
        self.invoices.resize(at + 1, 0);
    }
}

fn take(carry: &mut u64, mean_milli: u64) -> u32 {
    let total = *carry + mean_milli;
    *carry = total % 1000;
    (total / 1000) as u32
}

/// The monthly growth factor (millionths) whose twelfth power is `1 + growth`,
/// found by integer bisection so that no libm is involved.
pub(crate) fn monthly_growth_ppm(growth_bp: i32) -> u64 {
    let yearly = (1_000_000 + i64::from(growth_bp) * 100).max(10_000) as u64;
    let power =
        |monthly: u64| (0..12).fold(1_000_000u128, |f, _| f * u128::from(monthly) / 1_000_000);
    let (mut low, mut high) = (100_000u64, 2_000_000u64);
    while high - low > 1 {
        let mid = (low + high) / 2;
        if power(mid) < u128::from(yearly) {
            low = mid;
        } else {
            high = mid;
        }
    }
    high
}

/// What the books achieved against the spec's targets, over the last twelve
/// complete months (or the whole window if shorter).
pub fn achieved(
    company: &Company,
    customers: &[Party],
    pacing: &Pacing,
    month_ends: &[MonthEnd],
    start_month0: u32,
) -> Vec<TargetCheck> {
    let complete = pacing.invoices.len().saturating_sub(1).max(1);
    // The window opens with no receivables or payables: skip two months of
    // ramp-up, then take up to the last twelve complete months.
    let from = complete.saturating_sub(12).max(2.min(complete - 1));
    let last = complete - from;
    let mut checks = Vec::new();
    let days = |balances: Vec<Money>, flows: &[Money]| {
        let average: i64 = balances.iter().map(|m| m.0).sum::<i64>() / balances.len().max(1) as i64;
        let flow: i64 = flows.iter().map(|m| m.0).sum();
        // i128: large but valid specs overflow i64 here.
        let yearly_flow = i128::from(flow) * 12 / last as i128;
        (flow > 0 && yearly_flow > 0)
            .then(|| (i128::from(average) * 365 * 1000 / yearly_flow) as i64)
    };
    let receivables: Vec<Money> = month_ends[from..complete]
        .iter()
        .map(|m| m.receivable)
        .collect();
    let payables: Vec<Money> = month_ends[from..complete]
        .iter()
        .map(|m| m.payable)
        .collect();
    if let Some(dso) = days(receivables, &pacing.invoiced[from..complete]) {
        let expected = company.targets.dso_days.map(|d| i64::from(d) * 1000);
        checks.push(TargetCheck::new("DSO (days)", expected, dso));
    }
    if let Some(dpo) = days(payables, &pacing.billed[from..complete]) {
        let expected = company.targets.dpo_days.map(|d| i64::from(d) * 1000);
        checks.push(TargetCheck::new("DPO (days)", expected, dpo));
    }
    let partial = customers
        .iter()
        .filter(|c| c.behaviour == Behaviour::Partial)
        .count() as i64;
    checks.push(TargetCheck::percent(
        "partial payers",
        i64::from(company.customers.payers.partial.0),
        partial * 100_000 / customers.len().max(1) as i64,
    ));
    if pacing.refund_eligible > 0 {
        let rate = pacing.refunds as i64 * 100_000 / pacing.refund_eligible as i64;
        checks.push(TargetCheck::percent(
            "refund rate",
            i64::from(company.customers.refund_rate.0),
            rate,
        ));
    }
    let season = |offset: usize| {
        i64::from(company.activity.seasonality[(start_month0 as usize + offset) % 12])
    };
    let trend = |offset: usize| pacing.growth_ppm(offset as u32) as i64;
    // Counts with the target seasonality and growth taken out: flat if both are met.
    let level = |offset: usize| {
        pacing.invoices[offset] as i64 * 1_000_000_000
            / season(offset).max(1)
            / trend(offset).max(1)
    };
    if complete >= 8 {
        // Compare the first and last (up to) six complete months.
        let half = (complete / 2).min(6);
        let seasonal_mean = |range: std::ops::Range<usize>| {
            range
                .map(|o| pacing.invoices[o] as i64 * 1000 / season(o).max(1))
                .sum::<i64>()
        };
        let gap = (complete - half) as u32;
        let ratio_ppm =
            seasonal_mean(complete - half..complete) * 1_000_000 / seasonal_mean(0..half).max(1);
        let growth = annualised_ppm(ratio_ppm as u64, gap) as i64 - 1_000_000;
        checks.push(TargetCheck::percent(
            "growth per year",
            i64::from(company.activity.growth_per_year),
            growth / 10,
        ));
        let worst = (0..complete)
            .map(|o| {
                let mean: i64 = (0..complete).map(level).sum::<i64>() / complete as i64;
                ((level(o) - mean).abs() * 100_000 / mean.max(1)).min(100_000)
            })
            .max()
            .unwrap_or(0);
        checks.push(TargetCheck {
            name: "seasonality: worst month off the shape",
            target: Some(0),
            achieved: worst,
            unit: "%",
            tolerance: 10_000,
        });
    }
    checks
}

/// The yearly factor (millionths) for a ratio observed over `months`.
fn annualised_ppm(ratio_ppm: u64, months: u32) -> u64 {
    let power = |monthly: u64, n: u32| {
        (0..n).fold(1_000_000u128, |f, _| f * u128::from(monthly) / 1_000_000)
    };
    let (mut low, mut high) = (100_000u64, 2_000_000u64);
    while high - low > 1 {
        let mid = (low + high) / 2;
        if power(mid, months) < u128::from(ratio_ppm) {
            low = mid;
        } else {
            high = mid;
        }
    }
    power(high, 12) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monthly_growth_compounds_to_the_yearly_rate() {
        let monthly = monthly_growth_ppm(1_800);
        let yearly = (0..12).fold(1_000_000u128, |f, _| f * u128::from(monthly) / 1_000_000);
        assert!((1_179_990..=1_180_030).contains(&yearly), "{yearly}");
        assert_eq!(monthly_growth_ppm(0), 1_000_000);
    }

    #[test]
    fn error_diffusion_keeps_the_total_on_the_mean() {
        let mut carry = 730;
        let total: u32 = (0..36).map(|_| take(&mut carry, 1_350)).sum();
        // 36 months at 1.35 a month is 48.6; the carry keeps the total within one.
        assert!((48..=49).contains(&total), "{total}");
    }

    #[test]
    fn a_ratio_over_six_months_annualises() {
        // 1.09 over six months is about 18.8% a year.
        let yearly = annualised_ppm(1_090_000, 6);
        assert!((1_187_000..=1_189_000).contains(&yearly), "{yearly}");
    }
}
