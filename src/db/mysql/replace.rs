//! `load` and `reset` of a MySQL/MariaDB target's tenant (`laravel-mysql`).
//!
//! Input: a dump built for the target, its [`Mapping`], the options of
//! `load`/`reset` and a `mysql://` URL. Output: the tenant replaced, its
//! credentials reissued, an audit row and the tenant's state, all in one
//! InnoDB transaction.
//!
//! Invariants (the same promises as `db::mapped` on PostgreSQL):
//! - The dump is checked before connecting by the same code as PostgreSQL
//!   dumps (`db::mapped::parse`): its statements must be exactly those the
//!   mapping compiles to, and every `INSERT` row must read back as a row of
//!   its table, of a company of the header, with no credential.
//! - Every write to the tenant happens in one transaction, under a named lock
//!   per company (`GET_LOCK`): a killed run's connection closes, InnoDB
//!   rolls the transaction back and the lock is released.
//! - A tenant whose demo flag is false is refused; deletes are scoped by the
//!   tenant column to the tenant found by its key.
//! - Ids are taken above each table's largest id and AUTO_INCREMENT counter
//!   under a locking read of the table's last row (`render::mapped`), so an
//!   id is never reused; after the inserts, the tenant's row must be the one
//!   its id map names, or the run is refused.
//! - Only hashes reach the database: bcrypt `$2y$` passwords and Sanctum
//!   tokens whose plaintext is `<row id>|<secret>`.

use std::time::Instant;

use mysql::prelude::Queryable;
use sha2::{Digest, Sha256};

use super::super::audit::AuditEntry;
use super::super::credentials::{self, Issued, Secret};
use super::super::credentials_file::FileMeta;
use super::super::error::DbError;
use super::super::mapped::{self as pg_mapped, MappedDump, Step};
use super::super::progress::Progress;
use super::super::replace::{Hashing, Options, Outcome, commit_then_publish, with_retries};
use super::super::test_hook::pause_point;
use super::{
    check_mapping, ensure_bookkeeping, from_mysql, ident, lock_companies, prepare_session,
};
use crate::catalog::Table;
use crate::render::mapped::{self, id_map};
use crate::target::Mapping;

/// `load` or `reset` of a MySQL target's tenant.
pub fn replace_mapped_mysql(
    url: &str,
    bytes: &[u8],
    mapping: &Mapping,
    options: &Options,
    progress: &Progress,
) -> Result<Outcome, DbError> {
    let started = Instant::now();
    let dump = pg_mapped::parse(bytes, mapping)?;
    let dump_sha256 = credentials::hex(&Sha256::digest(bytes));
    let personas = pg_mapped::personas(&dump);
    options.outputs.check(&personas)?;
    let (mut conn, server) = super::connect(url)?;
    ensure_bookkeeping(&mut conn)?;
    prepare_session(&mut conn, mapping)?;
    progress.phase("locking");
    lock_companies(&mut conn, &dump.companies)?;
    pause_point("locked");
    // bcrypt runs on another thread while the server inserts.
    std::thread::scope(|scope| {
        let mut hashing = Hashing {
            running: Some(scope.spawn(|| credentials::issue(&personas, &options.policy))),
            issued: Vec::new(),
        };
        let run = Run {
            dump: &dump,
            dump_sha256: &dump_sha256,
            mapping,
            options,
            progress,
            started,
            server: &server,
        };
        let outcome = with_retries(|| {
            let result = run.attempt(&mut conn, &mut hashing);
            if result.is_err() {
                // Ends the transaction and drops the temporary tables, so a
                // retry starts from nothing.
                let _ = conn.query_drop("ROLLBACK");
                let _ = drop_staging(&mut conn, mapping);
            }
            result
        });
        progress.finish();
        outcome
    })
}

/// What every attempt works from.
struct Run<'a> {
    dump: &'a MappedDump<'a>,
    dump_sha256: &'a str,
    mapping: &'a Mapping,
    options: &'a Options,
    progress: &'a Progress,
    started: Instant,
    server: &'a super::super::connect::Server,
}

impl Run<'_> {
    fn attempt(
        &self,
        conn: &mut mysql::Conn,
        hashing: &mut Hashing<'_>,
    ) -> Result<Outcome, DbError> {
        let (dump, mapping, progress) = (self.dump, self.mapping, self.progress);
        let q = |phase: &'static str| move |e| from_mysql(phase, e);
        progress.phase("begin");
        conn.query_drop("START TRANSACTION")
            .map_err(q("starting the transaction"))?;
        check_mapping(conn, mapping)?;
        let existed = check_tenants(conn, mapping, &dump.companies)?;
        progress.phase("deleting");
        let mut rows_deleted = 0u64;
        if existed {
            let deletes = mapped::tenant_deletes(mapping).map_err(|e| malformed(&e))?;
            for company in &dump.companies {
                for delete in &deletes {
                    conn.exec_drop(delete.as_str(), (company.to_string(),))
                        .map_err(q("deleting the tenant's rows"))?;
                    // Unlinking self-references deletes nothing.
                    if delete.starts_with("DELETE ") {
                        rows_deleted += conn.affected_rows();
                    }
                }
            }
        }
        pause_point("deleted");
        progress.phase("copying");
        let mut rows_loaded = 0u64;
        let mut cleanup = Vec::new();
        let tenant_insert = format!("INSERT INTO {} (", qualified(&mapping.tenant.table)?);
        for step in &dump.steps {
            match step {
                // The dump's own transaction is the stock client's; this
                // run's transaction began above and commits at the end.
                Step::Sql(sql) if *sql == mapped::MYSQL_BEGIN || *sql == mapped::MYSQL_COMMIT => {}
                Step::Sql(sql) if sql.starts_with("DROP TEMPORARY TABLE ") => cleanup.push(*sql),
                Step::Sql(sql) if is_target_insert(sql) => {
                    conn.query_drop(*sql).map_err(|e| {
                        id_collision(from_mysql(
                            "moving the staged rows into the target's tables",
                            e,
                        ))
                    })?;
                    // An upserted tenant row counts 2 (updated) or 0
                    // (unchanged) in MySQL: it is one row written.
                    rows_loaded += match sql.starts_with(&tenant_insert) {
                        true => dump.companies.len() as u64,
                        false => conn.affected_rows(),
                    };
                }
                Step::Sql(sql) => conn
                    .query_drop(*sql)
                    .map_err(q("preparing the staging tables"))?,
                Step::Copy { inserts, .. } => {
                    for insert in inserts {
                        conn.query_drop(*insert)
                            .map_err(q("inserting the dump's rows"))?;
                    }
                }
            }
        }
        check_tenant_rows(conn, mapping, dump)?;
        for statement in mapped::persist_ids(mapping).map_err(|e| malformed(&e))? {
            conn.query_drop(statement.as_str())
                .map_err(q("keeping the tenant's id map"))?;
        }
        pause_point("copied");
        progress.phase("hashing");
        let issued = hashing.get()?.to_vec();
        progress.phase("credentials");
        let issued = store_credentials(conn, mapping, issued)?;
        pause_point("credentials");
        for sql in cleanup {
            conn.query_drop(sql)
                .map_err(q("dropping the staging tables"))?;
        }
        progress.phase("audit");
        let credential_mode = self.options.policy.mode_label();
        let duration_ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let state = crate::render::delta::state(&dump.scenario, &dump.as_of, self.dump_sha256);
        let entry = AuditEntry {
            action: self.options.action.as_str(),
            operator: &self.options.operator,
            scenario: &dump.scenario,
            company_ids: &dump.companies,
            dump_sha256: self.dump_sha256,
            rows_deleted,
            rows_loaded,
            strategy: pg_mapped::strategy(existed).as_str(),
            credentials_issued: issued.len(),
            credential_mode: &credential_mode,
            duration_ms,
            tester_changes: None,
            replaced_unsummarised: existed,
            state: &state,
        };
        let audit_id = match self.options.dry_run {
            true => None,
            false => Some(write_audit(conn, &entry)?),
        };
        pause_point("audited");
        let files_written = if self.options.dry_run {
            conn.query_drop("ROLLBACK")
                .map_err(q("rolling back the dry run"))?;
            Vec::new()
        } else {
            let meta = FileMeta {
                scenario: &dump.scenario,
                credential_mode: &credential_mode,
                issued_at: chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now())
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            };
            commit_then_publish(
                || conn.query_drop("COMMIT").map_err(q("committing")),
                &self.options.outputs,
                &meta,
                &issued,
                progress,
            )?
        };
        let _ = conn.query_drop("SELECT RELEASE_ALL_LOCKS()");
        Ok(Outcome {
            action: self.options.action,
            dry_run: self.options.dry_run,
            scenario: dump.scenario.clone(),
            company_ids: dump.companies.clone(),
            dump_sha256: self.dump_sha256.to_owned(),
            rows_deleted,
            rows_loaded,
            strategy: pg_mapped::strategy(existed),
            credentials_issued: issued.len(),
            credential_mode,
            tester_changes: None,
            audit_id,
            files_written,
            duration_ms,
            server: self.server.clone(),
        })
    }
}

/// An application insert took an id of the range the load chose, between
/// the load's read of the counter and its insert (`render::mapped`,
/// `allocate_mysql`): the primary key refused the load's row. Nothing of the
/// load is committed; it runs again with ids above the application's.
pub(super) fn id_collision(e: DbError) -> DbError {
    match e {
        DbError::Query {
            phase,
            message,
            help,
            code: Some(code),
        } if code == "mysql:1062" && message.contains("'PRIMARY'") => DbError::Query {
            phase,
            message,
            help,
            code: Some("40001".to_owned()),
        },
        other => other,
    }
}

/// An `INSERT … SELECT` into a target table (not into a staging table or
/// an id map, which are demoforge's `df_` tables).
fn is_target_insert(sql: &str) -> bool {
    sql.starts_with("INSERT INTO ") && !sql.starts_with("INSERT INTO `df_")
}

fn malformed(e: &dyn std::fmt::Display) -> DbError {
    DbError::Refused {
        message: e.to_string(),
        help: "pass a dump built by `demoforge build --target` for this target, unchanged; nothing was written".to_owned(),
    }
}

/// Drops what an attempt may have left in the session.
fn drop_staging(conn: &mut mysql::Conn, mapping: &Mapping) -> Result<(), mysql::Error> {
    let plan = mapped::plan(mapping, chrono::NaiveDate::MIN).unwrap_or_default();
    for sql in plan
        .cleanup
        .iter()
        .filter(|s| s.starts_with("DROP TEMPORARY TABLE "))
    {
        conn.query_drop(sql.replace("DROP TEMPORARY TABLE ", "DROP TEMPORARY TABLE IF EXISTS "))?;
    }
    Ok(())
}

/// Refuses a tenant whose demo flag is not true; says whether it exists.
/// The row is locked for the rest of the transaction.
pub(super) fn check_tenants(
    conn: &mut mysql::Conn,
    mapping: &Mapping,
    companies: &[uuid::Uuid],
) -> Result<bool, DbError> {
    let query = format!(
        "SELECT CAST(k.{flag} AS SIGNED) FROM {table} k WHERE k.{key} = ? FOR UPDATE",
        flag = ident(&mapping.tenant.demo_flag)?,
        table = qualified(&mapping.tenant.table)?,
        key = ident(&mapping.tenant.key)?,
    );
    let mut existed = false;
    for company in companies {
        let rows: Vec<Option<i64>> = conn
            .exec(query.as_str(), (company.to_string(),))
            .map_err(|e| from_mysql("checking the target tenant", e))?;
        for is_demo in rows {
            existed = true;
            if is_demo != Some(1) {
                return Err(DbError::Refused {
                    message: format!(
                        "the tenant with {} = {company} in {} is not a demo tenant ({} is not true)",
                        mapping.tenant.key, mapping.tenant.table, mapping.tenant.demo_flag
                    ),
                    help: "demoforge only replaces demo tenants; nothing was written".to_owned(),
                });
            }
        }
    }
    Ok(existed)
}

/// After the inserts: each company's tenant row is the one its id map
/// names, with its key and the demo flag. The upsert leaves another team
/// that shares a unique value with the tenant as it was, so this is where
/// such a clash is refused, before anything is committed.
fn check_tenant_rows(
    conn: &mut mysql::Conn,
    mapping: &Mapping,
    dump: &MappedDump<'_>,
) -> Result<(), DbError> {
    if mapping.ids != crate::target::Ids::Integer {
        return Ok(());
    }
    let tenant = mapping.of(Table::Companies).next();
    let id = tenant.map_or("id", |t| t.id.as_str());
    let query = format!(
        "SELECT COUNT(*) FROM {map} m JOIN {table} k ON k.{id} = m.`id` AND k.{key} = m.`uuid` AND k.{flag} = 1",
        map = ident(&id_map(Table::Companies))?,
        table = qualified(&mapping.tenant.table)?,
        id = ident(id)?,
        key = ident(&mapping.tenant.key)?,
        flag = ident(&mapping.tenant.demo_flag)?,
    );
    let found: Option<i64> = conn
        .query_first(query.as_str())
        .map_err(|e| from_mysql("checking the tenant's row", e))?;
    if found == Some(dump.companies.len() as i64) {
        return Ok(());
    }
    Err(DbError::Refused {
        message: format!(
            "the demo tenant's row in {} is not the one demoforge wrote: another row shares a unique value with it",
            mapping.tenant.table
        ),
        help: format!(
            "look for a row of {} with the same unique values (name, slug…) as the demo company; nothing was written",
            mapping.tenant.table
        ),
    })
}

fn qualified(name: &crate::target::Name) -> Result<String, DbError> {
    Ok(match &name.schema {
        Some(schema) => format!("{}.{}", ident(schema)?, ident(&name.name)?),
        None => ident(&name.name)?,
    })
}

/// Stores the hashes: the password into the users table, and a Sanctum
/// token per persona, whose issued plaintext becomes `<row id>|<secret>`.
fn store_credentials(
    conn: &mut mysql::Conn,
    mapping: &Mapping,
    issued: Vec<Issued>,
) -> Result<Vec<Issued>, DbError> {
    let Some(credentials) = &mapping.credentials else {
        return Ok(Vec::new());
    };
    let users_id = mapping
        .of(Table::Users)
        .next()
        .map_or("id", |t| t.id.as_str());
    let user_row = match mapping.ids {
        crate::target::Ids::Integer => format!(
            "(SELECT m.`id` FROM {} m WHERE m.`uuid` = ?)",
            ident(&id_map(Table::Users))?
        ),
        crate::target::Ids::Uuid => "?".to_owned(),
    };
    let update = format!(
        "UPDATE {users} SET {password} = ? WHERE {id} = {user_row}",
        users = qualified(&credentials.users)?,
        password = ident(&credentials.password)?,
        id = ident(users_id)?,
    );
    let fail = |e| from_mysql("storing credential hashes", e);
    let update = conn.prep(update).map_err(fail)?;
    let insert = match &credentials.tokens {
        Some(tokens) => Some(
            conn.prep(format!(
                "INSERT INTO {table} (tokenable_type, tokenable_id, name, token, abilities, created_at, updated_at) \
                 VALUES (?, {user_row}, 'demoforge', ?, '[\"*\"]', NOW(), NOW())",
                table = qualified(&tokens.table)?,
            ))
            .map_err(fail)?,
        ),
        None => None,
    };
    let mut stored = Vec::with_capacity(issued.len());
    for mut cred in issued {
        let user = cred.persona.user_id.to_string();
        conn.exec_drop(&update, (cred.password_hash.as_str(), user.as_str()))
            .map_err(fail)?;
        if let (Some(insert), Some(tokens)) = (&insert, &credentials.tokens) {
            conn.exec_drop(
                insert,
                (
                    tokens.owner_type.as_str(),
                    user.as_str(),
                    cred.token_hash.as_str(),
                ),
            )
            .map_err(fail)?;
            let id = conn.last_insert_id();
            let secret = cred
                .token
                .expose()
                .split_once('|')
                .map_or("", |(_, s)| s)
                .to_owned();
            cred.token = Secret::new(&format!("{id}|{secret}"));
        }
        stored.push(cred);
    }
    Ok(stored)
}

/// The audit row and the tenant's load state, in the run's transaction.
pub(super) fn write_audit(conn: &mut mysql::Conn, entry: &AuditEntry<'_>) -> Result<i64, DbError> {
    let fail = |e| from_mysql("writing the audit row", e);
    let changes = match entry.tester_changes {
        Some(c) => serde_json::json!({ "previous_tenant": true, "tables": c }),
        None if entry.replaced_unsummarised => {
            serde_json::json!({ "previous_tenant": true, "summarised": false, "tables": {} })
        }
        None => serde_json::json!({ "previous_tenant": false, "tables": {} }),
    };
    let companies: Vec<String> = entry.company_ids.iter().map(ToString::to_string).collect();
    conn.exec_drop(
        "INSERT INTO demoforge_audit_log (action, operator, scenario, company_ids, dump_sha256, \
           rows_deleted, rows_loaded, credentials_issued, credential_mode, duration_ms, \
           tester_changes, demoforge_version, strategy) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        mysql::Params::Positional(vec![
            entry.action.into(),
            entry.operator.into(),
            entry.scenario.into(),
            serde_json::json!(companies).to_string().into(),
            entry.dump_sha256.into(),
            entry.rows_deleted.into(),
            entry.rows_loaded.into(),
            (entry.credentials_issued as u64).into(),
            entry.credential_mode.into(),
            entry.duration_ms.into(),
            changes.to_string().into(),
            env!("CARGO_PKG_VERSION").into(),
            entry.strategy.into(),
        ]),
    )
    .map_err(fail)?;
    let audit_id = i64::try_from(conn.last_insert_id()).unwrap_or(i64::MAX);
    for id in entry.company_ids {
        conn.exec_drop(
            "INSERT INTO demoforge_loads (company_id, scenario, dump_sha256, rows_loaded, \
               credential_mode, loaded_at, demoforge_version, state) \
             VALUES (?, ?, ?, ?, ?, NOW(6), ?, ?) \
             ON DUPLICATE KEY UPDATE scenario = VALUES(scenario), dump_sha256 = VALUES(dump_sha256), \
               rows_loaded = VALUES(rows_loaded), credential_mode = VALUES(credential_mode), \
               loaded_at = VALUES(loaded_at), demoforge_version = VALUES(demoforge_version), \
               state = VALUES(state)",
            mysql::Params::Positional(vec![
                id.to_string().into(),
                entry.scenario.into(),
                entry.dump_sha256.into(),
                entry.rows_loaded.into(),
                entry.credential_mode.into(),
                env!("CARGO_PKG_VERSION").into(),
                entry.state.into(),
            ]),
        )
        .map_err(fail)?;
    }
    Ok(audit_id)
}
