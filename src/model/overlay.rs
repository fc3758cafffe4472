//! Scenario overlays: validated effects layered onto a scenario at `as_of`.
//!
//! Input: nothing (plain data types, built by `validate::overlay`). Output: the
//! effects the simulation applies on `as_of`. Invariant: an `Overlay` that
//! exists has passed validation; overlays apply in the order given, and
//! applying the same overlay twice is refused before simulation.

use super::{Money, SpendCategory};

/// One overlay file, compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overlay {
    /// The overlay's name (`quarter-close`), also its file stem.
    pub name: String,
    pub description: String,
    pub effect: OverlayEffect,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OverlayEffect {
    CashCrunch(CashCrunch),
    QuarterClose(QuarterClose),
}

/// Large customers pay late, a big unexpected bill arrives and is paid by
/// direct debit on `as_of`, and the operating account goes overdrawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CashCrunch {
    /// How many of the largest customers (by weight) pay late.
    pub late_customers: u32,
    /// Days their payments in the last `late_days` are pushed back (at least 60).
    pub late_days: u32,
    /// The unexpected bill, in months of the company's expected running costs;
    /// raised if needed so that the operating account goes overdrawn.
    pub bill_months: u32,
    /// The vendor category that sends the bill.
    pub bill_category: SpendCategory,
    /// Book balance the operating account is left with after the bill, at most
    /// this (a negative amount: the overdraft).
    pub overdraft: Money,
}

/// The current quarter closed on `as_of`: accruals booked, the bank
/// reconciliation finished, the quarter's periods locked, the return filed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuarterClose {
    /// Accrued costs, in months of the company's expected professional fees.
    pub accrual_months: u32,
    /// Code of the liability account the accrual is credited to; added to the
    /// chart as "Accrued liabilities" when the chart lacks it.
    pub accruals_account: String,
}

impl Overlay {
    pub fn cash_crunch(&self) -> Option<&CashCrunch> {
        match &self.effect {
            OverlayEffect::CashCrunch(c) => Some(c),
            OverlayEffect::QuarterClose(_) => None,
        }
    }

    pub fn quarter_close(&self) -> Option<&QuarterClose> {
        match &self.effect {
            OverlayEffect::QuarterClose(q) => Some(q),
            OverlayEffect::CashCrunch(_) => None,
        }
    }
}
