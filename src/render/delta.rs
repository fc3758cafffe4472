//! Delta dumps: the rows that take a tenant from one compiled state to another.
//!
//! Input: two scenarios (or two rendered dumps) and a [`DeltaHeader`]. Output:
//! the bytes of a delta file in the format of docs/dump-format.md ("Delta
//! dumps"). Pure: both sides are compiled into [`MemoryStore`]s and diffed table
//! by table by primary key, as [`crate::catalog`] declares it (the whole row
//! for a table keyed by all its columns, or one the catalog cannot match).
//! Invariants: the output is deterministic (tables in foreign-key order, rows in
//! the target's order, removals in the base's order), every row carries a
//! company of the target dump, and the same SQL statements the file holds are
//! what `demoforge load` checks and runs ([`statements`]). Header values go
//! through [`sql_comment`], rows are copied as the base dumps escaped them
//! ([`super::copy_text`]), and table and column names are the base dumps'
//! `COPY` names, which the template escaped with `sql_ident`.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use sha2::{Digest, Sha256};

use super::sql_text::{sql_comment, unescape_comment};
use super::{MemoryStore, RenderError, TemplateError, TemplateSet};
use crate::catalog::{self, Fill, TableDef};
use crate::model::{Scenario, TravelOffset, TravelUnit};

/// The header of a delta file: what it is and which states it joins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeltaHeader {
    pub scenario: String,
    /// `"travel"`, `"tick"` or `"overlay"`.
    pub kind: &'static str,
    /// Human label, e.g. `+6 months`.
    pub label: String,
    /// The state the tenant must be in, see [`state`].
    pub applies_to: String,
    /// The state the tenant is in afterwards.
    pub results_in: String,
}

/// What a section of a delta does with its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// Insert new rows and update changed ones (by primary key).
    Upsert,
    /// Delete these rows (matched by primary key).
    Remove,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Upsert => "upsert",
            Op::Remove => "remove",
        }
    }
}

/// A tenant state: `<scenario>@<as_of>#<first 16 hex of the base dump's sha256>`.
pub fn state(scenario: &str, as_of: &str, base_sha256_hex: &str) -> String {
    let short = base_sha256_hex.get(..16).unwrap_or(base_sha256_hex);
    format!("{scenario}@{as_of}#{short}")
}

/// The state of a freshly loaded base dump, from its bytes.
pub fn base_state(scenario: &str, as_of: &str, base_dump: &[u8]) -> String {
    state(scenario, as_of, &hex(&Sha256::digest(base_dump)))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// The temp table that carries one section's rows: `pg_temp.delta_<op>__<schema>__<table>`.
pub fn temp_table(op: Op, table: &str) -> String {
    format!(
        "pg_temp.delta_{}__{}",
        op.as_str(),
        table.replace('.', "__")
    )
}

/// The real table behind a temp table name, and the section's op.
pub fn parse_temp_table(name: &str) -> Option<(Op, String)> {
    let rest = name.strip_prefix("pg_temp.delta_")?;
    let (op, table) = rest.split_once("__")?;
    let op = match op {
        "upsert" => Op::Upsert,
        "remove" => Op::Remove,
        _ => return None,
    };
    let (schema, table) = table.split_once("__")?;
    Some((op, format!("{schema}.{table}")))
}

/// The declaration behind a dump table: by its name, or by its column list
/// when a template renamed the table.
fn declaration(table: &str, columns: &[String]) -> Option<&'static TableDef> {
    catalog::by_name(table).or_else(|| catalog::by_dump_columns(columns))
}

/// A section's key: the catalog's primary key, when the section carries
/// every key column and the key is not the whole row. `None` keys the
/// section by the whole row (`core.role_permissions`, or a table the catalog
/// cannot match).
fn primary_key(table: &str, columns: &[String]) -> Option<&'static [&'static str]> {
    let key = declaration(table, columns)?.primary_key;
    let carried = key.iter().all(|k| columns.iter().any(|c| c == k));
    (carried && key.len() < columns.len()).then_some(key)
}

/// Columns never overwritten by an upsert: credentials the loader issues.
fn is_kept_column(table: &str, columns: &[String], column: &str) -> bool {
    declaration(table, columns)
        .and_then(|t| t.column(column))
        .is_some_and(|c| c.fill == Fill::Credential)
}

/// The SQL statements around one section's `COPY <temp table> … FROM stdin;`
/// block: (before, after). The file holds exactly these; the loader checks
/// them and runs its own copy of them. Keys come from the catalog
/// ([`primary_key`]): `ON CONFLICT` names the key as declared, the `DELETE`
/// lists its columns in `COPY` order.
pub fn statements(op: Op, table: &str, columns: &[String]) -> (Vec<String>, Vec<String>) {
    let temp = temp_table(op, table);
    let before = vec![format!("CREATE TEMP TABLE {} (LIKE {table});", &temp[8..])];
    let cols = columns.join(", ");
    let key = primary_key(table, columns);
    let action = match op {
        Op::Upsert => {
            // Tenant tables are keyed by (company_id, id): a row with the
            // same id in another company is a different row, never taken over.
            let conflict = match key {
                Some(key) => {
                    let sets: Vec<String> = columns
                        .iter()
                        .filter(|c| {
                            !key.contains(&c.as_str()) && !is_kept_column(table, columns, c)
                        })
                        .map(|c| format!("{c} = EXCLUDED.{c}"))
                        .collect();
                    let key = key.join(", ");
                    if sets.is_empty() {
                        format!("ON CONFLICT ({key}) DO NOTHING")
                    } else {
                        format!("ON CONFLICT ({key}) DO UPDATE SET {}", sets.join(", "))
                    }
                }
                None => "ON CONFLICT DO NOTHING".to_owned(),
            };
            format!("INSERT INTO {table} ({cols}) SELECT {cols} FROM {temp} {conflict};")
        }
        Op::Remove => {
            let key: Vec<&str> = columns
                .iter()
                .map(String::as_str)
                .filter(|c| key.is_none_or(|key| key.contains(c)))
                .collect();
            let key = key.join(", ");
            format!("DELETE FROM {table} WHERE ({key}) IN (SELECT {key} FROM {temp});")
        }
    };
    (before, vec![action, format!("DROP TABLE {temp};")])
}

/// One table's rows in a rendered dump.
struct Table<'a> {
    name: String,
    columns: Vec<String>,
    rows: Vec<&'a [u8]>,
}

/// The header line values and tables of a rendered dump.
struct Parsed<'a> {
    companies: Vec<String>,
    as_of: Option<String>,
    tables: Vec<Table<'a>>,
}

fn malformed(message: impl Into<String>) -> RenderError {
    RenderError::Template(TemplateError {
        name: "delta".into(),
        message: message.into(),
    })
}

/// A lenient reader of the dumps this crate renders itself.
fn parse_dump(bytes: &[u8]) -> Result<Parsed<'_>, RenderError> {
    let mut parsed = Parsed {
        companies: Vec::new(),
        as_of: None,
        tables: Vec::new(),
    };
    let mut current: Option<Table<'_>> = None;
    for line in bytes.split(|b| *b == b'\n') {
        if let Some(table) = current.as_mut() {
            if line == b"\\." {
                parsed.tables.extend(current.take());
            } else {
                table.rows.push(line);
            }
            continue;
        }
        let text = std::str::from_utf8(line).map_err(|_| malformed("a line is not UTF-8"))?;
        if let Some(company) = text.strip_prefix("-- company: ") {
            let company = unescape_comment(company)
                .ok_or_else(|| malformed(format!("`{text}` is not an escaped comment")))?;
            parsed.companies.push(company);
        } else if let Some(as_of) = text.strip_prefix("-- as-of: ") {
            parsed.as_of = Some(as_of.to_owned());
        } else if let Some(rest) = text.strip_prefix("COPY ") {
            let rest = rest
                .strip_suffix(") FROM stdin;")
                .ok_or_else(|| malformed(format!("unexpected COPY line `{text}`")))?;
            let (name, cols) = rest
                .split_once(" (")
                .ok_or_else(|| malformed(format!("unexpected COPY line `{text}`")))?;
            current = Some(Table {
                name: name.to_owned(),
                columns: cols.split(", ").map(str::to_owned).collect(),
                rows: Vec::new(),
            });
        }
    }
    if current.is_some() {
        return Err(malformed("a COPY block has no terminator"));
    }
    Ok(parsed)
}

/// How a table's rows are matched between two dumps: by the bytes of the
/// catalog's primary key fields, or by the whole row.
#[derive(Clone, Copy)]
enum RowKey {
    /// The key is the first `n` fields (as for every catalog table).
    Prefix(usize),
    /// Fields at these positions, in order.
    Fields(&'static [&'static str]),
    Row,
}

impl RowKey {
    fn of(table: &Table<'_>) -> RowKey {
        let Some(key) = primary_key(&table.name, &table.columns) else {
            return RowKey::Row;
        };
        let prefix = table.columns.iter().take(key.len());
        if prefix.clone().all(|c| key.contains(&c.as_str())) {
            RowKey::Prefix(key.len())
        } else {
            RowKey::Fields(key)
        }
    }

    fn apply<'a>(self, columns: &[String], row: &'a [u8]) -> Cow<'a, [u8]> {
        match self {
            RowKey::Row => Cow::Borrowed(row),
            RowKey::Prefix(n) => {
                let end = row
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| **b == b'\t')
                    .nth(n - 1)
                    .map_or(row.len(), |(i, _)| i);
                Cow::Borrowed(&row[..end])
            }
            RowKey::Fields(key) => {
                let fields: Vec<&[u8]> = row.split(|b| *b == b'\t').collect();
                let mut out = Vec::new();
                for k in key {
                    let i = columns.iter().position(|c| c == k);
                    out.extend_from_slice(i.and_then(|i| fields.get(i)).unwrap_or(&&b""[..]));
                    out.push(b'\t');
                }
                Cow::Owned(out)
            }
        }
    }
}

/// One table's changes.
struct Section<'a> {
    table: String,
    columns: Vec<String>,
    removed: Vec<&'a [u8]>,
    upserted: Vec<&'a [u8]>,
}

/// Diffs two rendered dumps into a delta file. `base` and `target` are the
/// bytes of base dumps of the same scenario (as `render::compile` writes).
pub fn diff_dumps(
    base: &[u8],
    target: &[u8],
    header: &DeltaHeader,
) -> Result<Vec<u8>, RenderError> {
    diff_dumps_for(base, target, header, None)
}

/// A staged target's side of a delta: its mapping, and the date its
/// `{timestamp: as_of}` values take (the delta's resulting as-of date).
pub struct MappedDelta<'m> {
    pub mapping: &'m crate::target::Mapping,
    /// The target's name, written on the `-- target:` line.
    pub name: &'m str,
    pub as_of: chrono::NaiveDate,
}

/// Diffs two reference-shaped dumps; with `mapped`, writes the delta for a
/// staged target (its statements, and `-- as-of:`/`-- target:` lines).
pub fn diff_dumps_for(
    base: &[u8],
    target: &[u8],
    header: &DeltaHeader,
    mapped: Option<&MappedDelta<'_>>,
) -> Result<Vec<u8>, RenderError> {
    let base = parse_dump(base)?;
    let target = parse_dump(target)?;
    let mut sections: Vec<Section<'_>> = Vec::new();
    let base_tables: HashMap<&str, &Table<'_>> =
        base.tables.iter().map(|t| (t.name.as_str(), t)).collect();
    let target_names: HashSet<&str> = target.tables.iter().map(|t| t.name.as_str()).collect();
    for t in &target.tables {
        let key = RowKey::of(t);
        let old: HashMap<Cow<'_, [u8]>, &[u8]> = match base_tables.get(t.name.as_str()) {
            Some(b) if b.columns == t.columns => b
                .rows
                .iter()
                .map(|r| (key.apply(&b.columns, r), *r))
                .collect(),
            Some(_) => {
                return Err(malformed(format!(
                    "{} has different columns in the two dumps",
                    t.name
                )));
            }
            None => HashMap::new(),
        };
        let upserted: Vec<&[u8]> = t
            .rows
            .iter()
            .copied()
            .filter(|r| old.get(&key.apply(&t.columns, r)) != Some(r))
            .collect();
        let keys: HashSet<Cow<'_, [u8]>> =
            t.rows.iter().map(|r| key.apply(&t.columns, r)).collect();
        let removed: Vec<&[u8]> = base_tables
            .get(t.name.as_str())
            .map(|b| {
                b.rows
                    .iter()
                    .copied()
                    .filter(|r| !keys.contains(&key.apply(&b.columns, r)))
                    .collect()
            })
            .unwrap_or_default();
        sections.push(Section {
            table: t.name.clone(),
            columns: t.columns.clone(),
            removed,
            upserted,
        });
    }
    // Tables that lost every row are removed after the target's tables, so the
    // reverse order below deletes them first.
    for b in &base.tables {
        if !target_names.contains(b.name.as_str()) {
            sections.push(Section {
                table: b.name.clone(),
                columns: b.columns.clone(),
                removed: b.rows.clone(),
                upserted: Vec::new(),
            });
        }
    }
    if let Some(m) = mapped {
        let changed = sections
            .iter()
            .filter(|s| !s.upserted.is_empty() || !s.removed.is_empty());
        for section in changed {
            let table = section_table(section)?;
            if let Some(why) = super::mapped::delta_refusal(m.mapping, table) {
                return Err(malformed(format!(
                    "cannot write a delta for the target `{}`: {why}; reset the tenant instead",
                    m.name
                )));
            }
        }
    }
    write_delta(&target.companies, &sections, header, mapped)
}

/// The catalog table of a section of a reference-shaped dump.
fn section_table(section: &Section<'_>) -> Result<crate::catalog::Table, RenderError> {
    crate::catalog::Table::by_name(&section.table)
        .ok_or_else(|| malformed(format!("{} is not a demoforge table", section.table)))
}

/// The statements around a section: the reference's, or the staged
/// target's ([`super::mapped::delta_statements`]).
pub fn section_statements(
    op: Op,
    table: &str,
    columns: &[String],
    mapped: Option<&MappedDelta<'_>>,
) -> Result<(Vec<String>, Vec<String>), RenderError> {
    let Some(m) = mapped else {
        return Ok(statements(op, table, columns));
    };
    let t = crate::catalog::Table::by_name(table)
        .ok_or_else(|| malformed(format!("{table} is not a demoforge table")))?;
    // Refused here too, not only when a delta is written: a forged delta
    // must not reach a table whose rows a delta cannot address.
    if let Some(why) = super::mapped::delta_refusal(m.mapping, t) {
        return Err(malformed(format!(
            "a delta for the target `{}` cannot change {table}: {why}",
            m.name
        )));
    }
    Ok(super::mapped::delta_statements(
        m.mapping,
        op == Op::Upsert,
        t,
        &temp_table(op, table),
        m.as_of,
    )?)
}

fn write_delta(
    companies: &[String],
    sections: &[Section<'_>],
    header: &DeltaHeader,
    mapped: Option<&MappedDelta<'_>>,
) -> Result<Vec<u8>, RenderError> {
    let rows: usize = sections
        .iter()
        .map(|s| s.removed.len() + s.upserted.len())
        .sum();
    let mut out = String::new();
    out.push_str("-- demoforge delta dump\n");
    let mut meta = |key: &str, value: &str| {
        let _ = writeln!(out, "-- {key}: {}", sql_comment(value));
    };
    meta("scenario", &header.scenario);
    meta("kind", header.kind);
    meta("label", &header.label);
    meta("applies-to", &header.applies_to);
    meta("results-in", &header.results_in);
    meta("demoforge-version", env!("CARGO_PKG_VERSION"));
    for company in companies {
        meta("company", company);
    }
    if let Some(m) = mapped {
        meta("as-of", &m.as_of.to_string());
        meta("target", m.name);
    }
    let _ = writeln!(out, "-- rows: {rows}");
    out.push_str(
        "--\n-- Apply on top of the applies-to state only: `demoforge load` checks it.\n\n",
    );
    match mapped.filter(|m| m.mapping.dialect == crate::target::Dialect::Mysql) {
        Some(m) => {
            for line in MYSQL_SET_LINES {
                out.push_str(line);
                out.push('\n');
            }
            out.push_str(&super::mapped::session_time_zone(m.mapping)?);
            out.push('\n');
        }
        None => out.push_str(
            "SET client_encoding = 'UTF8';\n\
             SET standard_conforming_strings = on;\n\
             SET client_min_messages = warning;\n",
        ),
    }
    let mut bytes = out.into_bytes();
    // A staged PostgreSQL target's upserts come first: a removed row's
    // children may be re-pointed by an upsert before the row goes (its
    // foreign keys are checked at once, not at commit). MySQL's come last:
    // InnoDB checks unique keys at each row, so a renumbered entry must not
    // meet the removed entry that still holds its number; its delta runs
    // with foreign_key_checks off, so the removals cannot trip a key.
    let removals_first = mapped.is_none_or(|m| m.mapping.dialect == crate::target::Dialect::Mysql);
    if removals_first {
        for s in sections.iter().rev().filter(|s| !s.removed.is_empty()) {
            push_section(&mut bytes, Op::Remove, s, &s.removed, mapped)?;
        }
    }
    for s in sections.iter().filter(|s| !s.upserted.is_empty()) {
        push_section(&mut bytes, Op::Upsert, s, &s.upserted, mapped)?;
    }
    if !removals_first {
        for s in sections.iter().rev().filter(|s| !s.removed.is_empty()) {
            push_section(&mut bytes, Op::Remove, s, &s.removed, mapped)?;
        }
    }
    Ok(bytes)
}

fn push_section(
    out: &mut Vec<u8>,
    op: Op,
    s: &Section<'_>,
    rows: &[&[u8]],
    mapped: Option<&MappedDelta<'_>>,
) -> Result<(), RenderError> {
    let (before, after) = section_statements(op, &s.table, &s.columns, mapped)?;
    let what = match op {
        Op::Upsert => "New or changed rows of",
        Op::Remove => "Rows removed from",
    };
    let plural = if rows.len() == 1 { "" } else { "s" };
    let mut text = format!(
        "\n--\n-- {what} {} ({} row{plural})\n--\n\n",
        sql_comment(&s.table),
        rows.len()
    );
    for statement in before {
        text.push_str(&statement);
        text.push('\n');
    }
    if mapped.is_some_and(|m| m.mapping.dialect == crate::target::Dialect::Mysql) {
        out.extend_from_slice(text.as_bytes());
        push_inserts(out, op, s, rows)?;
    } else {
        let _ = writeln!(
            text,
            "COPY {} ({}) FROM stdin;",
            temp_table(op, &s.table),
            s.columns.join(", ")
        );
        out.extend_from_slice(text.as_bytes());
        for row in rows {
            out.extend_from_slice(row);
            out.push(b'\n');
        }
        out.extend_from_slice(b"\\.\n");
    }
    for statement in after {
        out.extend_from_slice(statement.as_bytes());
        out.push(b'\n');
    }
    Ok(())
}

/// The first lines of every MySQL dump: character set and `sql_mode`.
pub const MYSQL_SET_LINES: [&str; 2] = [
    "SET NAMES utf8mb4;",
    "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION,NO_BACKSLASH_ESCAPES';",
];

/// A MySQL section's rows: `INSERT` batches into its temporary table, in
/// the base dump's format ([`super::mysql_text`]).
fn push_inserts(
    out: &mut Vec<u8>,
    op: Op,
    s: &Section<'_>,
    rows: &[&[u8]],
) -> Result<(), RenderError> {
    let table = section_table(s)?;
    let name = temp_table(op, &s.table);
    let name = name.strip_prefix("pg_temp.").unwrap_or(&name);
    let head = super::mysql_text::insert_head(table, name)?;
    let types: Vec<crate::catalog::Type> = table.def().dump_columns().map(|c| c.ty).collect();
    let columns: Vec<&str> = table.def().dump_columns().map(|c| c.name).collect();
    if s.columns != columns {
        return Err(malformed(format!(
            "{} does not have the catalog's columns",
            s.table
        )));
    }
    let mut text = String::new();
    for batch in rows.chunks(super::dump::INSERT_BATCH) {
        text.clear();
        text.push_str(&head);
        for (i, row) in batch.iter().enumerate() {
            text.push_str(if i == 0 { "\n" } else { ",\n" });
            super::mysql_text::copy_to_values(row, &types, &mut text)
                .map_err(|e| malformed(e.to_string()))?;
        }
        text.push_str(";\n");
        out.extend_from_slice(text.as_bytes());
    }
    Ok(())
}

/// Compiles `scenario` in memory and returns its base dump's bytes.
pub fn base_dump(scenario: &Scenario, templates: &TemplateSet) -> Result<Vec<u8>, RenderError> {
    let compiled = super::compile(scenario, templates, Box::new(MemoryStore::default()))?;
    let dump = compiled
        .files
        .first()
        .expect("the dump is always the first file");
    dump.to_bytes()
        .map_err(|e| malformed(format!("cannot render the dump: {e}")))
}

/// Compiles both scenarios in memory and diffs their base dumps.
pub fn delta_between(
    base: &Scenario,
    target: &Scenario,
    templates: &TemplateSet,
    header: DeltaHeader,
) -> Result<Vec<u8>, RenderError> {
    if templates.is_direct() {
        let base = base_dump(base, templates)?;
        let target_dump = base_dump(target, templates)?;
        return diff_dumps(&base, &target_dump, &header);
    }
    // A staged target: the rows are diffed in the catalog's shape (the
    // reference dumps), and written with the target's statements.
    let reference = TemplateSet::builtin();
    let base = base_dump(base, &reference)?;
    let target_dump = base_dump(target, &reference)?;
    let mapped = MappedDelta {
        mapping: templates.mapping(),
        name: templates.name(),
        as_of: target.calendar.as_of,
    };
    diff_dumps_for(&base, &target_dump, &header, Some(&mapped))
}

/// The date `offset` after `date`, calendar-aware: months and years keep the
/// day of the month where it exists (clamped to the month's end otherwise),
/// and a month end stays a month end (2026-11-30 + 3 months = 2027-02-28,
/// 2027-02-28 + 1 month = 2027-03-31).
pub fn offset_date(date: chrono::NaiveDate, offset: &TravelOffset) -> Option<chrono::NaiveDate> {
    use chrono::{Datelike, Days, Months};
    let months = match offset.unit {
        TravelUnit::Days => return date.checked_add_days(Days::new(offset.amount.into())),
        TravelUnit::Weeks => {
            return date.checked_add_days(Days::new(u64::from(offset.amount) * 7));
        }
        TravelUnit::Months => offset.amount,
        TravelUnit::Years => offset.amount.checked_mul(12)?,
    };
    let is_month_end = date.succ_opt().is_some_and(|next| next.day() == 1);
    if is_month_end {
        let first = date
            .with_day(1)?
            .checked_add_months(Months::new(months + 1))?;
        first.pred_opt()
    } else {
        date.checked_add_months(Months::new(months))
    }
}

/// The file name of a travel delta: the canonical offset with its space as
/// `-` (`+6-months.sql`). Never the spec's text, which may hold a newline.
pub fn travel_file_name(offset: &TravelOffset) -> String {
    format!("{}.sql", offset.canonical().replace(' ', "-"))
}

/// The travel deltas of `scenario`, as (relative path, bytes), given its base
/// dump's bytes. Each is diffed against the base.
pub fn travel_deltas(
    scenario: &Scenario,
    base: &[u8],
    templates: &TemplateSet,
) -> Result<Vec<(String, Vec<u8>)>, RenderError> {
    let as_of = scenario.calendar.as_of;
    let base_hash = hex(&Sha256::digest(base));
    // A staged target's rows are diffed in the catalog's shape.
    let reference = TemplateSet::builtin();
    let (shape, base_shape) = if templates.is_direct() {
        (templates, base.to_vec())
    } else {
        (&reference, base_dump(scenario, &reference)?)
    };
    let folder = super::output_folder(scenario, templates);
    let mut out = Vec::new();
    for offset in &scenario.time_travel {
        let to = offset_date(as_of, offset)
            .ok_or_else(|| malformed(format!("{} is out of the calendar", offset.canonical())))?;
        let target = base_dump(&scenario.moved_to(to), shape)?;
        let header = DeltaHeader {
            scenario: scenario.slug.clone(),
            kind: "travel",
            label: offset.canonical(),
            applies_to: state(&scenario.slug, &as_of.to_string(), &base_hash),
            results_in: state(&scenario.slug, &to.to_string(), &base_hash),
        };
        let mapped = (!templates.is_direct()).then_some(MappedDelta {
            mapping: templates.mapping(),
            name: templates.name(),
            as_of: to,
        });
        let bytes = diff_dumps_for(&base_shape, &target, &header, mapped.as_ref())?;
        out.push((
            format!("{folder}/travel/{}", travel_file_name(offset)),
            bytes,
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CO: &str = "c0000000-0000-4000-8000-000000000001";

    fn dump(companies: &[&str], users: &[&str], perms: &[&str]) -> Vec<u8> {
        let mut s = format!("-- demoforge data dump\n-- company: {CO} Co\n\n");
        s += "COPY core.companies (id, name, is_demo) FROM stdin;\n";
        for c in companies {
            s += &format!("{c}\n");
        }
        s += "\\.\n\nCOPY core.users (id, company_id, name, password_hash) FROM stdin;\n";
        for u in users {
            s += &format!("{u}\n");
        }
        s += "\\.\n";
        if !perms.is_empty() {
            s += "\nCOPY core.role_permissions (company_id, role_id, permission) FROM stdin;\n";
            for p in perms {
                s += &format!("{p}\n");
            }
            s += "\\.\n";
        }
        s.into_bytes()
    }

    fn header() -> DeltaHeader {
        DeltaHeader {
            scenario: "demo".into(),
            kind: "travel",
            label: "+1 days".into(),
            applies_to: "demo@2026-01-01#0011223344556677".into(),
            results_in: "demo@2026-01-02#0011223344556677".into(),
        }
    }

    fn text(bytes: Vec<u8>) -> String {
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn identical_dumps_give_an_empty_delta() {
        let a = dump(&["c\tCo\tt"], &["u1\tc\tAnn\t\\N"], &["c\tr\tread"]);
        let delta = text(diff_dumps(&a, &a, &header()).unwrap());
        assert!(delta.contains("-- rows: 0\n"));
        assert!(!delta.contains("COPY"));
        assert!(delta.contains("-- applies-to: demo@2026-01-01#0011223344556677\n"));
        assert!(delta.contains(&format!("-- company: {CO} Co\n")));
    }

    #[test]
    fn changed_added_and_removed_rows() {
        let a = dump(
            &["c\tCo\tt"],
            &["u1\tc\tAnn\t\\N", "u2\tc\tBob\t\\N", "u3\tc\tCy\t\\N"],
            &[],
        );
        let b = dump(
            &["c\tCo\tt"],
            &["u1\tc\tAnn\t\\N", "u2\tc\tRob\t\\N", "u4\tc\tDee\t\\N"],
            &[],
        );
        let delta = text(diff_dumps(&a, &b, &header()).unwrap());
        assert!(delta.contains("-- rows: 3\n"), "{delta}");
        let removed = delta
            .find("COPY pg_temp.delta_remove__core__users")
            .unwrap();
        let upserted = delta
            .find("COPY pg_temp.delta_upsert__core__users")
            .unwrap();
        assert!(removed < upserted);
        assert!(delta.contains(
            "COPY pg_temp.delta_upsert__core__users (id, company_id, name, password_hash) FROM stdin;\nu2\tc\tRob\t\\N\nu4\tc\tDee\t\\N\n\\.\n"
        ));
        assert!(delta.contains("FROM stdin;\nu3\tc\tCy\t\\N\n\\.\nDELETE FROM core.users WHERE (id, company_id) IN (SELECT id, company_id FROM pg_temp.delta_remove__core__users);\n"));
        // The credential column is never overwritten by an upsert.
        assert!(
            delta.contains("ON CONFLICT (company_id, id) DO UPDATE SET name = EXCLUDED.name;\n")
        );
        assert!(!delta.contains("core.companies"));
    }

    #[test]
    fn id_less_tables_are_keyed_by_the_whole_row() {
        let a = dump(&["c\tCo\tt"], &[], &["c\tr\tread", "c\tr\twrite"]);
        let b = dump(&["c\tCo\tt"], &[], &["c\tr\tread", "c\tr\tadmin"]);
        let delta = text(diff_dumps(&a, &b, &header()).unwrap());
        assert!(delta.contains("FROM stdin;\nc\tr\twrite\n\\.\nDELETE FROM core.role_permissions WHERE (company_id, role_id, permission) IN (SELECT company_id, role_id, permission FROM pg_temp.delta_remove__core__role_permissions);\n"), "{delta}");
        assert!(delta.contains("FROM stdin;\nc\tr\tadmin\n\\.\nINSERT INTO core.role_permissions (company_id, role_id, permission) SELECT company_id, role_id, permission FROM pg_temp.delta_upsert__core__role_permissions ON CONFLICT DO NOTHING;\n"), "{delta}");
    }

    #[test]
    fn a_table_a_template_renamed_is_keyed_by_its_catalog_declaration() {
        let columns: Vec<String> = crate::catalog::Table::Users
            .def()
            .dump_columns()
            .map(|c| c.name.to_owned())
            .collect();
        let (_, after) = statements(Op::Upsert, "app.people", &columns);
        assert_eq!(
            after[0],
            "INSERT INTO app.people (id, company_id, name, email, password_hash, created_on) \
             SELECT id, company_id, name, email, password_hash, created_on FROM \
             pg_temp.delta_upsert__app__people ON CONFLICT (company_id, id) DO UPDATE SET \
             name = EXCLUDED.name, email = EXCLUDED.email, created_on = EXCLUDED.created_on;"
        );
        let (_, after) = statements(Op::Remove, "app.people", &columns);
        assert!(after[0].starts_with("DELETE FROM app.people WHERE (id, company_id) IN"));
        // A table the catalog cannot match is keyed by the whole row.
        let unknown = ["id".to_owned(), "label".to_owned()];
        let (_, after) = statements(Op::Upsert, "app.other", &unknown);
        assert!(
            after[0].ends_with("ON CONFLICT DO NOTHING;"),
            "{}",
            after[0]
        );
    }

    #[test]
    fn removals_run_in_reverse_foreign_key_order() {
        let a = dump(&["c\tCo\tt"], &["u1\tc\tAnn\t\\N"], &["c\tr\tread"]);
        let b = dump(&["c\tCo\tt"], &[], &[]);
        let delta = text(diff_dumps(&a, &b, &header()).unwrap());
        let perms = delta.find("delta_remove__core__role_permissions").unwrap();
        let users = delta.find("delta_remove__core__users").unwrap();
        assert!(perms < users);
        assert_eq!(diff_dumps(&a, &b, &header()).unwrap(), delta.into_bytes());
    }

    #[test]
    fn header_values_are_escaped_for_their_comment_line() {
        let nasty = "Co\u{1}0\u{1}\n\\! touch x\r; DROP";
        let escaped = sql_comment(nasty);
        let base = String::from_utf8(dump(&["c\tCo\tt"], &[], &[]))
            .unwrap()
            .replace(" Co\n", &format!(" {escaped}\n"));
        let mut h = header();
        h.label = "+1 days\n\\! touch y".into();
        let delta = text(diff_dumps(base.as_bytes(), base.as_bytes(), &h).unwrap());
        assert!(
            delta.contains(&format!("-- company: {CO} {escaped}\n")),
            "{delta}"
        );
        assert!(
            delta.contains("-- label: +1 days\\u{a}\\\\! touch y\n"),
            "{delta}"
        );
        assert!(!delta.contains('\r') && !delta.contains('\u{1}'));
        assert!(!delta.lines().any(|l| l.starts_with('\\')), "{delta}");
    }

    #[test]
    fn temp_table_names_round_trip() {
        assert_eq!(
            parse_temp_table(&temp_table(Op::Remove, "sales.invoice_lines")),
            Some((Op::Remove, "sales.invoice_lines".to_owned()))
        );
        assert_eq!(parse_temp_table("pg_temp.other"), None);
    }

    #[test]
    fn travel_file_names_come_from_the_canonical_offset() {
        let off = |text: &str, amount, unit| TravelOffset {
            text: text.into(),
            amount,
            unit,
        };
        assert_eq!(
            travel_file_name(&off("+6 months", 6, TravelUnit::Months)),
            "+6-months.sql"
        );
        assert_eq!(
            travel_file_name(&off("+1\n\u{2028}weeks", 1, TravelUnit::Weeks)),
            "+1-week.sql"
        );
        assert_eq!(
            travel_file_name(&off("+3\tyears", 3, TravelUnit::Years)),
            "+3-years.sql"
        );
    }

    #[test]
    fn offsets_are_calendar_aware() {
        let d = |y, m, day| chrono::NaiveDate::from_ymd_opt(y, m, day).unwrap();
        let off = |amount, unit| TravelOffset {
            text: String::new(),
            amount,
            unit,
        };
        assert_eq!(
            offset_date(d(2026, 8, 31), &off(6, TravelUnit::Months)),
            Some(d(2027, 2, 28))
        );
        assert_eq!(
            offset_date(d(2027, 2, 28), &off(1, TravelUnit::Months)),
            Some(d(2027, 3, 31))
        );
        assert_eq!(
            offset_date(d(2026, 11, 15), &off(6, TravelUnit::Months)),
            Some(d(2027, 5, 15))
        );
        assert_eq!(
            offset_date(d(2026, 11, 15), &off(2, TravelUnit::Weeks)),
            Some(d(2026, 11, 29))
        );
        assert_eq!(
            offset_date(d(2024, 2, 28), &off(1, TravelUnit::Years)),
            Some(d(2025, 2, 28))
        );
        assert_eq!(
            offset_date(d(2024, 2, 29), &off(1, TravelUnit::Years)),
            Some(d(2025, 2, 28))
        );
    }
}

#[cfg(test)]
mod mapped_tests {
    use super::*;

    #[test]
    fn the_loader_refuses_a_staged_section_a_delta_cannot_address() {
        // Regression: the refusal was only checked when a delta was written,
        // so a forged delta could insert into core.role_permissions.
        let mapping = crate::target::builtin("laravel").unwrap();
        let mapped = MappedDelta {
            mapping: &mapping,
            name: "laravel",
            as_of: chrono::NaiveDate::from_ymd_opt(2026, 11, 15).unwrap(),
        };
        let columns: Vec<String> = ["company_id", "role_id", "permission"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let result =
            section_statements(Op::Upsert, "core.role_permissions", &columns, Some(&mapped));
        assert!(result.is_err(), "{result:?}");
        let ok = section_statements(Op::Upsert, "sales.invoices", &columns, Some(&mapped));
        assert!(ok.is_ok());
    }
}
