//! The shipped dump loads with `psql -v ON_ERROR_STOP=1 -f` into a throwaway
//! PostgreSQL that holds the reference schema, and the books check out in SQL,
//! independently of demoforge's own arithmetic.

mod support;

use std::process::Command;

use support::TestDb;

const DUMP: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/generated/demo-travel-co/base-demo.sql"
);

fn loaded() -> (TestDb, postgres::Client) {
    let db = TestDb::new();
    db.apply_schema();
    let out = Command::new("psql")
        .args([
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            &db.url,
            "-f",
            DUMP,
        ])
        .output()
        .expect("run psql");
    assert!(
        out.status.success(),
        "psql failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let client = db.client();
    (db, client)
}

fn count(client: &mut postgres::Client, sql: &str) -> i64 {
    client
        .query_one(sql, &[])
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .get(0)
}

#[test]
fn dump_loads_and_its_books_hold_up_in_sql() {
    let (_db, mut c) = loaded();

    assert_eq!(
        count(&mut c, "SELECT count(*) FROM core.companies WHERE is_demo"),
        1
    );
    let journals = count(&mut c, "SELECT count(*) FROM ledger.journal_entries");
    assert!(
        journals > 5_000,
        "a lived-in ledger, got {journals} entries"
    );

    // Every journal entry balances and has at least two lines.
    let unbalanced = count(
        &mut c,
        "SELECT count(*) FROM (SELECT entry_id FROM ledger.journal_lines GROUP BY entry_id
           HAVING sum(debit) <> sum(credit) OR count(*) < 2) x",
    );
    assert_eq!(unbalanced, 0, "unbalanced journal entries");

    // AR and AP subledgers tie to their control accounts.
    let ar_gap = count(
        &mut c,
        "SELECT ((SELECT coalesce(sum(CASE kind WHEN 'invoice' THEN amount_due ELSE -amount_due END), 0)
                  FROM sales.invoices)
               - (SELECT sum(l.debit - l.credit) FROM ledger.journal_lines l
                  JOIN ledger.accounts a ON a.id = l.account_id WHERE a.purpose = 'accounts_receivable'))::bigint",
    );
    assert_eq!(ar_gap, 0, "AR subledger differs from its control account");
    let ap_gap = count(
        &mut c,
        "SELECT ((SELECT coalesce(sum(amount_due), 0) FROM purchasing.bills)
               - (SELECT sum(l.credit - l.debit) FROM ledger.journal_lines l
                  JOIN ledger.accounts a ON a.id = l.account_id WHERE a.purpose = 'accounts_payable'))::bigint",
    );
    assert_eq!(ap_gap, 0, "AP subledger differs from its control account");

    // No document is paid beyond its total, and amount_due agrees with payments.
    let overpaid = count(
        &mut c,
        "SELECT count(*) FROM sales.invoices i
           LEFT JOIN (SELECT invoice_id, sum(amount) paid FROM sales.payment_allocations GROUP BY 1) p
             ON p.invoice_id = i.id
          WHERE coalesce(p.paid, 0) > i.total
             OR (i.status <> 'written_off' AND i.amount_due <> i.total - coalesce(p.paid, 0))
             OR (i.status = 'written_off' AND i.amount_due <> 0)",
    );
    assert_eq!(overpaid, 0, "invoices overpaid or with a wrong amount_due");
    let overpaid_bills = count(
        &mut c,
        "SELECT count(*) FROM purchasing.bills b
           LEFT JOIN (SELECT bill_id, sum(amount) paid FROM purchasing.vendor_payment_allocations GROUP BY 1) p
             ON p.bill_id = b.id
          WHERE coalesce(p.paid, 0) > b.total OR b.amount_due <> b.total - coalesce(p.paid, 0)",
    );
    assert_eq!(
        overpaid_bills, 0,
        "bills overpaid or with a wrong amount_due"
    );

    // A credit note never exceeds what was paid on the invoice it credits.
    let over_credited = count(
        &mut c,
        "SELECT count(*) FROM sales.invoices cn JOIN sales.invoices inv ON inv.id = cn.credited_invoice_id
          WHERE cn.kind = 'credit_note' AND cn.total > inv.total - inv.amount_due",
    );
    assert_eq!(over_credited, 0);

    // Invoice numbers run without gaps within each fiscal-year prefix.
    let gaps = count(
        &mut c,
        "SELECT count(*) FROM (
           SELECT split_part(number, '-', 2) fy, max(split_part(number, '-', 3)::int) hi, count(*) n
             FROM sales.invoices WHERE kind = 'invoice' GROUP BY 1) x WHERE hi <> n",
    );
    assert_eq!(gaps, 0, "gaps in invoice numbering");
}

#[test]
fn every_row_belongs_to_the_demo_company() {
    let (_db, mut c) = loaded();
    let company: uuid::Uuid = c
        .query_one("SELECT id FROM core.companies", &[])
        .unwrap()
        .get(0);
    let tables = c
        .query(
            "SELECT table_schema || '.' || table_name FROM information_schema.columns
              WHERE column_name = 'company_id' AND table_schema IN ('core','ledger','catalog','sales','purchasing','banking','payroll','inventory')
              ORDER BY 1",
            &[],
        )
        .unwrap();
    assert!(tables.len() >= 19, "every tenant table has company_id");
    for row in tables {
        let table: String = row.get(0);
        let foreign = count(
            &mut c,
            &format!("SELECT count(*) FROM {table} WHERE company_id <> '{company}'"),
        );
        assert_eq!(foreign, 0, "{table} has rows of another company");
    }
}

#[test]
fn aging_leaves_balances_in_every_bucket() {
    let (_db, mut c) = loaded();
    let buckets = c
        .query(
            "SELECT CASE WHEN d <= 0 THEN 'current' WHEN d <= 30 THEN '1-30' WHEN d <= 60 THEN '31-60'
                         WHEN d <= 90 THEN '61-90' ELSE '90+' END, count(*)
               FROM (SELECT DATE '2026-11-15' - due_date AS d FROM sales.invoices
                      WHERE kind = 'invoice' AND amount_due > 0) x GROUP BY 1",
            &[],
        )
        .unwrap();
    let names: Vec<String> = buckets.iter().map(|r| r.get(0)).collect();
    for bucket in ["current", "1-30", "31-60", "61-90", "90+"] {
        assert!(
            names.iter().any(|n| n == bucket),
            "no open invoice aged {bucket}: {names:?}"
        );
    }
}

#[test]
fn banking_payroll_stock_and_tax_hold_up_in_sql() {
    let (_db, mut c) = loaded();

    // Every reconciliation ties: statement plus items in transit is the book balance,
    // and the book balance is what the ledger says on the statement date.
    let untied = count(
        &mut c,
        "SELECT count(*) FROM banking.reconciliations r
           JOIN banking.bank_accounts b ON b.id = r.bank_account_id
          WHERE r.book_balance <> (SELECT coalesce(sum(l.debit - l.credit), 0) FROM ledger.journal_lines l
                                     JOIN ledger.journal_entries e ON e.id = l.entry_id
                                    WHERE l.account_id = b.account_id AND e.entry_date <= r.statement_date)",
    );
    assert_eq!(
        untied, 0,
        "reconciliations whose book balance is not the ledger's"
    );
    let statuses = count(
        &mut c,
        "SELECT count(DISTINCT status) FROM banking.reconciliations",
    );
    assert_eq!(
        statuses, 2,
        "past months reconciled and the current one in progress"
    );
    let unmatched = count(
        &mut c,
        "SELECT count(*) FROM banking.statement_lines WHERE reconciliation_id IS NULL",
    );
    assert!(unmatched > 0, "the current month has unmatched lines");

    // Payslips add up and runs are the sum of their payslips.
    let bad_runs = count(
        &mut c,
        "SELECT count(*) FROM payroll.runs r
          WHERE r.net <> (SELECT sum(net) FROM payroll.payslips p WHERE p.run_id = r.id)
             OR r.gross <> (SELECT sum(gross) FROM payroll.payslips p WHERE p.run_id = r.id)",
    );
    assert_eq!(bad_runs, 0);

    // Stock never goes negative, movement by movement, per product.
    let negative = count(
        &mut c,
        "SELECT count(*) FROM (
           SELECT sum(quantity) OVER (PARTITION BY product_id ORDER BY moved_on, kind <> 'receipt', id
                                      ROWS UNBOUNDED PRECEDING) AS on_hand
             FROM inventory.stock_movements) x WHERE on_hand < 0",
    );
    assert_eq!(negative, 0, "stock went negative");
    let stock_gap = count(
        &mut c,
        "SELECT ((SELECT coalesce(sum(total_cost), 0) FROM inventory.stock_movements)
               - (SELECT sum(l.debit - l.credit) FROM ledger.journal_lines l
                  JOIN ledger.accounts a ON a.id = l.account_id WHERE a.purpose = 'inventory'))::bigint",
    );
    assert_eq!(
        stock_gap, 0,
        "stock movements differ from the inventory account"
    );

    // Tax returns net output against input, and periods before the current month are locked.
    let returns = count(
        &mut c,
        "SELECT count(*) FROM ledger.tax_returns WHERE status = 'paid'",
    );
    assert!(
        returns >= 4,
        "quarterly returns filed and paid, got {returns}"
    );
    let unlocked = count(
        &mut c,
        "SELECT count(*) FROM ledger.periods WHERE ends_on < DATE '2026-11-01' AND NOT locked",
    );
    assert_eq!(unlocked, 0);
}
