//! The tenant tables of the reference schema, in foreign-key order.
//!
//! Input: none (a fixed list mirroring `templates/postgres/schema.sql.j2` and
//! docs/dump-format.md). Output: the load order, the delete order and which
//! column scopes each table to a company. Invariant: a parent always comes
//! before its children, so the reverse is a valid delete order.

/// One tenant-owned table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TenantTable {
    /// Qualified name, `schema.table`.
    pub name: &'static str,
    /// The column holding the company id: `id` for the companies themselves.
    pub company_column: &'static str,
}

const fn scoped(name: &'static str) -> TenantTable {
    TenantTable {
        name,
        company_column: "company_id",
    }
}

/// Load order. `core.api_tokens` is never in a dump, but a reset must delete
/// the tokens it issued before the users they belong to.
pub const TENANT_TABLES: [TenantTable; 21] = [
    TenantTable {
        name: "core.companies",
        company_column: "id",
    },
    scoped("core.users"),
    scoped("core.roles"),
    scoped("core.role_permissions"),
    scoped("core.memberships"),
    scoped("core.api_tokens"),
    scoped("ledger.accounts"),
    scoped("ledger.tax_rates"),
    scoped("catalog.products"),
    scoped("sales.customers"),
    scoped("purchasing.vendors"),
    scoped("sales.invoices"),
    scoped("sales.invoice_lines"),
    scoped("sales.customer_payments"),
    scoped("sales.payment_allocations"),
    scoped("purchasing.bills"),
    scoped("purchasing.bill_lines"),
    scoped("purchasing.vendor_payments"),
    scoped("purchasing.vendor_payment_allocations"),
    scoped("ledger.journal_entries"),
    scoped("ledger.journal_lines"),
];

/// Tables that hold credentials: a dump must not carry rows for them.
pub const CREDENTIAL_TABLE: &str = "core.api_tokens";

/// Columns that hold credentials: a dump must leave them NULL, and the
/// tester-change summary ignores them because every reset rewrites them.
pub const CREDENTIAL_COLUMNS: [(&str, &str); 1] = [("core.users", "password_hash")];

/// The position of `name` in the load order, if it is a tenant table.
pub fn position(name: &str) -> Option<usize> {
    TENANT_TABLES.iter().position(|t| t.name == name)
}

pub fn is_credential_column(table: &str, column: &str) -> bool {
    CREDENTIAL_COLUMNS
        .iter()
        .any(|(t, c)| *t == table && *c == column)
}

/// The delete order: children before parents.
pub fn delete_order() -> impl Iterator<Item = &'static TenantTable> {
    TENANT_TABLES.iter().rev()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn companies_come_first_and_are_deleted_last() {
        assert_eq!(TENANT_TABLES[0].name, "core.companies");
        assert_eq!(
            delete_order().last().map(|t| t.name),
            Some("core.companies")
        );
    }

    #[test]
    fn tokens_are_deleted_before_users() {
        let order: Vec<_> = delete_order().map(|t| t.name).collect();
        let tokens = order.iter().position(|n| *n == "core.api_tokens");
        let users = order.iter().position(|n| *n == "core.users");
        assert!(tokens < users, "{order:?}");
    }
}
