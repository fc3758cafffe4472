-- Independent audit of one team's books in the `laravel-mysql` target schema
-- (templates/laravel-mysql/schema.sql.j2, filled through
-- templates/laravel-mysql/target.yaml), on MariaDB 10.6+ or MySQL 8.0+.
-- It is tests/sql/laravel_books.sql (the PostgreSQL audit) check for check,
-- in MySQL's SQL, plus three checks that file does not make (15 to 17).
--
--   mariadb --batch --skip-column-names \
--       -e "SET @team_id = <teams.id>; source tests/sql/laravel_books_mysql.sql" DB
--
-- or pipe `SET @team_id = <teams.id>;` followed by this file into the client.
-- The team is the user variable @team_id. A user variable is a value, never
-- pasted text, so no cast is needed against injection; when it is unset
-- (NULL) or names no team, check 0 reports it.
--
-- Every query below returns ZERO rows when the books are sound. A row is a
-- finding: check_name, the subject (which row or which total), what was
-- expected and what was found. The checks mirror the ones tests/dump_loads.rs
-- runs on the reference schema (docs/books.md lists the invariants), restated
-- for the mapped shapes: one signed journal amount instead of debit/credit,
-- invoices, credit notes and bills in `documents`, receipts, refunds and
-- vendor payments in `payments`, integer ids, money in cents.
--
-- Everything is computed from the rows alone, never from demoforge's own
-- figures, and is scoped to the one team. Soft-deleted documents and
-- payments (deleted_at set) are left out, as Eloquent's SoftDeletes scope
-- leaves them out of the app; demoforge writes none.
--
-- Document status is the app's integer enum (value map in target.yaml):
-- 1 open, 2 partially paid, 3 paid, 4 refunded, 5 written off.
--
-- What MySQL spells differently from the PostgreSQL file:
-- - CONCAT() instead of `||` (which is OR unless PIPES_AS_CONCAT is set);
-- - CAST(… AS SIGNED) instead of ::bigint (SUM of a bigint is a DECIMAL);
-- - check 11 uses a correlated subquery: MariaDB has no LATERAL join;
-- - the morph class names (App\Models\…) are built with CHAR(92), a
--   backslash, because what a '\' in a literal means depends on the
--   session's NO_BACKSLASH_ESCAPES, and this file must not depend on it;
-- - the tables are utf8mb4_unicode_ci, so comparisons with the enum-like
--   strings ('invoice', 'vendor', …) ignore case, as the app's queries do.

-- 0. The team exists. Without this, an unknown (or unset) @team_id would
--    pass every check vacuously.
SELECT 'team_missing' AS check_name,
       CONCAT('teams ', COALESCE(@team_id, 'NULL (set @team_id first)')) AS subject,
       1 AS expected, 0 AS actual
FROM DUAL
WHERE NOT EXISTS (SELECT 1 FROM teams WHERE id = @team_id);

-- 1. Every journal entry balances: its signed line amounts (debit positive,
--    credit negative) sum to zero, and it has at least two lines.
SELECT 'journal_entry_unbalanced' AS check_name,
       CONCAT('journal entry ', e.number, ' (', COUNT(l.id), ' lines)') AS subject,
       0 AS expected, CAST(COALESCE(SUM(l.amount), 0) AS SIGNED) AS actual
FROM journal_entries e
LEFT JOIN journal_lines l ON l.journal_entry_id = e.id
WHERE e.team_id = @team_id
GROUP BY e.id, e.number
HAVING COALESCE(SUM(l.amount), 0) <> 0 OR COUNT(l.id) < 2;

-- 2. Accounts receivable: the control account(s) (accounts.purpose =
--    'accounts_receivable') hold exactly what customers still owe. An
--    invoice's open amount_due is owed to us; a credit note's open amount_due
--    (a refund not yet paid out) is owed by us, so it counts negative. AR is
--    debit-normal, so its balance is the plain sum of the signed amounts.
WITH control AS (
    SELECT COALESCE(SUM(l.amount), 0) AS balance
    FROM journal_lines l
    JOIN accounts a ON a.id = l.account_id
    WHERE l.team_id = @team_id AND a.team_id = @team_id AND a.purpose = 'accounts_receivable'
), subledger AS (
    SELECT COALESCE(SUM(CASE d.type WHEN 'invoice' THEN d.amount_due ELSE -d.amount_due END), 0) AS open
    FROM documents d
    WHERE d.team_id = @team_id AND d.type IN ('invoice', 'credit_note') AND d.deleted_at IS NULL
)
SELECT 'ar_control_mismatch' AS check_name,
       'accounts receivable: open customer documents vs control account' AS subject,
       CAST(subledger.open AS SIGNED) AS expected, CAST(control.balance AS SIGNED) AS actual
FROM control, subledger
WHERE control.balance <> subledger.open;

-- 3. Accounts payable: the same for vendors. AP is credit-normal, so its
--    balance is minus the sum of the signed amounts, and it equals what is
--    still open on bills.
WITH control AS (
    SELECT -COALESCE(SUM(l.amount), 0) AS balance
    FROM journal_lines l
    JOIN accounts a ON a.id = l.account_id
    WHERE l.team_id = @team_id AND a.team_id = @team_id AND a.purpose = 'accounts_payable'
), subledger AS (
    SELECT COALESCE(SUM(d.amount_due), 0) AS open
    FROM documents d
    WHERE d.team_id = @team_id AND d.type = 'bill' AND d.deleted_at IS NULL
)
SELECT 'ap_control_mismatch' AS check_name,
       'accounts payable: open bills vs control account' AS subject,
       CAST(subledger.open AS SIGNED) AS expected, CAST(control.balance AS SIGNED) AS actual
FROM control, subledger
WHERE control.balance <> subledger.open;

-- 4. No payment allocation exceeds its document's total, one by one...
SELECT 'allocation_exceeds_document' AS check_name,
       CONCAT('payment_allocations ', pa.id, ' on ', d.type, ' ', d.number) AS subject,
       d.total AS expected, pa.amount AS actual
FROM payment_allocations pa
JOIN documents d ON d.id = pa.document_id
WHERE pa.team_id = @team_id AND pa.amount > d.total;

-- 5. ...nor all together: a document is never settled beyond its total, and
--    amount_due is exactly what its allocations leave open (total minus
--    allocated), except that a written-off invoice (status 5) has nothing
--    left open.
WITH allocated AS (
    SELECT pa.document_id, SUM(pa.amount) AS amount
    FROM payment_allocations pa
    JOIN payments p ON p.id = pa.payment_id
    WHERE pa.team_id = @team_id AND p.deleted_at IS NULL
    GROUP BY pa.document_id
)
SELECT CASE WHEN COALESCE(a.amount, 0) > d.total THEN 'document_overpaid'
            ELSE 'document_amount_due_mismatch' END AS check_name,
       CONCAT(d.type, ' ', d.number, ' (total ', d.total, ', allocated ', COALESCE(a.amount, 0), ')') AS subject,
       CAST(CASE WHEN COALESCE(a.amount, 0) > d.total THEN d.total
                 WHEN d.status = 5 THEN 0
                 ELSE d.total - COALESCE(a.amount, 0) END AS SIGNED) AS expected,
       CAST(CASE WHEN COALESCE(a.amount, 0) > d.total THEN COALESCE(a.amount, 0)
                 ELSE d.amount_due END AS SIGNED) AS actual
FROM documents d
LEFT JOIN allocated a ON a.document_id = d.id
WHERE d.team_id = @team_id AND d.deleted_at IS NULL
  AND (COALESCE(a.amount, 0) > d.total
       OR (d.status <> 5 AND d.amount_due <> d.total - COALESCE(a.amount, 0))
       OR (d.status = 5 AND d.amount_due <> 0));

-- 6. No payment is allocated beyond its own amount.
SELECT 'payment_overallocated' AS check_name,
       CONCAT('payments ', p.id, ' (', p.type, ' ', p.reference, ')') AS subject,
       p.amount AS expected, CAST(SUM(pa.amount) AS SIGNED) AS actual
FROM payments p
JOIN payment_allocations pa ON pa.payment_id = p.id
WHERE p.team_id = @team_id
GROUP BY p.id, p.type, p.reference, p.amount
HAVING SUM(pa.amount) > p.amount;

-- 7. The polymorphic tables stay consistent: an allocation pairs a payment
--    and a document of the same contact and of matching kinds (a receipt
--    settles an invoice, a refund a credit note, a vendor payment a bill),
--    and the payment's direction agrees with its type.
SELECT 'allocation_mismatch' AS check_name,
       CONCAT('payment_allocations ', pa.id, ': ', p.type, '/', p.direction,
              ' of contact ', p.contact_id, ' on ', d.type, ' of contact ', d.contact_id) AS subject,
       NULL AS expected, NULL AS actual
FROM payment_allocations pa
JOIN payments p ON p.id = pa.payment_id
JOIN documents d ON d.id = pa.document_id
WHERE pa.team_id = @team_id
  AND (p.contact_id <> d.contact_id
       OR (p.type, p.direction, d.type) NOT IN (('receipt', 'in', 'invoice'),
                                                ('refund', 'out', 'credit_note'),
                                                ('payment', 'out', 'bill')));

-- 8. Customers and vendors share `contacts`: invoices, credit notes,
--    receipts and refunds belong to customers; bills and vendor payments to
--    vendors.
SELECT 'contact_type_mismatch' AS check_name,
       CONCAT(x.what, ' of ', c.type, ' ', c.number) AS subject,
       NULL AS expected, NULL AS actual
FROM (
    SELECT CONCAT(d.type, ' ', d.number) AS what, d.contact_id,
           CASE d.type WHEN 'bill' THEN 'vendor' ELSE 'customer' END AS wanted
    FROM documents d WHERE d.team_id = @team_id
    UNION ALL
    SELECT CONCAT(p.type, ' ', p.reference), p.contact_id,
           CASE p.type WHEN 'payment' THEN 'vendor' ELSE 'customer' END
    FROM payments p WHERE p.team_id = @team_id
) x
JOIN contacts c ON c.id = x.contact_id
WHERE c.type <> x.wanted;

-- 9. A document's status agrees with its amounts: open (1) means nothing
--    settled yet, partially paid (2) something left open, paid (3), refunded
--    (4) and written off (5) nothing left open.
SELECT 'document_status_mismatch' AS check_name,
       CONCAT(d.type, ' ', d.number, ' status ', d.status, ' (total ', d.total, ')') AS subject,
       CAST(CASE d.status WHEN 1 THEN d.total WHEN 2 THEN NULL ELSE 0 END AS SIGNED) AS expected,
       d.amount_due AS actual
FROM documents d
WHERE d.team_id = @team_id AND d.deleted_at IS NULL
  AND NOT CASE d.status
              WHEN 1 THEN d.amount_due = d.total
              WHEN 2 THEN d.amount_due > 0 AND d.amount_due < d.total
              WHEN 3 THEN d.amount_due = 0
              WHEN 4 THEN d.amount_due = 0 AND d.type = 'credit_note'
              WHEN 5 THEN d.amount_due = 0 AND d.type = 'invoice'
              ELSE FALSE
          END;

-- 10. A credit note never exceeds what was paid on the invoice it credits.
SELECT 'credit_note_exceeds_paid' AS check_name,
       CONCAT('credit note ', cn.number, ' on invoice ', inv.number) AS subject,
       inv.total - inv.amount_due AS expected, cn.total AS actual
FROM documents cn
JOIN documents inv ON inv.id = cn.credited_document_id
WHERE cn.team_id = @team_id AND cn.type = 'credit_note' AND cn.deleted_at IS NULL
  AND (inv.type <> 'invoice' OR cn.total > inv.total - inv.amount_due);

-- 11. Every reconciliation ties: its book balance is what the ledger says for
--     the bank account's ledger account on the statement date.
SELECT 'reconciliation_book_balance_mismatch' AS check_name,
       CONCAT('bank account ', r.bank_name, ' on ', r.statement_date) AS subject,
       CAST(r.ledger_balance AS SIGNED) AS expected, r.book_balance AS actual
FROM (
    SELECT b.name AS bank_name, r.statement_date, r.book_balance,
           (SELECT COALESCE(SUM(l.amount), 0)
            FROM journal_lines l
            JOIN journal_entries e ON e.id = l.journal_entry_id
            WHERE l.team_id = @team_id AND l.account_id = b.account_id
              AND e.entry_date <= r.statement_date) AS ledger_balance
    FROM reconciliations r
    JOIN bank_accounts b ON b.id = r.bank_account_id
    WHERE r.team_id = @team_id
) r
WHERE r.book_balance <> r.ledger_balance;

-- 12. The stock's value (every movement's signed total_cost) equals the
--     inventory account.
WITH stock AS (
    SELECT COALESCE(SUM(total_cost), 0) AS value FROM stock_movements WHERE team_id = @team_id
), control AS (
    SELECT COALESCE(SUM(l.amount), 0) AS balance
    FROM journal_lines l
    JOIN accounts a ON a.id = l.account_id
    WHERE l.team_id = @team_id AND a.team_id = @team_id AND a.purpose = 'inventory'
)
SELECT 'inventory_control_mismatch' AS check_name,
       'stock movements vs inventory account' AS subject,
       CAST(stock.value AS SIGNED) AS expected, CAST(control.balance AS SIGNED) AS actual
FROM stock, control
WHERE stock.value <> control.balance;

-- 13. Morphs resolve: a journal entry's or stock movement's sourceable_type
--     and sourceable_id are both set or both NULL, and when set they name a
--     row of the same team. The class names are App\Models\<Model>, the
--     backslash written CHAR(92) (see the top of this file); the comparison
--     is binary, so only the exact class name passes.
SELECT 'sourceable_unresolved' AS check_name,
       CONCAT(s.tbl, ' ', s.id, ': ', COALESCE(s.sourceable_type, 'NULL'), ' ',
              COALESCE(s.sourceable_id, 'NULL')) AS subject,
       NULL AS expected, NULL AS actual
FROM (
    SELECT 'journal_entries' AS tbl, id, sourceable_type, sourceable_id
    FROM journal_entries WHERE team_id = @team_id
    UNION ALL
    SELECT 'stock_movements', id, sourceable_type, sourceable_id
    FROM stock_movements WHERE team_id = @team_id
) s
WHERE (s.sourceable_type IS NULL) <> (s.sourceable_id IS NULL)
   OR (s.sourceable_type IS NOT NULL AND NOT CASE BINARY s.sourceable_type
           WHEN CONCAT_WS(CHAR(92), 'App', 'Models', 'Document')
               THEN EXISTS (SELECT 1 FROM documents WHERE id = s.sourceable_id AND team_id = @team_id)
           WHEN CONCAT_WS(CHAR(92), 'App', 'Models', 'Payment')
               THEN EXISTS (SELECT 1 FROM payments WHERE id = s.sourceable_id AND team_id = @team_id)
           WHEN CONCAT_WS(CHAR(92), 'App', 'Models', 'PayrollRun')
               THEN EXISTS (SELECT 1 FROM payroll_runs WHERE id = s.sourceable_id AND team_id = @team_id)
           WHEN CONCAT_WS(CHAR(92), 'App', 'Models', 'TaxReturn')
               THEN EXISTS (SELECT 1 FROM tax_returns WHERE id = s.sourceable_id AND team_id = @team_id)
           WHEN CONCAT_WS(CHAR(92), 'App', 'Models', 'Team')
               THEN s.sourceable_id = @team_id
           ELSE FALSE
       END);

-- 14. Tenant isolation: the foreign keys reference `id` alone, so the
--     database does not stop a row of this team from pointing at another
--     team's row. Every reference from this team's rows stays inside it.
SELECT 'cross_team_reference' AS check_name,
       CONCAT(x.ref, ' ', x.id, ' -> team ', x.other_team) AS subject,
       @team_id AS expected, x.other_team AS actual
FROM (
    SELECT 'role_permissions.role_id' AS ref, c.id, p.team_id AS other_team
      FROM role_permissions c JOIN roles p ON p.id = c.role_id WHERE c.team_id = @team_id
    UNION ALL SELECT 'team_user.user_id', c.id, p.team_id
      FROM team_user c JOIN users p ON p.id = c.user_id WHERE c.team_id = @team_id
    UNION ALL SELECT 'team_user.role_id', c.id, p.team_id
      FROM team_user c JOIN roles p ON p.id = c.role_id WHERE c.team_id = @team_id
    UNION ALL SELECT 'periods.fiscal_year_id', c.id, p.team_id
      FROM periods c JOIN fiscal_years p ON p.id = c.fiscal_year_id WHERE c.team_id = @team_id
    UNION ALL SELECT 'bank_accounts.account_id', c.id, p.team_id
      FROM bank_accounts c JOIN accounts p ON p.id = c.account_id WHERE c.team_id = @team_id
    UNION ALL SELECT 'products.tax_rate_id', c.id, p.team_id
      FROM products c JOIN tax_rates p ON p.id = c.tax_rate_id WHERE c.team_id = @team_id
    UNION ALL SELECT 'products.income_account_id', c.id, p.team_id
      FROM products c JOIN accounts p ON p.id = c.income_account_id WHERE c.team_id = @team_id
    UNION ALL SELECT 'contacts.expense_account_id', c.id, p.team_id
      FROM contacts c JOIN accounts p ON p.id = c.expense_account_id WHERE c.team_id = @team_id
    UNION ALL SELECT 'documents.contact_id', c.id, p.team_id
      FROM documents c JOIN contacts p ON p.id = c.contact_id WHERE c.team_id = @team_id
    UNION ALL SELECT 'documents.credited_document_id', c.id, p.team_id
      FROM documents c JOIN documents p ON p.id = c.credited_document_id WHERE c.team_id = @team_id
    UNION ALL SELECT 'document_lines.document_id', c.id, p.team_id
      FROM document_lines c JOIN documents p ON p.id = c.document_id WHERE c.team_id = @team_id
    UNION ALL SELECT 'document_lines.product_id', c.id, p.team_id
      FROM document_lines c JOIN products p ON p.id = c.product_id WHERE c.team_id = @team_id
    UNION ALL SELECT 'document_lines.tax_rate_id', c.id, p.team_id
      FROM document_lines c JOIN tax_rates p ON p.id = c.tax_rate_id WHERE c.team_id = @team_id
    UNION ALL SELECT 'document_lines.account_id', c.id, p.team_id
      FROM document_lines c JOIN accounts p ON p.id = c.account_id WHERE c.team_id = @team_id
    UNION ALL SELECT 'payments.contact_id', c.id, p.team_id
      FROM payments c JOIN contacts p ON p.id = c.contact_id WHERE c.team_id = @team_id
    UNION ALL SELECT 'payment_allocations.payment_id', c.id, p.team_id
      FROM payment_allocations c JOIN payments p ON p.id = c.payment_id WHERE c.team_id = @team_id
    UNION ALL SELECT 'payment_allocations.document_id', c.id, p.team_id
      FROM payment_allocations c JOIN documents p ON p.id = c.document_id WHERE c.team_id = @team_id
    UNION ALL SELECT 'payslips.payroll_run_id', c.id, p.team_id
      FROM payslips c JOIN payroll_runs p ON p.id = c.payroll_run_id WHERE c.team_id = @team_id
    UNION ALL SELECT 'payslips.employee_id', c.id, p.team_id
      FROM payslips c JOIN employees p ON p.id = c.employee_id WHERE c.team_id = @team_id
    UNION ALL SELECT 'journal_lines.journal_entry_id', c.id, p.team_id
      FROM journal_lines c JOIN journal_entries p ON p.id = c.journal_entry_id WHERE c.team_id = @team_id
    UNION ALL SELECT 'journal_lines.account_id', c.id, p.team_id
      FROM journal_lines c JOIN accounts p ON p.id = c.account_id WHERE c.team_id = @team_id
    UNION ALL SELECT 'reconciliations.bank_account_id', c.id, p.team_id
      FROM reconciliations c JOIN bank_accounts p ON p.id = c.bank_account_id WHERE c.team_id = @team_id
    UNION ALL SELECT 'bank_statement_lines.bank_account_id', c.id, p.team_id
      FROM bank_statement_lines c JOIN bank_accounts p ON p.id = c.bank_account_id WHERE c.team_id = @team_id
    UNION ALL SELECT 'bank_statement_lines.journal_entry_id', c.id, p.team_id
      FROM bank_statement_lines c JOIN journal_entries p ON p.id = c.journal_entry_id WHERE c.team_id = @team_id
    UNION ALL SELECT 'bank_statement_lines.reconciliation_id', c.id, p.team_id
      FROM bank_statement_lines c JOIN reconciliations p ON p.id = c.reconciliation_id WHERE c.team_id = @team_id
    UNION ALL SELECT 'stock_movements.product_id', c.id, p.team_id
      FROM stock_movements c JOIN products p ON p.id = c.product_id WHERE c.team_id = @team_id
) x
WHERE x.other_team <> @team_id;

-- The checks below are not in tests/sql/laravel_books.sql; they restate
-- further invariants of docs/books.md over the Laravel tables.

-- 15. Gross pay minus deductions equals net pay on every payslip: net is
--     gross minus income tax, employee contributions and employee pension
--     (employer contributions and pension are on top of gross).
SELECT 'payslip_net_mismatch' AS check_name,
       CONCAT('payslips ', p.id, ' of payroll run ', p.payroll_run_id) AS subject,
       p.gross - p.income_tax - p.employee_contributions - p.pension_employee AS expected,
       p.net AS actual
FROM payslips p
WHERE p.team_id = @team_id
  AND p.net <> p.gross - p.income_tax - p.employee_contributions - p.pension_employee;

-- 16. A payroll run's totals are the sums of its payslips, column by column,
--     and employees_count is the number of its payslips (a run without
--     payslips is a finding too). One row per run and mismatching figure.
WITH slips AS (
    SELECT payroll_run_id, COUNT(*) AS n,
           SUM(gross) AS gross, SUM(income_tax) AS income_tax,
           SUM(employee_contributions) AS employee_contributions,
           SUM(employer_contributions) AS employer_contributions,
           SUM(pension_employee) AS pension_employee,
           SUM(pension_employer) AS pension_employer, SUM(net) AS net
    FROM payslips WHERE team_id = @team_id
    GROUP BY payroll_run_id
), pairs AS (
    SELECT r.number, 'employees_count' AS figure, COALESCE(s.n, 0) AS expected, r.employees_count AS actual
      FROM payroll_runs r LEFT JOIN slips s ON s.payroll_run_id = r.id WHERE r.team_id = @team_id
    UNION ALL SELECT r.number, 'gross', COALESCE(s.gross, 0), r.gross
      FROM payroll_runs r LEFT JOIN slips s ON s.payroll_run_id = r.id WHERE r.team_id = @team_id
    UNION ALL SELECT r.number, 'income_tax', COALESCE(s.income_tax, 0), r.income_tax
      FROM payroll_runs r LEFT JOIN slips s ON s.payroll_run_id = r.id WHERE r.team_id = @team_id
    UNION ALL SELECT r.number, 'employee_contributions', COALESCE(s.employee_contributions, 0), r.employee_contributions
      FROM payroll_runs r LEFT JOIN slips s ON s.payroll_run_id = r.id WHERE r.team_id = @team_id
    UNION ALL SELECT r.number, 'employer_contributions', COALESCE(s.employer_contributions, 0), r.employer_contributions
      FROM payroll_runs r LEFT JOIN slips s ON s.payroll_run_id = r.id WHERE r.team_id = @team_id
    UNION ALL SELECT r.number, 'pension_employee', COALESCE(s.pension_employee, 0), r.pension_employee
      FROM payroll_runs r LEFT JOIN slips s ON s.payroll_run_id = r.id WHERE r.team_id = @team_id
    UNION ALL SELECT r.number, 'pension_employer', COALESCE(s.pension_employer, 0), r.pension_employer
      FROM payroll_runs r LEFT JOIN slips s ON s.payroll_run_id = r.id WHERE r.team_id = @team_id
    UNION ALL SELECT r.number, 'net', COALESCE(s.net, 0), r.net
      FROM payroll_runs r LEFT JOIN slips s ON s.payroll_run_id = r.id WHERE r.team_id = @team_id
    UNION ALL SELECT r.number, 'payslips', 1, LEAST(COALESCE(s.n, 0), 1)
      FROM payroll_runs r LEFT JOIN slips s ON s.payroll_run_id = r.id WHERE r.team_id = @team_id
)
SELECT 'payroll_run_total_mismatch' AS check_name,
       CONCAT('payroll run ', pairs.number, ' ', pairs.figure) AS subject,
       CAST(pairs.expected AS SIGNED) AS expected, CAST(pairs.actual AS SIGNED) AS actual
FROM pairs
WHERE pairs.expected <> pairs.actual;

-- 17. Stock never goes negative: per product, the quantity on hand and its
--     value at the end of every day (all movements up to and including that
--     day; the order of movements within a day is not in the rows) are never
--     below zero, and no value is left when nothing is on hand (weighted
--     average cost: the last unit takes whatever value remains).
SELECT 'stock_negative_or_stranded' AS check_name,
       CONCAT('product ', day_end.product_id, ' at the end of ', day_end.moved_on,
              ': ', day_end.on_hand, ' on hand') AS subject,
       0 AS expected, CAST(day_end.value AS SIGNED) AS actual
FROM (
    SELECT DISTINCT m.product_id, m.moved_on,
           SUM(m.quantity) OVER w AS on_hand,
           SUM(m.total_cost) OVER w AS value
    FROM stock_movements m
    WHERE m.team_id = @team_id
    WINDOW w AS (PARTITION BY m.product_id ORDER BY m.moved_on
                 RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
) day_end
WHERE day_end.on_hand < 0 OR day_end.value < 0
   OR (day_end.on_hand = 0 AND day_end.value <> 0);
