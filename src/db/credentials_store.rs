//! Storing issued credentials as hashes.
//!
//! Input: the transaction and issued credentials. Output: bcrypt hashes in
//! `core.users.password_hash` and one row per persona in `core.api_tokens`.
//! Invariants: only hashes are sent to the database, never plaintext; the
//! tables and columns come from the catalog (the users table's credential
//! column, and `API_TOKENS`), checked by a unit test against the SQL.

use super::credentials::Issued;
use super::error::DbError;
use crate::catalog::{API_TOKENS, Fill, Table, TableDef};

/// The users table's password column: its one credential column.
fn password_column(users: &TableDef) -> &'static str {
    users
        .columns
        .iter()
        .find(|c| c.fill == Fill::Credential)
        .map_or("password_hash", |c| c.name)
}

/// The statements that store a persona's hashes, from the catalog.
fn statements() -> (String, String) {
    let users = Table::Users.def();
    let update = format!(
        "UPDATE {users} SET {password} = $1 WHERE {tenant} = $2 AND id = $3",
        users = users.qualified,
        password = password_column(users),
        tenant = users.tenant_column,
    );
    let tokens = &API_TOKENS;
    let hash = tokens
        .columns
        .iter()
        .find(|c| c.fill == Fill::Credential)
        .map_or("token_hash", |c| c.name);
    let insert = format!(
        "INSERT INTO {table} (id, {tenant}, user_id, name, {hash}, abilities) \
         VALUES ($1, $2, $3, 'demoforge', $4, ARRAY['*'])",
        table = tokens.qualified,
        tenant = tokens.tenant_column,
    );
    (update, insert)
}

pub fn store(tx: &mut postgres::Transaction<'_>, issued: &[Issued]) -> Result<(), DbError> {
    let fail = |e| DbError::from_pg("storing credential hashes", e);
    let (update, insert) = statements();
    let update = tx.prepare(&update).map_err(fail)?;
    let insert = tx.prepare(&insert).map_err(fail)?;
    for cred in issued {
        let p = &cred.persona;
        tx.execute(&update, &[&cred.password_hash, &p.company_id, &p.user_id])
            .map_err(fail)?;
        tx.execute(
            &insert,
            &[&cred.token_id, &p.company_id, &p.user_id, &cred.token_hash],
        )
        .map_err(fail)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_credential_statements_name_the_catalogs_tables_and_columns() {
        let (update, insert) = super::statements();
        assert_eq!(
            update,
            "UPDATE core.users SET password_hash = $1 WHERE company_id = $2 AND id = $3"
        );
        assert_eq!(
            insert,
            "INSERT INTO core.api_tokens (id, company_id, user_id, name, token_hash, abilities) \
             VALUES ($1, $2, $3, 'demoforge', $4, ARRAY['*'])"
        );
    }
}
