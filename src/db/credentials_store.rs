//! Storing issued credentials as hashes.
//!
//! Input: the transaction and issued credentials. Output: bcrypt hashes in
//! `core.users.password_hash` and one row per persona in `core.api_tokens`.
//! Invariant: only hashes are sent to the database, never plaintext.

use super::credentials::Issued;
use super::error::DbError;

pub fn store(tx: &mut postgres::Transaction<'_>, issued: &[Issued]) -> Result<(), DbError> {
    let fail = |e| DbError::from_pg("storing credential hashes", e);
    let update = tx
        .prepare("UPDATE core.users SET password_hash = $1 WHERE company_id = $2 AND id = $3")
        .map_err(fail)?;
    let insert = tx
        .prepare(
            "INSERT INTO core.api_tokens (id, company_id, user_id, name, token_hash, abilities) \
             VALUES ($1, $2, $3, 'demoforge', $4, ARRAY['*'])",
        )
        .map_err(fail)?;
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
