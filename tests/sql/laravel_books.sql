-- Independent audit of one team's books in the `laravel` target schema
-- (templates/laravel/schema.sql.j2, filled through templates/laravel/target.yaml).
--
--   psql -X -v ON_ERROR_STOP=1 -v team=<teams.id> -f tests/sql/laravel_books.sql "$DATABASE_URL"
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

\if :{?team}
\else
    \echo 'laravel_books.sql: set the team to audit: psql -v team=<teams.id> -f tests/sql/laravel_books.sql'
    DO $usage$ BEGIN RAISE EXCEPTION 'psql variable team is not set'; END $usage$;
    \quit
\endif

-- The team id must be an integer: cast it once, so that a malformed value
-- fails here instead of being pasted into the queries below.
SELECT (:'team')::bigint AS team \gset

-- 0. The team exists. Without this, an unknown id would pass every check
--    vacuously.
SELECT 'team_missing' AS check_name, 'teams ' || :team AS subject,
       1::bigint AS expected, 0::bigint AS actual
WHERE NOT EXISTS (SELECT 1 FROM teams WHERE id = :team);

-- 1. Every journal entry balances: its signed line amounts (debit positive,
--    credit negative) sum to zero, and it has at least two lines.
SELECT 'journal_entry_unbalanced' AS check_name,
       'journal entry ' || e.number || ' (' || count(l.id) || ' lines)' AS subject,
       0::bigint AS expected, coalesce(sum(l.amount), 0)::bigint AS actual
FROM journal_entries e
LEFT JOIN journal_lines l ON l.journal_entry_id = e.id
WHERE e.team_id = :team
GROUP BY e.id, e.number
HAVING coalesce(sum(l.amount), 0) <> 0 OR count(l.id) < 2;

-- 2. Accounts receivable: the control account(s) (accounts.purpose =
--    'accounts_receivable') hold exactly what customers still owe. An
--    invoice's open amount_due is owed to us; a credit note's open amount_due
--    (a refund not yet paid out) is owed by us, so it counts negative. AR is
--    debit-normal, so its balance is the plain sum of the signed amounts.
WITH control AS (
    SELECT coalesce(sum(l.amount), 0) AS balance
    FROM journal_lines l
    JOIN accounts a ON a.id = l.account_id
    WHERE l.team_id = :team AND a.team_id = :team AND a.purpose = 'accounts_receivable'
), subledger AS (
    SELECT coalesce(sum(CASE d.type WHEN 'invoice' THEN d.amount_due ELSE -d.amount_due END), 0) AS open
    FROM documents d
    WHERE d.team_id = :team AND d.type IN ('invoice', 'credit_note') AND d.deleted_at IS NULL
)
SELECT 'ar_control_mismatch' AS check_name,
       'accounts receivable: open customer documents vs control account' AS subject,
       subledger.open::bigint AS expected, control.balance::bigint AS actual
FROM control, subledger
WHERE control.balance <> subledger.open;

-- 3. Accounts payable: the same for vendors. AP is credit-normal, so its
--    balance is minus the sum of the signed amounts, and it equals what is
--    still open on bills.
WITH control AS (
    SELECT -coalesce(sum(l.amount), 0) AS balance
    FROM journal_lines l
    JOIN accounts a ON a.id = l.account_id
    WHERE l.team_id = :team AND a.team_id = :team AND a.purpose = 'accounts_payable'
), subledger AS (
    SELECT coalesce(sum(d.amount_due), 0) AS open
    FROM documents d
    WHERE d.team_id = :team AND d.type = 'bill' AND d.deleted_at IS NULL
)
SELECT 'ap_control_mismatch' AS check_name,
       'accounts payable: open bills vs control account' AS subject,
       subledger.open::bigint AS expected, control.balance::bigint AS actual
FROM control, subledger
WHERE control.balance <> subledger.open;

-- 4. No payment allocation exceeds its document's total, one by one...
SELECT 'allocation_exceeds_document' AS check_name,
       'payment_allocations ' || pa.id || ' on ' || d.type || ' ' || d.number AS subject,
       d.total::bigint AS expected, pa.amount::bigint AS actual
FROM payment_allocations pa
JOIN documents d ON d.id = pa.document_id
WHERE pa.team_id = :team AND pa.amount > d.total;

-- 5. ...nor all together: a document is never settled beyond its total, and
--    amount_due is exactly what its allocations leave open (total minus
--    allocated), except that a written-off invoice (status 5) has nothing
--    left open.
WITH allocated AS (
    SELECT pa.document_id, sum(pa.amount) AS amount
    FROM payment_allocations pa
    JOIN payments p ON p.id = pa.payment_id
    WHERE pa.team_id = :team AND p.deleted_at IS NULL
    GROUP BY pa.document_id
)
SELECT CASE WHEN coalesce(a.amount, 0) > d.total THEN 'document_overpaid'
            ELSE 'document_amount_due_mismatch' END AS check_name,
       d.type || ' ' || d.number || ' (total ' || d.total || ', allocated ' || coalesce(a.amount, 0) || ')' AS subject,
       CASE WHEN coalesce(a.amount, 0) > d.total THEN d.total
            WHEN d.status = 5 THEN 0
            ELSE d.total - coalesce(a.amount, 0) END::bigint AS expected,
       CASE WHEN coalesce(a.amount, 0) > d.total THEN coalesce(a.amount, 0)
            ELSE d.amount_due END::bigint AS actual
FROM documents d
LEFT JOIN allocated a ON a.document_id = d.id
WHERE d.team_id = :team AND d.deleted_at IS NULL
  AND (coalesce(a.amount, 0) > d.total
       OR (d.status <> 5 AND d.amount_due <> d.total - coalesce(a.amount, 0))
       OR (d.status = 5 AND d.amount_due <> 0));

-- 6. No payment is allocated beyond its own amount.
SELECT 'payment_overallocated' AS check_name,
       'payments ' || p.id || ' (' || p.type || ' ' || p.reference || ')' AS subject,
       p.amount::bigint AS expected, sum(pa.amount)::bigint AS actual
FROM payments p
JOIN payment_allocations pa ON pa.payment_id = p.id
WHERE p.team_id = :team
GROUP BY p.id, p.type, p.reference, p.amount
HAVING sum(pa.amount) > p.amount;

-- 7. The polymorphic tables stay consistent: an allocation pairs a payment
--    and a document of the same contact and of matching kinds (a receipt
--    settles an invoice, a refund a credit note, a vendor payment a bill),
--    and the payment's direction agrees with its type.
SELECT 'allocation_mismatch' AS check_name,
       'payment_allocations ' || pa.id || ': ' || p.type || '/' || p.direction
           || ' of contact ' || p.contact_id || ' on ' || d.type || ' of contact ' || d.contact_id AS subject,
       NULL::bigint AS expected, NULL::bigint AS actual
FROM payment_allocations pa
JOIN payments p ON p.id = pa.payment_id
JOIN documents d ON d.id = pa.document_id
WHERE pa.team_id = :team
  AND (p.contact_id <> d.contact_id
       OR (p.type, p.direction, d.type) NOT IN (('receipt', 'in', 'invoice'),
                                                ('refund', 'out', 'credit_note'),
                                                ('payment', 'out', 'bill')));

-- 8. Customers and vendors share `contacts`: invoices, credit notes,
--    receipts and refunds belong to customers; bills and vendor payments to
--    vendors.
SELECT 'contact_type_mismatch' AS check_name,
       x.what || ' of ' || c.type || ' ' || c.number AS subject,
       NULL::bigint AS expected, NULL::bigint AS actual
FROM (
    SELECT d.type || ' ' || d.number AS what, d.contact_id,
           CASE d.type WHEN 'bill' THEN 'vendor' ELSE 'customer' END AS wanted
    FROM documents d WHERE d.team_id = :team
    UNION ALL
    SELECT p.type || ' ' || p.reference, p.contact_id,
           CASE p.type WHEN 'payment' THEN 'vendor' ELSE 'customer' END
    FROM payments p WHERE p.team_id = :team
) x
JOIN contacts c ON c.id = x.contact_id
WHERE c.type <> x.wanted;

-- 9. A document's status agrees with its amounts: open (1) means nothing
--    settled yet, partially paid (2) something left open, paid (3), refunded
--    (4) and written off (5) nothing left open.
SELECT 'document_status_mismatch' AS check_name,
       d.type || ' ' || d.number || ' status ' || d.status || ' (total ' || d.total || ')' AS subject,
       CASE d.status WHEN 1 THEN d.total WHEN 2 THEN NULL ELSE 0 END::bigint AS expected,
       d.amount_due::bigint AS actual
FROM documents d
WHERE d.team_id = :team AND d.deleted_at IS NULL
  AND NOT CASE d.status
              WHEN 1 THEN d.amount_due = d.total
              WHEN 2 THEN d.amount_due > 0 AND d.amount_due < d.total
              WHEN 3 THEN d.amount_due = 0
              WHEN 4 THEN d.amount_due = 0 AND d.type = 'credit_note'
              WHEN 5 THEN d.amount_due = 0 AND d.type = 'invoice'
              ELSE false
          END;

-- 10. A credit note never exceeds what was paid on the invoice it credits.
SELECT 'credit_note_exceeds_paid' AS check_name,
       'credit note ' || cn.number || ' on invoice ' || inv.number AS subject,
       (inv.total - inv.amount_due)::bigint AS expected, cn.total::bigint AS actual
FROM documents cn
JOIN documents inv ON inv.id = cn.credited_document_id
WHERE cn.team_id = :team AND cn.type = 'credit_note' AND cn.deleted_at IS NULL
  AND (inv.type <> 'invoice' OR cn.total > inv.total - inv.amount_due);

-- 11. Every reconciliation ties: its book balance is what the ledger says for
--     the bank account's ledger account on the statement date.
SELECT 'reconciliation_book_balance_mismatch' AS check_name,
       'bank account ' || b.name || ' on ' || r.statement_date AS subject,
       coalesce(ledger.balance, 0)::bigint AS expected, r.book_balance::bigint AS actual
FROM reconciliations r
JOIN bank_accounts b ON b.id = r.bank_account_id
LEFT JOIN LATERAL (
    SELECT sum(l.amount) AS balance
    FROM journal_lines l
    JOIN journal_entries e ON e.id = l.journal_entry_id
    WHERE l.team_id = :team AND l.account_id = b.account_id AND e.entry_date <= r.statement_date
) ledger ON true
WHERE r.team_id = :team AND r.book_balance <> coalesce(ledger.balance, 0);

-- 12. The stock's value (every movement's signed total_cost) equals the
--     inventory account.
WITH stock AS (
    SELECT coalesce(sum(total_cost), 0) AS value FROM stock_movements WHERE team_id = :team
), control AS (
    SELECT coalesce(sum(l.amount), 0) AS balance
    FROM journal_lines l
    JOIN accounts a ON a.id = l.account_id
    WHERE l.team_id = :team AND a.team_id = :team AND a.purpose = 'inventory'
)
SELECT 'inventory_control_mismatch' AS check_name,
       'stock movements vs inventory account' AS subject,
       stock.value::bigint AS expected, control.balance::bigint AS actual
FROM stock, control
WHERE stock.value <> control.balance;

-- 13. Morphs resolve: a journal entry's or stock movement's sourceable_type
--     and sourceable_id are both set or both NULL, and when set they name a
--     row of the same team.
SELECT 'sourceable_unresolved' AS check_name,
       s.tbl || ' ' || s.id || ': ' || coalesce(s.sourceable_type, 'NULL') || ' ' || coalesce(s.sourceable_id::text, 'NULL') AS subject,
       NULL::bigint AS expected, NULL::bigint AS actual
FROM (
    SELECT 'journal_entries' AS tbl, id, sourceable_type, sourceable_id
    FROM journal_entries WHERE team_id = :team
    UNION ALL
    SELECT 'stock_movements', id, sourceable_type, sourceable_id
    FROM stock_movements WHERE team_id = :team
) s
WHERE (s.sourceable_type IS NULL) <> (s.sourceable_id IS NULL)
   OR (s.sourceable_type IS NOT NULL AND NOT CASE s.sourceable_type
           WHEN 'App\Models\Document' THEN EXISTS (SELECT 1 FROM documents WHERE id = s.sourceable_id AND team_id = :team)
           WHEN 'App\Models\Payment' THEN EXISTS (SELECT 1 FROM payments WHERE id = s.sourceable_id AND team_id = :team)
           WHEN 'App\Models\PayrollRun' THEN EXISTS (SELECT 1 FROM payroll_runs WHERE id = s.sourceable_id AND team_id = :team)
           WHEN 'App\Models\TaxReturn' THEN EXISTS (SELECT 1 FROM tax_returns WHERE id = s.sourceable_id AND team_id = :team)
           WHEN 'App\Models\Team' THEN s.sourceable_id = :team
           ELSE false
       END);

-- 14. Tenant isolation: the foreign keys reference `id` alone, so the
--     database does not stop a row of this team from pointing at another
--     team's row. Every reference from this team's rows stays inside it.
SELECT 'cross_team_reference' AS check_name,
       x.ref || ' ' || x.id || ' -> team ' || x.other_team AS subject,
       :team::bigint AS expected, x.other_team::bigint AS actual
FROM (
    SELECT 'role_permissions.role_id' AS ref, c.id, p.team_id AS other_team
      FROM role_permissions c JOIN roles p ON p.id = c.role_id WHERE c.team_id = :team
    UNION ALL SELECT 'team_user.user_id', c.id, p.team_id
      FROM team_user c JOIN users p ON p.id = c.user_id WHERE c.team_id = :team
    UNION ALL SELECT 'team_user.role_id', c.id, p.team_id
      FROM team_user c JOIN roles p ON p.id = c.role_id WHERE c.team_id = :team
    UNION ALL SELECT 'periods.fiscal_year_id', c.id, p.team_id
      FROM periods c JOIN fiscal_years p ON p.id = c.fiscal_year_id WHERE c.team_id = :team
    UNION ALL SELECT 'bank_accounts.account_id', c.id, p.team_id
      FROM bank_accounts c JOIN accounts p ON p.id = c.account_id WHERE c.team_id = :team
    UNION ALL SELECT 'products.tax_rate_id', c.id, p.team_id
      FROM products c JOIN tax_rates p ON p.id = c.tax_rate_id WHERE c.team_id = :team
    UNION ALL SELECT 'products.income_account_id', c.id, p.team_id
      FROM products c JOIN accounts p ON p.id = c.income_account_id WHERE c.team_id = :team
    UNION ALL SELECT 'contacts.expense_account_id', c.id, p.team_id
      FROM contacts c JOIN accounts p ON p.id = c.expense_account_id WHERE c.team_id = :team
    UNION ALL SELECT 'documents.contact_id', c.id, p.team_id
      FROM documents c JOIN contacts p ON p.id = c.contact_id WHERE c.team_id = :team
    UNION ALL SELECT 'documents.credited_document_id', c.id, p.team_id
      FROM documents c JOIN documents p ON p.id = c.credited_document_id WHERE c.team_id = :team
    UNION ALL SELECT 'document_lines.document_id', c.id, p.team_id
      FROM document_lines c JOIN documents p ON p.id = c.document_id WHERE c.team_id = :team
    UNION ALL SELECT 'document_lines.product_id', c.id, p.team_id
      FROM document_lines c JOIN products p ON p.id = c.product_id WHERE c.team_id = :team
    UNION ALL SELECT 'document_lines.tax_rate_id', c.id, p.team_id
      FROM document_lines c JOIN tax_rates p ON p.id = c.tax_rate_id WHERE c.team_id = :team
    UNION ALL SELECT 'document_lines.account_id', c.id, p.team_id
      FROM document_lines c JOIN accounts p ON p.id = c.account_id WHERE c.team_id = :team
    UNION ALL SELECT 'payments.contact_id', c.id, p.team_id
      FROM payments c JOIN contacts p ON p.id = c.contact_id WHERE c.team_id = :team
    UNION ALL SELECT 'payment_allocations.payment_id', c.id, p.team_id
      FROM payment_allocations c JOIN payments p ON p.id = c.payment_id WHERE c.team_id = :team
    UNION ALL SELECT 'payment_allocations.document_id', c.id, p.team_id
      FROM payment_allocations c JOIN documents p ON p.id = c.document_id WHERE c.team_id = :team
    UNION ALL SELECT 'payslips.payroll_run_id', c.id, p.team_id
      FROM payslips c JOIN payroll_runs p ON p.id = c.payroll_run_id WHERE c.team_id = :team
    UNION ALL SELECT 'payslips.employee_id', c.id, p.team_id
      FROM payslips c JOIN employees p ON p.id = c.employee_id WHERE c.team_id = :team
    UNION ALL SELECT 'journal_lines.journal_entry_id', c.id, p.team_id
      FROM journal_lines c JOIN journal_entries p ON p.id = c.journal_entry_id WHERE c.team_id = :team
    UNION ALL SELECT 'journal_lines.account_id', c.id, p.team_id
      FROM journal_lines c JOIN accounts p ON p.id = c.account_id WHERE c.team_id = :team
    UNION ALL SELECT 'reconciliations.bank_account_id', c.id, p.team_id
      FROM reconciliations c JOIN bank_accounts p ON p.id = c.bank_account_id WHERE c.team_id = :team
    UNION ALL SELECT 'bank_statement_lines.bank_account_id', c.id, p.team_id
      FROM bank_statement_lines c JOIN bank_accounts p ON p.id = c.bank_account_id WHERE c.team_id = :team
    UNION ALL SELECT 'bank_statement_lines.journal_entry_id', c.id, p.team_id
      FROM bank_statement_lines c JOIN journal_entries p ON p.id = c.journal_entry_id WHERE c.team_id = :team
    UNION ALL SELECT 'bank_statement_lines.reconciliation_id', c.id, p.team_id
      FROM bank_statement_lines c JOIN reconciliations p ON p.id = c.reconciliation_id WHERE c.team_id = :team
    UNION ALL SELECT 'stock_movements.product_id', c.id, p.team_id
      FROM stock_movements c JOIN products p ON p.id = c.product_id WHERE c.team_id = :team
) x
WHERE x.other_team <> :team;
