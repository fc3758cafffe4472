//! Naming rules for tenant tables that hold without a database.
//!
//! Input: qualified table and column names. Output: which column scopes a
//! table to a company, and which tables and columns hold credentials.
//! Invariant: the company column is `id` for `core.companies` and
//! `company_id` for every other tenant table, as in the reference schema.
//! Which tables exist, and their foreign-key order, comes from the target
//! database itself (see `catalog`).

/// The table of companies, scoped by its own `id`.
pub const COMPANIES: &str = "core.companies";

/// Tables that hold credentials: a dump must not carry rows for them.
pub const CREDENTIAL_TABLE: &str = "core.api_tokens";

/// Columns that hold credentials: a dump must leave them NULL, and the
/// tester-change summary ignores them because every reset rewrites them.
pub const CREDENTIAL_COLUMNS: [(&str, &str); 1] = [("core.users", "password_hash")];

pub fn company_column(table: &str) -> &'static str {
    if table == COMPANIES {
        "id"
    } else {
        "company_id"
    }
}

pub fn is_credential_column(table: &str, column: &str) -> bool {
    CREDENTIAL_COLUMNS
        .iter()
        .any(|(t, c)| *t == table && *c == column)
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
    }
}
