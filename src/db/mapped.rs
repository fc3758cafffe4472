//! Loading and resetting a tenant of a mapped target (e.g. `laravel`).
//!
//! Input: a dump built for the target, the target's [`Mapping`], the options
//! of `load`/`reset` and a connection. Output: the tenant replaced, its
//! credentials reissued, an audit row, all in one transaction.
//!
//! Invariants:
//! - The dump's statements are not trusted: they must be exactly the ones the
//!   mapping compiles to for the dump's as-of date (`render::mapped`), and its
//!   COPY blocks must fill the staging tables with the catalog's columns,
//!   every row of a company the header names. Anything else is refused
//!   before connecting.
//! - Every write happens in one transaction, under the companies' advisory
//!   locks: a killed or failed run leaves the tenant as it was.
//! - A tenant whose demo flag is false is refused; deletes are scoped by the
//!   tenant column to the tenant found by its key, so no other tenant's row
//!   is touched.
//! - Integer ids come from the target tables' sequences (`nextval`), so an id
//!   is never reused; the tenant's own row keeps its id.
//! - Only hashes reach the database: bcrypt `$2y$` passwords, and Sanctum
//!   tokens whose plaintext is `<row id>|<secret>`.

use std::borrow::Cow;
use std::io::Write;
use std::time::Instant;

use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::audit::{self, AuditEntry};
use super::credentials::{self, Issued, Persona, Secret};
use super::credentials_file::FileMeta;
use super::error::DbError;
use super::lock;
use super::progress::Progress;
use super::replace::{Hashing, Options, Outcome, Strategy, commit_with_files, with_retries};
use super::test_hook::pause_point;
use crate::catalog::{Fill, Table};
use crate::render::mapped::{self, id_map, qualified};
use crate::render::sql_text::sql_ident;
use crate::target::{Dialect, Ids, Mapping};

/// One step of a mapped dump, in file order.
pub(super) enum Step<'a> {
    Sql(&'a str),
    /// A table's rows: a COPY block (PostgreSQL), or the `INSERT` batches of
    /// one table (MySQL), whose rows are read back into COPY text so that
    /// both are checked alike.
    Copy {
        /// The COPY statement, or the batches' `INSERT INTO … VALUES` head.
        statement: &'a str,
        /// COPY text, a row per line.
        rows: Cow<'a, [u8]>,
        /// Set when the block is checked.
        table: Table,
        /// MySQL: the batches' statements, as the dump has them.
        inserts: Vec<&'a str>,
    },
}

/// A checked mapped dump.
pub(super) struct MappedDump<'a> {
    pub(super) scenario: String,
    pub(super) as_of: String,
    pub(super) companies: Vec<Uuid>,
    pub(super) steps: Vec<Step<'a>>,
}

fn malformed(message: impl Into<String>) -> DbError {
    DbError::Refused {
        message: message.into(),
        help: "pass a dump built by `demoforge build --target` for this target, unchanged; nothing was written".to_owned(),
    }
}

/// Reads a dump's `-- key: value` header line, or a blank or `--` line:
/// company ids into `companies`, other keys into `header` (the first one
/// wins). Whether the line was one of those (and so is not a statement).
pub(super) fn header_line(
    body: &str,
    header: &mut std::collections::BTreeMap<String, String>,
    companies: &mut Vec<Uuid>,
    malformed: fn(String) -> DbError,
) -> Result<bool, DbError> {
    if let Some(comment) = body.strip_prefix("-- ") {
        if let Some((key, value)) = comment.split_once(": ") {
            if key == "company" {
                let id = value.split(' ').next().unwrap_or_default();
                companies.push(
                    Uuid::parse_str(id)
                        .map_err(|_| malformed(format!("`{id}` is not a company id")))?,
                );
            } else {
                header
                    .entry(key.to_owned())
                    .or_insert_with(|| value.to_owned());
            }
        }
        return Ok(true);
    }
    Ok(body.is_empty() || body == "--")
}

/// The rest of a MySQL `INSERT … VALUES` batch whose head line starts at
/// `start` of `text` (`offset` is the end of what `lines` has given):
/// the whole statement, and its row lines without their `,` or `;`. Every
/// line up to the one ending in `;` must be a row.
pub(super) fn read_insert_batch<'a>(
    text: &'a str,
    start: usize,
    offset: &mut usize,
    lines: &mut std::str::SplitInclusive<'a, char>,
    malformed: fn(String) -> DbError,
) -> Result<(&'a str, Vec<&'a str>), DbError> {
    let mut rows = Vec::new();
    for row in lines.by_ref() {
        *offset += row.len();
        let row = row.trim_end_matches('\n');
        if let Some(last) = row.strip_suffix(';') {
            rows.push(last);
            let statement = text[start..*offset].trim_end_matches('\n');
            return Ok((statement, rows));
        }
        rows.push(
            row.strip_suffix(',')
                .ok_or_else(|| malformed("a row of an INSERT does not end with `,`".to_owned()))?,
        );
    }
    Err(malformed("an INSERT has no `;` terminator".to_owned()))
}

/// The rows of one MySQL `INSERT` batch as COPY text, read with the types
/// of the staging table its head names. A row that is not exactly a tuple
/// of the table's values, as demoforge writes them, is refused.
fn mysql_rows(head: &str, rows: &[&str], mapping: &Mapping) -> Result<Vec<u8>, DbError> {
    let table = Table::ALL
        .iter()
        .copied()
        .filter(|&t| mapped::is_staged(mapping, t))
        .find(|&t| copy_statement(mapping, t).is_ok_and(|s| s == head))
        .ok_or_else(|| malformed(format!("unexpected INSERT: {}", shorten(head))))?;
    let types: Vec<crate::catalog::Type> = table.def().dump_columns().map(|c| c.ty).collect();
    let mut copy = Vec::new();
    for row in rows {
        let line = crate::render::mysql_text::values_to_copy(row, &types).ok_or_else(|| {
            malformed(format!(
                "a row of {} is not a row demoforge writes: {}",
                table.def().qualified,
                shorten(row)
            ))
        })?;
        copy.extend_from_slice(&line);
        copy.push(b'\n');
    }
    Ok(copy)
}

/// Splits and checks a mapped dump against what the mapping compiles to.
pub(super) fn parse<'a>(bytes: &'a [u8], mapping: &Mapping) -> Result<MappedDump<'a>, DbError> {
    let text = std::str::from_utf8(bytes).map_err(|_| malformed("the dump is not UTF-8"))?;
    let mut header = std::collections::BTreeMap::new();
    let mut companies = Vec::new();
    let mut steps = Vec::new();
    let mut lines = text.split_inclusive('\n');
    let mut offset = 0usize;
    while let Some(line) = lines.next() {
        offset += line.len();
        let body = line.trim_end_matches('\n');
        if header_line(body, &mut header, &mut companies, malformed)? {
            continue;
        }
        if mapping.dialect == Dialect::Mysql
            && body.starts_with("INSERT INTO `df_")
            && body.ends_with(") VALUES")
        {
            let start = offset - line.len();
            let (statement, rows) =
                read_insert_batch(text, start, &mut offset, &mut lines, malformed)?;
            let copy = mysql_rows(body, &rows, mapping)?;
            match steps.last_mut() {
                Some(Step::Copy {
                    statement: head,
                    rows,
                    inserts,
                    ..
                }) if *head == body => {
                    rows.to_mut().extend_from_slice(&copy);
                    inserts.push(statement);
                }
                _ => steps.push(Step::Copy {
                    statement: body,
                    rows: Cow::Owned(copy),
                    table: Table::Companies,
                    inserts: vec![statement],
                }),
            }
            continue;
        }
        if mapping.dialect == Dialect::Postgres
            && body.starts_with("COPY ")
            && body.ends_with(" FROM stdin;")
        {
            let rows_start = offset;
            let mut end = None;
            for row in lines.by_ref() {
                let row_start = offset;
                offset += row.len();
                if row == "\\.\n" || row == "\\." {
                    end = Some(row_start);
                    break;
                }
            }
            let end = end.ok_or_else(|| malformed("a COPY block has no `\\.` terminator"))?;
            steps.push(Step::Copy {
                statement: body,
                rows: Cow::Borrowed(&bytes[rows_start..end]),
                // Placeholder: `check_statements` sets the table it fills.
                table: Table::Companies,
                inserts: Vec::new(),
            });
            continue;
        }
        steps.push(Step::Sql(body));
    }
    let scenario = header
        .get("scenario")
        .cloned()
        .ok_or_else(|| malformed("the dump has no `-- scenario:` header line"))?;
    let as_of = header
        .get("as-of")
        .cloned()
        .ok_or_else(|| malformed("the dump has no `-- as-of:` header line"))?;
    check_version(header.get("demoforge-version").map(String::as_str))?;
    if companies.is_empty() {
        return Err(malformed("the dump names no company"));
    }
    let mut dump = MappedDump {
        scenario,
        as_of,
        companies,
        steps,
    };
    check_statements(&mut dump, mapping)?;
    Ok(dump)
}

fn check_version(version: Option<&str>) -> Result<(), DbError> {
    let major_minor = |v: &str| v.split('.').take(2).collect::<Vec<_>>().join(".");
    let ours = major_minor(env!("CARGO_PKG_VERSION"));
    match version {
        Some(v) if major_minor(v) == ours => Ok(()),
        other => Err(DbError::Refused {
            message: format!(
                "the dump was built by demoforge {}, this is {}",
                other.unwrap_or("(unknown)"),
                env!("CARGO_PKG_VERSION")
            ),
            help: "rebuild the dump with this version of demoforge; nothing was written".to_owned(),
        }),
    }
}

/// The SQL must be exactly the SET lines, then the plan's statements; each
/// COPY block must fill a staging table with the catalog's columns, and
/// every row must belong to a company of the header.
fn check_statements(dump: &mut MappedDump<'_>, mapping: &Mapping) -> Result<(), DbError> {
    let as_of = chrono::NaiveDate::parse_from_str(&dump.as_of, "%Y-%m-%d")
        .map_err(|_| malformed(format!("`{}` is not an as-of date", dump.as_of)))?;
    let plan = mapped::plan(mapping, as_of).map_err(|e| malformed(e.to_string()))?;
    let mut expected: Vec<String> = set_lines(mapping).iter().map(|s| s.to_string()).collect();
    expected.extend(
        plan.prepare
            .iter()
            .chain(&plan.finish)
            .chain(&plan.cleanup)
            .cloned(),
    );
    let found: Vec<&str> = dump
        .steps
        .iter()
        .filter_map(|s| match s {
            Step::Sql(sql) => Some(*sql),
            Step::Copy { .. } => None,
        })
        .collect();
    if found != expected {
        let first = found
            .iter()
            .zip(&expected)
            .find(|(a, b)| **a != b.as_str())
            .map_or_else(
                || "a statement is missing or extra".to_owned(),
                |(a, _)| format!("unexpected statement: {}", shorten(a)),
            );
        return Err(malformed(format!(
            "the dump's statements are not the ones this target's mapping compiles to ({first})"
        )));
    }
    let companies: Vec<String> = dump.companies.iter().map(Uuid::to_string).collect();
    let mut seen = Vec::new();
    for step in &mut dump.steps {
        if let Step::Copy {
            statement,
            rows,
            table,
            ..
        } = step
        {
            *table = check_copy(statement, rows, mapping, &companies)?;
            if seen.contains(table) {
                return Err(malformed(format!(
                    "{} has two COPY blocks",
                    table.def().qualified
                )));
            }
            seen.push(*table);
            if *table == Table::Companies {
                check_company_rows(rows, &companies)?;
            }
        }
    }
    if !seen.contains(&Table::Companies) {
        return Err(malformed("the dump has no rows for its companies"));
    }
    Ok(())
}

/// The session settings a dump of the mapping's dialect starts with.
pub(super) fn set_lines(mapping: &Mapping) -> &'static [&'static str] {
    match mapping.dialect {
        Dialect::Postgres => &[
            "SET client_encoding = 'UTF8';",
            "SET standard_conforming_strings = on;",
            "SET client_min_messages = warning;",
        ],
        Dialect::Mysql => &crate::render::delta::MYSQL_SET_LINES,
    }
}

/// The companies block holds each company of the header once, and nothing
/// else: every other row is scoped to one of them, so a tenant row must
/// exist for each.
fn check_company_rows(rows: &[u8], companies: &[String]) -> Result<(), DbError> {
    let mut ids: Vec<String> = rows
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| {
            let id = l.split(|&b| b == b'\t').next().unwrap_or_default();
            String::from_utf8_lossy(id).to_ascii_lowercase()
        })
        .collect();
    ids.sort();
    let mut expected: Vec<String> = companies.iter().map(|c| c.to_ascii_lowercase()).collect();
    expected.sort();
    if ids == expected {
        Ok(())
    } else {
        Err(malformed(
            "the dump's company rows are not exactly the companies its header names",
        ))
    }
}

fn shorten(s: &str) -> String {
    s.chars().take(120).collect()
}

fn check_copy(
    statement: &str,
    rows: &[u8],
    mapping: &Mapping,
    companies: &[String],
) -> Result<Table, DbError> {
    let table = Table::ALL
        .iter()
        .copied()
        .filter(|&t| mapped::is_staged(mapping, t))
        .find(|&t| copy_statement(mapping, t).is_ok_and(|s| s == statement))
        .ok_or_else(|| malformed(format!("unexpected COPY: {}", shorten(statement))))?;
    check_rows(table, rows, companies)?;
    Ok(table)
}

/// Every row of `table` (COPY text) has the catalog's columns, belongs to
/// one of `companies` and carries no credential.
pub(super) fn check_rows(table: Table, rows: &[u8], companies: &[String]) -> Result<(), DbError> {
    let def = table.def();
    let columns: Vec<_> = def.dump_columns().collect();
    let tenant_at = columns.iter().position(|c| c.name == def.tenant_column);
    let credential_at: Vec<usize> = columns
        .iter()
        .enumerate()
        .filter(|(_, c)| c.fill == Fill::Credential)
        .map(|(i, _)| i)
        .collect();
    for line in rows.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let fields: Vec<&[u8]> = line.split(|&b| b == b'\t').collect();
        if fields.len() != columns.len() {
            return Err(malformed(format!(
                "a row of {} has {} fields, not {}",
                def.qualified,
                fields.len(),
                columns.len()
            )));
        }
        let company = tenant_at.and_then(|i| std::str::from_utf8(fields[i]).ok());
        if !company.is_some_and(|c| companies.iter().any(|k| k.eq_ignore_ascii_case(c))) {
            return Err(DbError::Refused {
                message: format!("a row of {} belongs to a company the dump's header does not name", def.qualified),
                help: "a dump only ever writes its own companies; rebuild it with `demoforge build --target`. Nothing was written.".to_owned(),
            });
        }
        if credential_at.iter().any(|&i| fields[i] != b"\\N") {
            return Err(DbError::Refused {
                message: format!("the dump carries a credential in {}", def.qualified),
                help: "credentials are issued by load and reset, never shipped in a dump. Nothing was written.".to_owned(),
            });
        }
    }
    Ok(())
}

/// The COPY statement the dump layout writes for a staged table, or in
/// MySQL the head of its `INSERT` batches.
fn copy_statement(
    mapping: &Mapping,
    table: Table,
) -> Result<String, crate::render::copy_text::NulByte> {
    let (schema, name) = mapped::copy_target(mapping, table);
    if mapping.dialect == Dialect::Mysql {
        return crate::render::insert_head(table, &name);
    }
    let columns: Result<Vec<String>, _> = table
        .def()
        .dump_columns()
        .map(|c| sql_ident(c.name))
        .collect();
    Ok(format!(
        "COPY {}.{} ({}) FROM stdin;",
        sql_ident(&schema)?,
        sql_ident(&name)?,
        columns?.join(", ")
    ))
}

/// `load` or `reset` of a mapped target's tenant.
pub fn replace_mapped(
    url: &str,
    bytes: &[u8],
    mapping: &Mapping,
    options: &Options,
    progress: &Progress,
) -> Result<Outcome, DbError> {
    let started = Instant::now();
    let dump = parse(bytes, mapping)?;
    let dump_sha256 = credentials::hex(&Sha256::digest(bytes));
    let personas = personas(&dump);
    let (mut client, server) = super::connect(url)?;
    // bcrypt runs on another thread while PostgreSQL copies and inserts.
    std::thread::scope(|scope| {
        let mut hashing = Hashing {
            running: Some(scope.spawn(|| credentials::issue(&personas, &options.policy))),
            issued: Vec::new(),
        };
        let outcome = with_retries(|| {
            attempt(
                &mut client,
                &server,
                &dump,
                &dump_sha256,
                mapping,
                options,
                progress,
                started,
                &mut hashing,
            )
        });
        progress.finish();
        outcome
    })
}

#[allow(clippy::too_many_arguments)]
fn attempt(
    client: &mut postgres::Client,
    server: &super::connect::Server,
    dump: &MappedDump<'_>,
    dump_sha256: &str,
    mapping: &Mapping,
    options: &Options,
    progress: &Progress,
    started: Instant,
    hashing: &mut Hashing<'_>,
) -> Result<Outcome, DbError> {
    let q = |phase: &'static str| move |e| DbError::from_pg(phase, e);
    progress.phase("begin");
    let mut tx = client
        .transaction()
        .map_err(q("starting the transaction"))?;
    // Before any statement with a literal runs (the tenant deletes come
    // before the dump's own SET lines): a database configured with
    // `standard_conforming_strings = off` would read a backslash in a
    // literal as an escape.
    tx.batch_execute("SET LOCAL standard_conforming_strings = on")
        .map_err(q("setting standard_conforming_strings"))?;
    check_mapping(&mut tx, mapping)?;
    progress.phase("locking");
    lock::lock_companies(&mut tx, &dump.companies)?;
    pause_point("locked");
    let existed = check_tenants(&mut tx, mapping, &dump.companies)?;
    progress.phase("deleting");
    let mut rows_deleted = 0u64;
    for company in dump.companies.iter().filter(|_| existed) {
        for delete in mapped::tenant_deletes(mapping).map_err(|e| malformed(e.to_string()))? {
            rows_deleted += tx
                .execute(delete.as_str(), &[&company.to_string()])
                .map_err(q("deleting the tenant's rows"))?;
        }
    }
    pause_point("deleted");
    progress.phase("copying");
    // Loader-only tuning, not a statement of the dump: the inserts hash and
    // sort tens of thousands of staged rows, which the default 4 MB spills
    // to disk. Ends with the transaction.
    tx.batch_execute("SET LOCAL work_mem = '64MB'")
        .map_err(q("setting work_mem"))?;
    let mut rows_loaded = 0u64;
    let tenant_insert = format!(
        "INSERT INTO {} (",
        qualified(&mapping.tenant.table).map_err(|e| malformed(e.to_string()))?
    );
    for step in &dump.steps {
        match step {
            Step::Sql(sql)
                if sql.starts_with("INSERT INTO ") && !sql.starts_with("INSERT INTO pg_temp.") =>
            {
                let written = tx
                    .execute(*sql, &[])
                    .map_err(q("moving the staged rows into the target's tables"))?;
                if sql.starts_with(&tenant_insert) && written != dump.companies.len() as u64 {
                    return Err(tenant_id_taken(mapping));
                }
                rows_loaded += written;
            }
            Step::Sql(sql) if sql.starts_with("DROP TABLE ") => {}
            Step::Sql(sql) => tx
                .batch_execute(sql)
                .map_err(q("preparing the staging tables"))?,
            Step::Copy {
                statement, rows, ..
            } => {
                let statement = statement
                    .trim_end_matches(';')
                    .replace(" FROM stdin", " FROM STDIN");
                let mut writer = tx
                    .copy_in(statement.as_str())
                    .map_err(q("copying the dump's rows"))?;
                writer
                    .write_all(rows)
                    .map_err(|e| DbError::ConnectionLost {
                        phase: "copying the dump's rows".to_owned(),
                        message: e.to_string(),
                    })?;
                writer.finish().map_err(q("copying the dump's rows"))?;
            }
        }
    }
    for statement in mapped::persist_ids(mapping).map_err(|e| malformed(e.to_string()))? {
        tx.execute(statement.as_str(), &[])
            .map_err(q("keeping the tenant's id map"))?;
    }
    pause_point("copied");
    progress.phase("hashing");
    let issued = hashing.get()?.to_vec();
    progress.phase("credentials");
    let issued = store_credentials(&mut tx, mapping, issued)?;
    pause_point("credentials");
    for step in &dump.steps {
        if let Step::Sql(sql) = step
            && sql.starts_with("DROP TABLE ")
        {
            tx.batch_execute(sql)
                .map_err(q("dropping the staging tables"))?;
        }
    }
    progress.phase("audit");
    let credential_mode = options.policy.mode_label();
    let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let state = crate::render::delta::state(&dump.scenario, &dump.as_of, dump_sha256);
    let audit_id = if options.dry_run {
        None
    } else {
        Some(audit::write(
            &mut tx,
            &AuditEntry {
                action: options.action.as_str(),
                operator: &options.operator,
                scenario: &dump.scenario,
                company_ids: &dump.companies,
                dump_sha256,
                rows_deleted,
                rows_loaded,
                strategy: strategy(existed).as_str(),
                credentials_issued: issued.len(),
                credential_mode: &credential_mode,
                duration_ms,
                tester_changes: None,
                replaced_unsummarised: existed,
                state: &state,
            },
        )?)
    };
    pause_point("audited");
    let files_written = if options.dry_run {
        tx.rollback().map_err(q("rolling back the dry run"))?;
        Vec::new()
    } else {
        let meta = FileMeta {
            scenario: &dump.scenario,
            credential_mode: &credential_mode,
            issued_at: chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now())
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        };
        commit_with_files(tx, &options.outputs, &meta, &issued, progress)?
    };
    Ok(Outcome {
        action: options.action,
        dry_run: options.dry_run,
        scenario: dump.scenario.clone(),
        company_ids: dump.companies.clone(),
        dump_sha256: dump_sha256.to_owned(),
        rows_deleted,
        rows_loaded,
        strategy: strategy(existed),
        credentials_issued: issued.len(),
        credential_mode,
        tester_changes: None,
        audit_id,
        files_written,
        duration_ms,
        server: server.clone(),
    })
}

/// Refuses, before anything is written, a mapping that does not fit the
/// target database's tables: the problems are reported at the mapping's
/// lines ([`crate::target::ddl`]).
pub fn check_mapping(tx: &mut postgres::Transaction<'_>, mapping: &Mapping) -> Result<(), DbError> {
    let tables = describe_tables(tx, &crate::target::ddl::wanted_tables(mapping))?;
    let problems = crate::target::ddl::check(mapping, &tables);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(DbError::Mapping(Box::new(mapping.errors(problems))))
    }
}

/// The columns of each table the database has, by the mapping's name for it.
fn describe_tables(
    tx: &mut postgres::Transaction<'_>,
    names: &[crate::target::Name],
) -> Result<crate::target::ddl::Tables, DbError> {
    let sql = |e: crate::render::copy_text::NulByte| malformed(e.to_string());
    let mut tables = crate::target::ddl::Tables::new();
    for name in names {
        let qualified = qualified(name).map_err(sql)?;
        let rows = tx
            .query(
                "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod), a.attnotnull,                         a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> '',                         pg_get_serial_sequence($1, a.attname) IS NOT NULL                  FROM pg_attribute a                  WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped                  ORDER BY a.attnum",
                &[&qualified],
            )
            .map_err(|e| DbError::from_pg("reading the target's tables", e))?;
        if rows.is_empty() {
            continue;
        }
        let columns = rows
            .iter()
            .map(|r| crate::target::ddl::DbColumn {
                name: r.get(0),
                ty: r.get(1),
                not_null: r.get(2),
                has_default: r.get(3),
                has_sequence: r.get(4),
            })
            .collect();
        tables.insert(name.clone(), columns);
    }
    Ok(tables)
}

/// The tenant insert wrote fewer rows than the dump has companies: the id
/// the sequence handed out belongs to another tenant, whose row the insert
/// left alone (its key differs).
fn tenant_id_taken(mapping: &Mapping) -> DbError {
    DbError::Refused {
        message: format!(
            "the id the sequence of {table} gave the demo tenant is held by another row of {table}",
            table = mapping.tenant.table
        ),
        help: format!(
            "the sequence is behind the ids in {table} (rows inserted with explicit ids?): move it past them with `SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))`; nothing was written",
            table = mapping.tenant.table
        ),
    }
}

/// A mapped tenant is always replaced whole: inserted when new, else
/// deleted and inserted again (new ids from the sequences).
pub(super) fn strategy(existed: bool) -> Strategy {
    if existed {
        Strategy::Full
    } else {
        Strategy::Insert
    }
}

/// Refuses a tenant whose demo flag is false; says whether the tenants exist.
pub(super) fn check_tenants(
    tx: &mut postgres::Transaction<'_>,
    mapping: &Mapping,
    companies: &[Uuid],
) -> Result<bool, DbError> {
    let sql = |e: crate::render::copy_text::NulByte| malformed(e.to_string());
    let query = format!(
        "SELECT k.{flag} FROM {table} k WHERE k.{key}::text = $1 FOR UPDATE",
        flag = sql_ident(&mapping.tenant.demo_flag).map_err(sql)?,
        table = qualified(&mapping.tenant.table).map_err(sql)?,
        key = sql_ident(&mapping.tenant.key).map_err(sql)?,
    );
    let mut existed = false;
    for company in companies {
        let rows = tx
            .query(query.as_str(), &[&company.to_string()])
            .map_err(|e| DbError::from_pg("checking the target tenant", e))?;
        for row in rows {
            existed = true;
            let is_demo: Option<bool> = row.get(0);
            if is_demo != Some(true) {
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

/// The personas, from the dump's staged users block, in dump order: known
/// before connecting, so that hashing starts at once.
pub(super) fn personas(dump: &MappedDump<'_>) -> Vec<Persona> {
    let def = Table::Users.def();
    let columns: Vec<&str> = def.dump_columns().map(|c| c.name).collect();
    let at = |name: &str| columns.iter().position(|c| *c == name);
    let (Some(id), Some(company), Some(name), Some(email)) =
        (at("id"), at("company_id"), at("name"), at("email"))
    else {
        return Vec::new();
    };
    let Some(rows) = dump.steps.iter().find_map(|s| match s {
        Step::Copy { table, rows, .. } if *table == Table::Users => Some(rows.as_ref()),
        _ => None,
    }) else {
        return Vec::new();
    };
    rows.split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .filter_map(|line| {
            let fields: Vec<&[u8]> = line.split(|&b| b == b'\t').collect();
            credentials::persona_from_fields(&fields, [id, company, name, email])
        })
        .collect()
}

/// Stores the hashes: the password into the users table, and a Sanctum
/// token per persona. A Sanctum token's plaintext is `<row id>|<secret>`, so
/// the issued token is rewritten with the id the row got.
fn store_credentials(
    tx: &mut postgres::Transaction<'_>,
    mapping: &Mapping,
    issued: Vec<Issued>,
) -> Result<Vec<Issued>, DbError> {
    let Some(credentials) = &mapping.credentials else {
        return Ok(Vec::new());
    };
    let sql = |e: crate::render::copy_text::NulByte| malformed(e.to_string());
    let users_id = mapping
        .of(Table::Users)
        .next()
        .map_or("id", |t| t.id.as_str());
    let user_row = match mapping.ids {
        Ids::Integer => format!(
            "(SELECT m.id FROM pg_temp.{} m WHERE m.uuid = $2)",
            id_map(Table::Users)
        ),
        Ids::Uuid => "$2".to_owned(),
    };
    let update = format!(
        "UPDATE {users} SET {password} = $1 WHERE {id} = {user_row}",
        users = qualified(&credentials.users).map_err(sql)?,
        password = sql_ident(&credentials.password).map_err(sql)?,
        id = sql_ident(users_id).map_err(sql)?,
    );
    let fail = |e| DbError::from_pg("storing credential hashes", e);
    let update = tx.prepare(update.as_str()).map_err(fail)?;
    let insert = match &credentials.tokens {
        Some(tokens) => Some(
            tx.prepare(
                format!(
                    "INSERT INTO {table} (tokenable_type, tokenable_id, name, token, abilities, created_at, updated_at) \
                     VALUES ($1, {owner}, 'demoforge', $3, '[\"*\"]', now(), now()) RETURNING id::text",
                    table = qualified(&tokens.table).map_err(sql)?,
                    owner = user_row,
                )
                .as_str(),
            )
            .map_err(fail)?,
        ),
        None => None,
    };
    let mut stored = Vec::with_capacity(issued.len());
    for mut cred in issued {
        let user: Uuid = cred.persona.user_id;
        tx.execute(&update, &[&cred.password_hash, &user])
            .map_err(fail)?;
        if let (Some(insert), Some(tokens)) = (&insert, &credentials.tokens) {
            let row = tx
                .query_one(insert, &[&tokens.owner_type, &user, &cred.token_hash])
                .map_err(fail)?;
            let id: String = row.get(0);
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
