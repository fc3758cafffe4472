//! Naming rules for tenant tables that hold without a database.
//!
//! Input: qualified table and column names. Output: which column scopes a
//! table to a company, and which tables and columns hold credentials.
//! Invariant: both come from the table catalog ([`crate::catalog`]): the
//! company column is the table's declared tenant column (`id` for
//! `core.companies`), and `company_id` for a table the catalog does not
//! declare (an application's own table, found in the target database); the
//! credential columns are the ones declared [`Fill::Credential`]. Which tables
//! exist, and their foreign-key order, comes from the target database itself
//! (see `catalog`).

use crate::catalog::{self, Fill};

/// The table of companies, scoped by its own `id` (`Table::Companies`).
pub const COMPANIES: &str = "core.companies";

/// Tables that hold credentials: a dump must not carry rows for them
/// (the catalog's `core.api_tokens`, which is never dumped).
pub const CREDENTIAL_TABLE: &str = "core.api_tokens";

pub fn company_column(table: &str) -> &'static str {
    catalog::by_name(table).map_or("company_id", |t| t.tenant_column)
}

/// Columns that hold credentials: a dump must leave them NULL, and the
/// tester-change summary ignores them because every reset rewrites them.
pub fn is_credential_column(table: &str, column: &str) -> bool {
    catalog::by_name(table)
        .and_then(|t| t.column(column))
        .is_some_and(|c| c.fill == Fill::Credential)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn companies_are_scoped_by_id_and_the_rest_by_company_id() {
        assert_eq!(company_column("core.companies"), "id");
        assert_eq!(company_column("banking.bank_accounts"), "company_id");
        assert!(is_credential_column("core.users", "password_hash"));
        assert!(!is_credential_column("core.users", "email"));
        assert_eq!(company_column("app.own_table"), "company_id");
    }

    #[test]
    fn names_agree_with_the_catalog() {
        use crate::catalog::{API_TOKENS, Table};
        assert_eq!(COMPANIES, Table::Companies.def().qualified);
        assert_eq!(CREDENTIAL_TABLE, API_TOKENS.qualified);
        assert!(!API_TOKENS.dumped);
        let credentials: Vec<String> = crate::catalog::all()
            .flat_map(|t| t.columns.iter().map(move |c| (t, c)))
            .filter(|(t, c)| t.dumped && c.fill == Fill::Credential)
            .map(|(t, c)| format!("{}.{}", t.qualified, c.name))
            .collect();
        assert_eq!(credentials, ["core.users.password_hash"]);
    }
}
