//! The preview as plain-text tables for a terminal.

use std::fmt::Write;

use super::format::money;
use super::{AgingReport, BalanceLine, CompanyPreview, Preview};

/// Left-aligned first columns, right-aligned amounts.
struct Grid {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    /// Number of leading text columns; the rest are right-aligned.
    text_columns: usize,
}

impl Grid {
    fn new(header: &[&str], text_columns: usize) -> Grid {
        Grid {
            header: header.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
            text_columns,
        }
    }

    fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    fn write(&self, out: &mut String) {
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let line = |out: &mut String, cells: &[String]| {
            let mut text = String::new();
            for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
                if i > 0 {
                    text.push_str("  ");
                }
                if i < self.text_columns {
                    let _ = write!(text, "{cell:<w$}");
                } else {
                    let _ = write!(text, "{cell:>w$}");
                }
            }
            let _ = writeln!(out, "  {}", text.trim_end());
        };
        line(out, &self.header);
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        line(out, &rule);
        for row in &self.rows {
            line(out, row);
        }
    }
}

pub fn render(preview: &Preview) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: books as of {} (window from {})",
        preview.scenario, preview.as_of, preview.window_start
    );
    for company in &preview.companies {
        out.push('\n');
        write_company(&mut out, company);
    }
    out
}

fn write_company(out: &mut String, c: &CompanyPreview) {
    let title = format!("{} ({})", c.name, c.currency);
    let _ = writeln!(out, "{title}\n{}", "=".repeat(title.chars().count()));

    let _ = writeln!(out, "\nTrial balance");
    let mut grid = Grid::new(&["code", "account", "kind", "debit", "credit"], 3);
    for l in &c.trial_balance.lines {
        grid.row(vec![
            l.code.clone(),
            l.name.clone(),
            l.kind.to_owned(),
            blank_zero(l.debit.0),
            blank_zero(l.credit.0),
        ]);
    }
    grid.row(vec![
        String::new(),
        "Total".into(),
        String::new(),
        money(c.trial_balance.total_debit.0),
        money(c.trial_balance.total_credit.0),
    ]);
    grid.write(out);

    let _ = writeln!(out, "\nProfit and loss by month (year-end closes excluded)");
    let mut grid = Grid::new(&["month", "income", "expenses", "profit"], 1);
    let (mut income, mut expenses) = (0, 0);
    for m in &c.profit_and_loss {
        income += m.income.0;
        expenses += m.expenses.0;
        grid.row(vec![
            m.month.clone(),
            money(m.income.0),
            money(m.expenses.0),
            money(m.profit.0),
        ]);
    }
    grid.row(vec![
        "Total".into(),
        money(income),
        money(expenses),
        money(income - expenses),
    ]);
    grid.write(out);

    let bs = &c.balance_sheet;
    let _ = writeln!(out, "\nBalance sheet");
    let mut grid = Grid::new(&["code", "account", "amount"], 2);
    let section = |grid: &mut Grid, name: &str, lines: &[BalanceLine]| {
        grid.row(vec![String::new(), name.to_owned(), String::new()]);
        for l in lines {
            grid.row(vec![l.code.clone(), l.name.clone(), money(l.amount.0)]);
        }
    };
    let total = |grid: &mut Grid, name: &str, amount: i64| {
        grid.row(vec![String::new(), name.to_owned(), money(amount)]);
    };
    section(&mut grid, "Assets", &bs.assets);
    total(&mut grid, "Total assets", bs.total_assets.0);
    section(&mut grid, "Liabilities", &bs.liabilities);
    total(&mut grid, "Total liabilities", bs.total_liabilities.0);
    section(&mut grid, "Equity", &bs.equity);
    grid.row(vec![
        String::new(),
        "Current-year profit (since last close)".into(),
        money(bs.current_year_profit.0),
    ]);
    total(&mut grid, "Total equity", bs.total_equity.0);
    total(
        &mut grid,
        "Total liabilities and equity",
        bs.total_liabilities_and_equity.0,
    );
    grid.write(out);

    let _ = writeln!(out, "\nCash position");
    let mut grid = Grid::new(&["code", "account", "kind", "balance"], 3);
    for l in &c.cash.accounts {
        grid.row(vec![
            l.code.clone(),
            l.name.clone(),
            l.kind.replace('_', " "),
            money(l.balance.0),
        ]);
    }
    grid.row(vec![
        String::new(),
        "Net cash".into(),
        String::new(),
        money(c.cash.net.0),
    ]);
    grid.write(out);

    let _ = writeln!(out, "\nAging (days overdue)");
    let mut grid = Grid::new(
        &[
            "ledger", "current", "1-30", "31-60", "61-90", "90+", "total",
        ],
        1,
    );
    for (name, aging) in [("receivable", &c.receivables), ("payable", &c.payables)] {
        grid.row(aging_row(name, aging));
    }
    grid.write(out);
}

fn aging_row(name: &str, aging: &AgingReport) -> Vec<String> {
    let mut row = vec![name.to_owned()];
    row.extend(aging.buckets().iter().map(|(_, a)| money(a.0)));
    row.push(money(aging.total.0));
    row
}

fn blank_zero(minor: i64) -> String {
    if minor == 0 {
        String::new()
    } else {
        money(minor)
    }
}
