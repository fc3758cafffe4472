//! `load DELTA` on MySQL/MariaDB: a travel, tick or overlay delta applied on
//! top of a loaded `dialect: mysql` tenant.
//!
//! Input: the delta's bytes (written by `render::delta` for the target), a
//! `mysql://` URL, the operator and the mapping. Output: an [`Outcome`] with
//! strategy `delta`.
//!
//! Invariants, as on PostgreSQL (`db::delta`):
//! - The delta is checked before connecting: its statements must be exactly
//!   those `render::delta::section_statements` writes for each section, and
//!   every row must read back as a row of its table, of a company of the
//!   header, with no credential.
//! - In one transaction under the companies' named locks, every company
//!   must be a demo tenant recorded in `demoforge_loads` in the delta's
//!   `applies-to` state; the rows, the new state and the audit row commit
//!   together, so a delta applied twice is refused (exit 4).
//! - The session runs with `foreign_key_checks = 0` for the transaction: a
//!   MySQL delta rewrites changed rows by deleting and inserting them with
//!   the same ids (`render::mapped`), and a parent's children keep pointing
//!   at its id meanwhile. Every statement is scoped to the tenant.

use std::time::Instant;

use mysql::prelude::Queryable;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::super::audit::AuditEntry;
use super::super::credentials;
use super::super::delta::explain;
use super::super::error::DbError;
use super::super::mapped::{check_rows, header_line, read_insert_batch};
use super::super::progress::Progress;
use super::super::replace::{Action, Outcome, Strategy, with_retries};
use super::replace::{check_tenants, write_audit};
use super::{check_mapping, ensure_bookkeeping, from_mysql, lock_companies};
use crate::catalog::Table;
use crate::render::delta::{MYSQL_SET_LINES, MappedDelta, Op, parse_temp_table};
use crate::render::mysql_text::{insert_head, values_to_copy};
use crate::target::Mapping;

/// A checked MySQL delta.
struct Delta<'a> {
    scenario: String,
    applies_to: String,
    results_in: String,
    companies: Vec<Uuid>,
    /// The statements in file order: `SET` lines, then each section's.
    statements: Vec<Statement<'a>>,
}

enum Statement<'a> {
    /// Runs as is; `counts` when it writes rows of the target's tables.
    Sql { text: &'a str, counts: Option<Op> },
    /// An `INSERT` batch into a section's temporary table.
    Rows(&'a str),
}

fn malformed(message: impl Into<String>) -> DbError {
    DbError::Refused {
        message: message.into(),
        help: "pass a delta built by `demoforge tick|overlay|build --target` for this target, unchanged; nothing was written".to_owned(),
    }
}

/// `load DELTA` on MySQL.
pub fn apply_delta_mysql(
    url: &str,
    bytes: &[u8],
    operator: &str,
    progress: &Progress,
    mapping: &Mapping,
    name: &str,
) -> Result<Outcome, DbError> {
    let started = Instant::now();
    let delta = parse(bytes, mapping, name)?;
    let dump_sha256 = credentials::hex(&Sha256::digest(bytes));
    let (mut conn, server) = super::connect(url)?;
    ensure_bookkeeping(&mut conn)?;
    conn.query_drop("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
        .map_err(|e| from_mysql("setting up the session", e))?;
    progress.phase("locking");
    lock_companies(&mut conn, &delta.companies)?;
    let outcome = with_retries(|| {
        let result = attempt(
            &mut conn,
            &delta,
            &dump_sha256,
            operator,
            mapping,
            progress,
            started,
            &server,
        );
        if result.is_err() {
            let _ = conn.query_drop("ROLLBACK");
        }
        // Whatever happened, the session's next statements check foreign
        // keys again, and its temporary tables are gone.
        let _ = conn.query_drop("SET SESSION foreign_key_checks = 1");
        let _ = drop_temporary(&mut conn, &delta);
        result
    });
    let _ = conn.query_drop("SELECT RELEASE_ALL_LOCKS()");
    progress.finish();
    outcome
}

#[allow(clippy::too_many_arguments)]
fn attempt(
    conn: &mut mysql::Conn,
    delta: &Delta<'_>,
    dump_sha256: &str,
    operator: &str,
    mapping: &Mapping,
    progress: &Progress,
    started: Instant,
    server: &super::super::connect::Server,
) -> Result<Outcome, DbError> {
    progress.phase("begin");
    conn.query_drop("START TRANSACTION")
        .map_err(|e| from_mysql("starting the transaction", e))?;
    conn.query_drop("SET SESSION foreign_key_checks = 0")
        .map_err(|e| from_mysql("setting up the session", e))?;
    check_mapping(conn, mapping)?;
    if !check_tenants(conn, mapping, &delta.companies)? {
        let (message, help) = explain(None, &delta.applies_to, &delta.results_in);
        return Err(DbError::Refused {
            message,
            help: format!("{help}. Nothing was written."),
        });
    }
    let credential_mode = check_state(conn, delta)?;
    progress.phase("applying");
    let (mut deleted, mut written) = (0u64, 0u64);
    for statement in &delta.statements {
        let (text, counts) = match statement {
            Statement::Sql { text, counts } => (*text, *counts),
            Statement::Rows(text) => (*text, None),
        };
        conn.query_drop(text)
            .map_err(|e| super::replace::id_collision(from_mysql("applying the delta", e)))?;
        match counts {
            Some(Op::Remove) => deleted += conn.affected_rows(),
            Some(Op::Upsert) => written += conn.affected_rows(),
            None => {}
        }
    }
    progress.phase("audit");
    let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let audit_id = write_audit(
        conn,
        &AuditEntry {
            action: Action::Load.as_str(),
            operator,
            scenario: &delta.scenario,
            company_ids: &delta.companies,
            dump_sha256,
            rows_deleted: deleted,
            rows_loaded: written,
            strategy: Strategy::Delta.as_str(),
            credentials_issued: 0,
            credential_mode: &credential_mode,
            duration_ms,
            tester_changes: None,
            replaced_unsummarised: false,
            state: &delta.results_in,
        },
    )?;
    progress.phase("commit");
    conn.query_drop("COMMIT")
        .map_err(|e| from_mysql("committing", e))?;
    Ok(Outcome {
        action: Action::Load,
        dry_run: false,
        scenario: delta.scenario.clone(),
        company_ids: delta.companies.clone(),
        dump_sha256: dump_sha256.to_owned(),
        rows_deleted: deleted,
        rows_loaded: written,
        strategy: Strategy::Delta,
        credentials_issued: 0,
        credential_mode,
        tester_changes: None,
        audit_id: Some(audit_id),
        files_written: Vec::new(),
        duration_ms,
        server: server.clone(),
    })
}

/// Every company must be recorded in `applies_to`; returns the credential
/// mode of its last load, which a delta keeps.
fn check_state(conn: &mut mysql::Conn, delta: &Delta<'_>) -> Result<String, DbError> {
    let mut mode = String::new();
    for id in &delta.companies {
        let row: Option<(Option<String>, String)> = conn
            .exec_first(
                "SELECT state, credential_mode FROM demoforge_loads WHERE company_id = ? FOR UPDATE",
                (id.to_string(),),
            )
            .map_err(|e| from_mysql("reading the tenant's state", e))?;
        let (state, credential_mode) = row.unwrap_or((None, String::new()));
        if state.as_deref() != Some(delta.applies_to.as_str()) {
            let current = Some(state.as_deref().unwrap_or(""));
            let (message, help) = explain(current, &delta.applies_to, &delta.results_in);
            return Err(DbError::Refused {
                message: format!("company {id}: {message}"),
                help: format!("{help}. Nothing was written."),
            });
        }
        mode = credential_mode;
    }
    Ok(mode)
}

fn drop_temporary(conn: &mut mysql::Conn, delta: &Delta<'_>) -> Result<(), mysql::Error> {
    for statement in &delta.statements {
        if let Statement::Sql { text, .. } = statement
            && let Some(name) = text.strip_prefix("DROP TEMPORARY TABLE ")
        {
            conn.query_drop(format!("DROP TEMPORARY TABLE IF EXISTS {name}"))?;
        }
    }
    Ok(())
}

/// Splits the delta into header, statements and `INSERT` batches, and
/// checks them against what the mapping writes.
fn parse<'a>(bytes: &'a [u8], mapping: &Mapping, name: &str) -> Result<Delta<'a>, DbError> {
    let text = std::str::from_utf8(bytes).map_err(|_| malformed("the delta is not UTF-8"))?;
    let mut header = std::collections::BTreeMap::new();
    let mut companies = Vec::new();
    // (statement, rows as COPY text when it is an INSERT batch)
    let mut items: Vec<(&str, Option<Vec<u8>>)> = Vec::new();
    let mut lines = text.split_inclusive('\n');
    let mut offset = 0usize;
    while let Some(line) = lines.next() {
        let start = offset;
        offset += line.len();
        let body = line.trim_end_matches('\n');
        if header_line(body, &mut header, &mut companies, malformed)? {
            continue;
        }
        if !(body.starts_with("INSERT INTO `delta_") && body.ends_with(") VALUES")) {
            items.push((body, None));
            continue;
        }
        let (statement, rows) = read_insert_batch(text, start, &mut offset, &mut lines, malformed)?;
        // The rows are read once the section (and so the table) is known.
        let mut joined = Vec::new();
        for row in rows {
            joined.extend_from_slice(row.as_bytes());
            joined.push(b'\n');
        }
        items.push((statement, Some(joined)));
    }
    let get = |key: &str| {
        header
            .get(key)
            .cloned()
            .ok_or_else(|| malformed(format!("the delta's header lacks `-- {key}:`")))
    };
    let scenario = get("scenario")?;
    let applies_to = get("applies-to")?;
    let results_in = get("results-in")?;
    let as_of = chrono::NaiveDate::parse_from_str(&get("as-of")?, "%Y-%m-%d")
        .map_err(|_| malformed("the delta's `-- as-of:` line is not a date"))?;
    if !results_in.contains(&format!("@{as_of}#")) {
        return Err(malformed(
            "the delta's `-- as-of:` line is not the date of its `results-in` state",
        ));
    }
    if companies.is_empty() {
        return Err(malformed("the delta names no company"));
    }
    let statements = check(&items, mapping, name, as_of, &companies)?;
    Ok(Delta {
        scenario,
        applies_to,
        results_in,
        companies,
        statements,
    })
}

/// The statements must be the `SET` lines, then per section exactly what
/// `section_statements` writes around its `INSERT` batches.
fn check<'a>(
    items: &[(&'a str, Option<Vec<u8>>)],
    mapping: &Mapping,
    name: &str,
    as_of: chrono::NaiveDate,
    companies: &[Uuid],
) -> Result<Vec<Statement<'a>>, DbError> {
    let sql_error = |e: crate::render::copy_text::NulByte| malformed(e.to_string());
    let mut expected_set: Vec<String> = MYSQL_SET_LINES.iter().map(|s| s.to_string()).collect();
    expected_set.push(crate::render::mapped::session_time_zone(mapping).map_err(sql_error)?);
    let companies: Vec<String> = companies.iter().map(Uuid::to_string).collect();
    let mut out = Vec::new();
    let mut rest = items;
    for want in &expected_set {
        match rest.split_first() {
            Some(((got, None), tail)) if got == want => {
                out.push(Statement::Sql {
                    text: got,
                    counts: None,
                });
                rest = tail;
            }
            _ => return Err(malformed("the delta does not start with its SET lines")),
        }
    }
    let mapped = MappedDelta {
        mapping,
        name,
        as_of,
    };
    while let Some(((first, _), _)) = rest.split_first() {
        let temp = first
            .strip_prefix("CREATE TEMPORARY TABLE `")
            .and_then(|r| r.split_once('`'))
            .map(|(n, _)| n)
            .ok_or_else(|| malformed(format!("unexpected statement: {}", shorten(first))))?;
        let (op, table_name) = parse_temp_table(&format!("pg_temp.{temp}"))
            .ok_or_else(|| malformed(format!("unexpected table `{temp}`")))?;
        let table = Table::by_name(&table_name)
            .ok_or_else(|| malformed(format!("{table_name} is not a demoforge table")))?;
        let columns: Vec<String> = table
            .def()
            .dump_columns()
            .map(|c| c.name.to_owned())
            .collect();
        let (before, after) =
            crate::render::delta::section_statements(op, &table_name, &columns, Some(&mapped))
                .map_err(|e| malformed(e.to_string()))?;
        let head = insert_head(table, temp).map_err(sql_error)?;
        let types: Vec<crate::catalog::Type> = table.def().dump_columns().map(|c| c.ty).collect();
        for want in &before {
            match rest.split_first() {
                Some(((got, None), tail)) if got == want => {
                    out.push(Statement::Sql {
                        text: got,
                        counts: None,
                    });
                    rest = tail;
                }
                _ => {
                    return Err(malformed(format!(
                        "a section of {table_name} does not start as demoforge writes it"
                    )));
                }
            }
        }
        while let Some(((statement, Some(rows)), tail)) = rest.split_first() {
            if statement.lines().next() != Some(head.as_str()) {
                return Err(malformed(format!(
                    "unexpected INSERT: {}",
                    shorten(statement)
                )));
            }
            let mut copy = Vec::new();
            // Every line is a row: an empty one is refused, not skipped.
            for row in rows
                .strip_suffix(b"\n")
                .unwrap_or(rows)
                .split(|&b| b == b'\n')
            {
                let row = std::str::from_utf8(row).map_err(|_| malformed("a row is not UTF-8"))?;
                let line = values_to_copy(row, &types).ok_or_else(|| {
                    malformed(format!(
                        "a row of {table_name} is not a row demoforge writes: {}",
                        shorten(row)
                    ))
                })?;
                copy.extend_from_slice(&line);
                copy.push(b'\n');
            }
            check_rows(table, &copy, &companies)?;
            out.push(Statement::Rows(statement));
            rest = tail;
        }
        for want in &after {
            match rest.split_first() {
                Some(((got, None), tail)) if got == want => {
                    out.push(Statement::Sql {
                        text: got,
                        counts: writes_target(got, op).then_some(op),
                    });
                    rest = tail;
                }
                _ => {
                    return Err(malformed(format!(
                        "a section of {table_name} does not end as demoforge writes it"
                    )));
                }
            }
        }
    }
    Ok(out)
}

/// Whether a section's statement is the one that writes its rows into the
/// target's own tables: the insert of an upsert (whose delete only clears
/// the rows it rewrites), the delete of a removal.
fn writes_target(statement: &str, op: Op) -> bool {
    match op {
        Op::Upsert => {
            statement.starts_with("INSERT INTO `") && !statement.starts_with("INSERT INTO `delta_")
        }
        Op::Remove => statement.starts_with("DELETE x FROM "),
    }
}

fn shorten(s: &str) -> String {
    s.chars().take(120).collect()
}
