//! The simulated ledger as a plain-text accounting journal (hledger or
//! beancount), so that two independent tools can check the books.
//!
//! Input: a validated [`Scenario`]. Output: journal text with every company's
//! accounts, every journal entry (tagged with its journal number and source
//! document) and balance assertions on the bank, receivable and payable
//! accounts at every month end, taken from the simulation's own subledgers
//! ([`MonthEnd`]), not from the journal. Invariants: pure and deterministic:
//! entries keep the simulation's order within a date, no clock, no hash order;
//! money stays in integer minor units.
//!
//! Several companies share one journal: every account sits under a
//! company-specific component, `Assets:Demo-Travel-Co:1000-...`.

pub mod accounts;
mod beancount;
mod hledger;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use uuid::Uuid;

use crate::model::MoveError;
use crate::model::{Money, Scenario};
use crate::simulate::{self, MonthEnd, Row, RowSink, Violation};

/// The journal dialect to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Hledger,
    Beancount,
}

#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ExportError {
    #[error("the simulation broke an accounting invariant")]
    Unsound(#[from] Violation),
    #[error("cannot export {what}")]
    #[diagnostic(help("this is a bug in demoforge's export; please report it with the spec"))]
    Inconsistent { what: String },
    #[error("--at {date} is before the scenario's first day {start}")]
    #[diagnostic(help("pass a date on or after {start}"))]
    BeforeWindow { date: NaiveDate, start: NaiveDate },
    #[error("--at {date} is too far beyond the scenario's as_of")]
    #[diagnostic(help("pass a date on or before {latest} (as_of plus three years)"))]
    TooLate { date: NaiveDate, latest: NaiveDate },
}

fn inconsistent(what: impl Into<String>) -> ExportError {
    ExportError::Inconsistent { what: what.into() }
}

/// Everything a journal needs, gathered from one simulation.
#[derive(Debug)]
pub struct Ledger {
    pub slug: String,
    pub as_of: NaiveDate,
    /// First day of the window: where accounts open.
    pub start: NaiveDate,
    pub companies: Vec<CompanyLedger>,
}

#[derive(Debug)]
pub struct CompanyLedger {
    pub name: String,
    pub currency: String,
    pub accounts: Vec<LedgerAccount>,
    /// In date order; within a date, in the order the simulation posted them.
    pub entries: Vec<Entry>,
    /// The simulation's own debit-positive balance per account, chart order.
    pub balances: Vec<Money>,
    pub month_ends: Vec<MonthEnd>,
}

#[derive(Debug)]
pub struct LedgerAccount {
    pub code: String,
    pub name: String,
    /// Full journal name, e.g. `Assets:Demo-Travel-Co:1000-Business-Current-Account`.
    pub journal_name: String,
    pub purpose: Option<&'static str>,
}

#[derive(Debug)]
pub struct Entry {
    pub number: String,
    pub date: NaiveDate,
    pub description: String,
    /// Source document number, e.g. `INV-2026-00012`; may be empty.
    pub reference: String,
    pub source_type: &'static str,
    /// (account index in the company's chart, debit-positive amount).
    pub postings: Vec<(usize, Money)>,
}

/// A balance the journal asserts: `account` holds `amount` (debit-positive)
/// at the end of `date`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assertion {
    pub date: NaiveDate,
    pub account: usize,
    pub amount: Money,
}

impl CompanyLedger {
    /// Width of the longest journal account name, for aligned postings.
    pub fn name_width(&self) -> usize {
        self.accounts
            .iter()
            .map(|a| a.journal_name.len())
            .max()
            .unwrap_or(0)
    }

    fn account_with(&self, purpose: &str) -> Option<usize> {
        self.accounts
            .iter()
            .position(|a| a.purpose == Some(purpose))
    }

    /// Month-end assertions, in date order: each bank account at its
    /// reconciled balance, AR at the open customer documents and AP (a credit
    /// balance) at minus the open vendor bills.
    pub fn assertions(&self) -> Vec<Assertion> {
        let receivable = self.account_with("accounts_receivable");
        let payable = self.account_with("accounts_payable");
        let mut out = Vec::new();
        for m in &self.month_ends {
            let banks = m.banks.iter().map(|(code, amount)| {
                (self.accounts.iter().position(|a| &a.code == code), *amount)
            });
            let ledgers = [(receivable, m.receivable), (payable, -m.payable)];
            for (account, amount) in banks.chain(ledgers) {
                if let Some(account) = account {
                    out.push(Assertion {
                        date: m.date,
                        account,
                        amount,
                    });
                }
            }
        }
        out
    }
}

impl Ledger {
    /// Simulates `scenario` (moved to `at` when given) and gathers its ledger.
    pub fn collect(scenario: &Scenario, at: Option<NaiveDate>) -> Result<Ledger, ExportError> {
        let start = scenario.calendar.start();
        let moved;
        let scenario = match at {
            Some(date) => {
                moved = scenario.at(date).map_err(|e| match e {
                    MoveError::BeforeWindow { start } => ExportError::BeforeWindow { date, start },
                    MoveError::TooLate { latest } => ExportError::TooLate { date, latest },
                })?;
                &moved
            }
            None => scenario,
        };
        let mut collector = Collector::default();
        let books = simulate::run(scenario, &mut collector)?;
        if collector.orphans > 0 {
            return Err(inconsistent(format!(
                "{} rows that name an unknown company, account or entry",
                collector.orphans
            )));
        }
        if books.len() != collector.companies.len() {
            return Err(inconsistent(format!(
                "{} companies simulated but {} emitted",
                books.len(),
                collector.companies.len()
            )));
        }
        let mut companies = Vec::with_capacity(books.len());
        let mut company_names = accounts::UniqueNames::default();
        for (raw, books) in collector.companies.into_iter().zip(books) {
            if raw.name != books.name || raw.accounts.len() != books.balances.len() {
                return Err(inconsistent(format!(
                    "company {}: rows and books disagree",
                    raw.name
                )));
            }
            let company_component = company_names.claim(accounts::component(&raw.name));
            let mut names = accounts::UniqueNames::default();
            let mut ledger_accounts = Vec::with_capacity(raw.accounts.len());
            for (a, model) in raw.accounts.iter().zip(&books.accounts) {
                if a.code != model.code {
                    return Err(inconsistent(format!(
                        "account {} of {}: rows and books disagree",
                        a.code, raw.name
                    )));
                }
                let root = accounts::root(a.kind).ok_or_else(|| {
                    inconsistent(format!("account {} of kind {:?}", a.code, a.kind))
                })?;
                let leaf = names.claim(accounts::leaf(&a.code, &a.name));
                ledger_accounts.push(LedgerAccount {
                    code: a.code.clone(),
                    name: a.name.clone(),
                    journal_name: format!("{root}:{company_component}:{leaf}"),
                    purpose: a.purpose,
                });
            }
            let mut entries = raw.entries;
            // Stable: same-date entries keep the simulation's order.
            entries.sort_by_key(|e| e.date);
            companies.push(CompanyLedger {
                name: raw.name,
                currency: raw.currency,
                accounts: ledger_accounts,
                entries,
                balances: books.balances,
                month_ends: books.month_ends,
            });
        }
        Ok(Ledger {
            slug: scenario.slug.clone(),
            as_of: scenario.calendar.as_of,
            start,
            companies,
        })
    }

    /// The journal text in `format`.
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Hledger => hledger::render(self),
            Format::Beancount => beancount::render(self),
        }
    }

    pub fn transaction_count(&self) -> usize {
        self.companies.iter().map(|c| c.entries.len()).sum()
    }

    /// The simulation's own trial balance under journal account names, with
    /// the currency: what hledger and beancount must reproduce from the journal.
    pub fn trial_balance(&self) -> Vec<(String, Money, String)> {
        self.companies
            .iter()
            .flat_map(|c| {
                c.accounts
                    .iter()
                    .zip(&c.balances)
                    .map(|(a, &b)| (a.journal_name.clone(), b, c.currency.clone()))
            })
            .collect()
    }
}

/// Simulates and renders in one step.
pub fn export(
    scenario: &Scenario,
    format: Format,
    at: Option<NaiveDate>,
) -> Result<String, ExportError> {
    Ok(Ledger::collect(scenario, at)?.render(format))
}

/// Rows as emitted, before names are assigned.
#[derive(Default)]
struct Collector {
    companies: Vec<RawCompany>,
    company_index: BTreeMap<Uuid, usize>,
    /// account id → (company index, chart index)
    account_index: BTreeMap<Uuid, (usize, usize)>,
    /// entry id → (company index, entry index)
    entry_index: BTreeMap<Uuid, (usize, usize)>,
    /// A row that could not be placed; reported instead of guessed.
    orphans: usize,
}

struct RawCompany {
    name: String,
    currency: String,
    accounts: Vec<RawAccount>,
    entries: Vec<Entry>,
}

struct RawAccount {
    code: String,
    name: String,
    kind: &'static str,
    purpose: Option<&'static str>,
}

impl RowSink for Collector {
    fn row(&mut self, row: Row<'_>) {
        match row {
            Row::Company(c) => {
                self.company_index.insert(c.id, self.companies.len());
                self.companies.push(RawCompany {
                    name: c.name.clone(),
                    currency: c.currency.clone(),
                    accounts: Vec::new(),
                    entries: Vec::new(),
                });
            }
            Row::Account(a) => {
                let Some(&ci) = self.company_index.get(&a.company_id) else {
                    self.orphans += 1;
                    return;
                };
                let company = &mut self.companies[ci];
                self.account_index
                    .insert(a.id, (ci, company.accounts.len()));
                company.accounts.push(RawAccount {
                    code: a.code.clone(),
                    name: a.name.clone(),
                    kind: a.kind,
                    purpose: a.purpose,
                });
            }
            Row::JournalEntry(e) => {
                let Some(&ci) = self.company_index.get(&e.company_id) else {
                    self.orphans += 1;
                    return;
                };
                let company = &mut self.companies[ci];
                self.entry_index.insert(e.id, (ci, company.entries.len()));
                company.entries.push(Entry {
                    number: e.number.clone(),
                    date: e.date,
                    description: e.description.clone(),
                    reference: e.reference.clone(),
                    source_type: e.source_type,
                    postings: Vec::new(),
                });
            }
            Row::JournalLine(l) => {
                let (Some(&(ci, ei)), Some(&(ca, ai))) = (
                    self.entry_index.get(&l.entry_id),
                    self.account_index.get(&l.account_id),
                ) else {
                    self.orphans += 1;
                    return;
                };
                if ci != ca {
                    self.orphans += 1;
                    return;
                }
                self.companies[ci].entries[ei]
                    .postings
                    .push((ai, l.debit - l.credit));
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn account(code: &str, root: &str, purpose: Option<&'static str>) -> LedgerAccount {
        LedgerAccount {
            code: code.into(),
            name: code.into(),
            journal_name: format!("{root}:Co:{code}"),
            purpose,
        }
    }

    /// Bank, AR, AP and income; one receipt on the month end.
    fn ledger() -> Ledger {
        let entry = |number: &str, date, postings| Entry {
            number: number.into(),
            date,
            description: "Receipt; \"quoted\"".into(),
            reference: "INV-2026-00012".into(),
            source_type: "receipt",
            postings,
        };
        Ledger {
            slug: "s".into(),
            as_of: d(2026, 2, 10),
            start: d(2026, 1, 1),
            companies: vec![CompanyLedger {
                name: "Co".into(),
                currency: "GBP".into(),
                accounts: vec![
                    account("1000", "Assets", Some("bank")),
                    account("1100", "Assets", Some("accounts_receivable")),
                    account("2000", "Liabilities", Some("accounts_payable")),
                    account("4000", "Income", None),
                ],
                entries: vec![
                    entry(
                        "JE-1",
                        d(2026, 1, 31),
                        vec![(1, Money(1250)), (3, Money(-1250))],
                    ),
                    entry(
                        "JE-2",
                        d(2026, 2, 3),
                        vec![(0, Money(1250)), (1, Money(-1250))],
                    ),
                ],
                balances: vec![Money(1250), Money::ZERO, Money::ZERO, Money(-1250)],
                month_ends: vec![
                    MonthEnd {
                        date: d(2026, 1, 31),
                        receivable: Money(1250),
                        payable: Money(700),
                        banks: vec![("1000".into(), Money::ZERO)],
                    },
                    MonthEnd {
                        date: d(2026, 2, 10),
                        receivable: Money::ZERO,
                        payable: Money::ZERO,
                        banks: vec![("1000".into(), Money(1250))],
                    },
                ],
            }],
        }
    }

    #[test]
    fn assertions_cover_bank_ar_and_ap_with_ap_as_a_credit() {
        let assertions = ledger().companies[0].assertions();
        let first: Vec<(usize, Money)> = assertions
            .iter()
            .filter(|a| a.date == d(2026, 1, 31))
            .map(|a| (a.account, a.amount))
            .collect();
        assert_eq!(
            first,
            vec![(0, Money::ZERO), (1, Money(1250)), (2, Money(-700))]
        );
        assert_eq!(assertions.len(), 6);
    }

    #[test]
    fn hledger_asserts_after_the_same_date_entries() {
        let text = ledger().render(Format::Hledger);
        let entry = text.find("2026-01-31 (JE-1) Receipt, \"quoted\"").unwrap();
        let assertion = text.find("2026-01-31 Month-end").unwrap();
        let next = text.find("2026-02-03 (JE-2)").unwrap();
        assert!(entry < assertion && assertion < next, "{text}");
        assert!(text.contains("; doc:INV-2026-00012, source:receipt\n"));
        assert!(
            text.contains("    Liabilities:Co:2000          0.00 GBP = -7.00 GBP\n"),
            "{text}"
        );
        assert!(text.contains("2026-02-10 Month-end"), "{text}");
        assert!(text.contains("commodity 1000.00 GBP\n"));
        assert!(text.contains("account Income:Co:4000  ; code:4000\n"));
    }

    #[test]
    fn beancount_checks_balances_the_morning_after() {
        let text = ledger().render(Format::Beancount);
        assert!(text.contains("2026-02-01 balance Liabilities:Co:2000 -7.00 GBP\n"));
        assert!(text.contains("2026-02-11 balance Assets:Co:1000 12.50 GBP\n"));
        assert!(!text.contains("2026-01-31 balance"));
        assert!(text.contains(
            "2026-01-31 * \"Receipt; \\\"quoted\\\"\" ^INV-2026-00012\n  je: \"JE-1\"\n"
        ));
        assert!(text.contains("2026-01-01 open Assets:Co:1000 GBP\n"));
        assert!(text.contains("option \"operating_currency\" \"GBP\"\n"));
    }

    #[test]
    fn trial_balance_names_accounts_as_the_journal_does() {
        let tb = ledger().trial_balance();
        assert_eq!(tb[0], ("Assets:Co:1000".into(), Money(1250), "GBP".into()));
        assert_eq!(tb.len(), 4);
    }
}
