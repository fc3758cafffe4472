//! The deterministic ledger: turns a [`crate::model::Scenario`] into rows of
//! the reference schema and the books behind them.
//!
//! Input: a validated scenario and a [`RowSink`]. Output: rows in a stable order,
//! and one [`CompanyBooks`] per company. Invariants: every random choice comes
//! from a ChaCha stream keyed by the seed and the entity, so months up to any
//! date never depend on later months; every journal entry balances, no payment
//! exceeds the open amount, refunds never exceed what was paid, and at every
//! month end the AR and AP subledgers tie to their control accounts. A broken
//! invariant stops the simulation with a [`Violation`] naming document and date.

mod banking;
mod books;
mod calendar;
mod catalog;
mod company;
mod draw;
mod inventory;
mod keys;
mod ledger;
mod overlays;
mod parties;
mod payroll;
mod periods;
mod plans;
pub mod rows;
mod setup;
pub(crate) mod targets;
mod tax_returns;
mod treasury;

pub use books::{Aging, CompanyBooks, MonthEnd, TargetCheck};
pub use keys::Key;
pub use ledger::Violation;
pub use rows::{Row, RowSink, Table};

use crate::model::Scenario;

/// Simulates every company over the calendar window, emitting rows to `sink`.
pub fn run(scenario: &Scenario, sink: &mut dyn RowSink) -> Result<Vec<CompanyBooks>, Violation> {
    let start = scenario.calendar.start();
    let mut books = Vec::with_capacity(scenario.companies.len());
    for company in &scenario.companies {
        let mut sim = company::CompanySim::new(scenario, company, sink);
        sim.open(sink, start)?;
        for offset in 0..scenario.calendar.months {
            sim.simulate_month(sink, start, offset)?;
        }
        books.push(sim.finish());
    }
    Ok(books)
}
