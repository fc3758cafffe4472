//! Parsing and checking a dump in the format of docs/dump-format.md.
//!
//! Input: the dump's bytes. Output: [`Dump`], the header metadata and one
//! [`Block`] per COPY statement, each borrowing its row lines unchanged so the
//! loader can stream them straight to PostgreSQL.
//! Invariants, checked here before any connection is opened: every row of every
//! block belongs to a company named by a `-- company:` header line; each
//! table appears once; every row has as many fields as the block has columns;
//! credentials are absent; every company row is a demo company; the only other
//! statements are harmless `SET`s. Pure: no I/O. Whether the tables exist in
//! the target, and their foreign-key order, is the database's to enforce.

use std::collections::HashSet;

use uuid::Uuid;

use super::tables::{self, COMPANIES, CREDENTIAL_TABLE};
use crate::render::delta;
pub use crate::render::delta::Op;
use crate::render::sql_text::unescape_comment;

/// A parsed dump. Row data is borrowed from the input bytes.
#[derive(Debug)]
pub struct Dump<'a> {
    pub header: Header,
    pub blocks: Vec<Block<'a>>,
    /// Set for a delta dump (a header with `applies-to:`).
    pub delta: Option<DeltaInfo>,
}

/// The header of a delta dump: which state it applies to and results in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeltaInfo {
    pub kind: String,
    pub label: String,
    pub applies_to: String,
    pub results_in: String,
}

/// The leading `-- key: value` comment lines.
#[derive(Debug, Default)]
pub struct Header {
    /// Keys and values, values unescaped (see `render::sql_text::sql_comment`).
    pub entries: Vec<(String, String)>,
    /// The 1-based line of each entry.
    pub lines: Vec<usize>,
    pub companies: Vec<Company>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Company {
    pub id: Uuid,
    pub name: String,
}

/// One `COPY table (columns) FROM stdin;` block.
#[derive(Debug)]
pub struct Block<'a> {
    /// Qualified table name, `schema.table`.
    pub table: String,
    pub columns: Vec<String>,
    /// The row lines, each ending in `\n`, exactly as in the file.
    pub data: &'a [u8],
    pub rows: u64,
    /// 1-based line of the COPY statement, for messages.
    pub line: usize,
    /// In a delta dump, what the section does with its rows; `None` in a base dump.
    pub op: Option<Op>,
}

/// A dump that cannot be loaded. Refusals are the safety checks; the rest are
/// malformed input.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum DumpError {
    #[error("dump line {line}: {message}")]
    #[diagnostic(help(
        "the dump must follow docs/dump-format.md; rebuild it with `demoforge build`"
    ))]
    Malformed { line: usize, message: String },

    #[error(
        "dump line {line}: a row of {table} belongs to company {found}, which is not named in the dump's header"
    )]
    #[diagnostic(help(
        "a dump may only hold rows of the companies on its `-- company:` lines; this file was edited or corrupted, so nothing was written"
    ))]
    ForeignCompany {
        line: usize,
        table: String,
        found: String,
    },

    #[error("dump line {line}: {message}")]
    #[diagnostic(help(
        "demoforge only loads demo tenants without credentials; rebuild the dump with `demoforge build`"
    ))]
    Unsafe { line: usize, message: String },

    #[error("this file is a scenario spec (YAML), not a dump")]
    #[diagnostic(help(
        "reset the demo tenant from a spec with `demoforge reset SPEC --database-url URL --operator NAME` (it compiles the spec in memory), or build it with `demoforge build SPEC` and load generated/<scenario>/base-demo.sql"
    ))]
    SpecNotDump,

    #[error(
        "dump line {line}: the dump was written by demoforge {found}; this is demoforge {ours}"
    )]
    #[diagnostic(help(
        "a dump loads only with a demoforge of the same major and minor version (docs/dump-format.md); rebuild it with this version: `demoforge build SPEC`"
    ))]
    OtherVersion {
        line: usize,
        found: String,
        ours: &'static str,
    },
}

impl DumpError {
    /// Refused for safety (exit code 4) rather than malformed (exit code 1).
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            DumpError::ForeignCompany { .. } | DumpError::Unsafe { .. }
        )
    }
}

fn malformed(line: usize, message: impl Into<String>) -> DumpError {
    DumpError::Malformed {
        line,
        message: message.into(),
    }
}

impl Header {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn scenario(&self) -> &str {
        self.get("scenario").unwrap_or("unknown")
    }

    pub fn company_ids(&self) -> Vec<Uuid> {
        self.companies.iter().map(|c| c.id).collect()
    }
}

impl<'a> Dump<'a> {
    pub fn total_rows(&self) -> u64 {
        self.blocks.iter().map(|b| b.rows).sum()
    }

    pub fn block(&self, table: &str) -> Option<&Block<'a>> {
        self.blocks.iter().find(|b| b.table == table)
    }
}

impl<'a> Block<'a> {
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// The rows as raw fields (still COPY-escaped), without the trailing newline.
    pub fn rows(&self) -> impl Iterator<Item = Vec<&'a [u8]>> + 'a {
        let data: &'a [u8] = self.data;
        data.split(|b| *b == b'\n')
            .filter(|line| !line.is_empty())
            .map(|line| line.split(|b| *b == b'\t').collect())
    }
}

/// Parses and checks a whole dump. See the module doc for what is checked.
pub fn parse(bytes: &[u8]) -> Result<Dump<'_>, DumpError> {
    parse_for(bytes, None)
}

/// [`parse`], for a delta of a staged target: its statements are checked
/// against the ones the target's mapping compiles to (`mapping` and the
/// target's name).
pub fn parse_for<'a>(
    bytes: &'a [u8],
    mapping: Option<(&crate::target::Mapping, &str)>,
) -> Result<Dump<'a>, DumpError> {
    let mut lines = Lines::new(bytes);
    let header = parse_header(&mut lines)?;
    check_version(&header)?;
    let delta = delta_info(&header)?;
    let mut statements: Vec<(usize, String)> = Vec::new();
    let mut blocks: Vec<Block<'_>> = Vec::new();
    while let Some((number, line)) = lines.next_line() {
        let text = std::str::from_utf8(line)
            .map_err(|_| malformed(number, "a statement line is not valid UTF-8"))?;
        let trimmed = text.trim_end_matches('\r').trim();
        if trimmed.is_empty() || trimmed.starts_with("--") {
            continue;
        }
        if trimmed.starts_with("SET ") {
            check_set(number, trimmed)?;
            continue;
        }
        if trimmed.starts_with("COPY ") {
            let block = parse_block(number, trimmed, &mut lines, &header, delta.is_some())?;
            check_order(&blocks, &block)?;
            blocks.push(block);
            continue;
        }
        if delta.is_some() {
            statements.push((number, trimmed.to_owned()));
            continue;
        }
        return Err(malformed(
            number,
            format!(
                "unexpected statement `{}`; only SET and COPY … FROM stdin are allowed",
                shorten(trimmed)
            ),
        ));
    }
    let dump = Dump {
        header,
        blocks,
        delta,
    };
    if dump.delta.is_some() {
        check_delta_statements(&dump, &statements, mapping)?;
    } else {
        check_companies_block(&dump)?;
    }
    check_row_total(&dump)?;
    Ok(dump)
}

/// Reads `-- key: value` lines up to the first line that is not a comment.
fn parse_header(lines: &mut Lines<'_>) -> Result<Header, DumpError> {
    let mut header = Header::default();
    let mut last_line = 0;
    if looks_like_a_spec(lines.rest()) {
        return Err(DumpError::SpecNotDump);
    }
    while let Some((number, line)) = lines.peek_line() {
        let Some(comment) = line.strip_prefix(b"--") else {
            break;
        };
        lines.next_line();
        last_line = number;
        let text = std::str::from_utf8(comment)
            .map_err(|_| malformed(number, "a header line is not valid UTF-8"))?;
        let Some((key, value)) = metadata(text) else {
            continue;
        };
        let value = unescape_comment(value).ok_or_else(|| {
            malformed(
                number,
                format!("`{}` is not an escaped header value", shorten(value)),
            )
        })?;
        if key == "company" {
            header.companies.push(parse_company(number, &value)?);
        }
        header.entries.push((key.to_owned(), value));
        header.lines.push(number);
    }
    if header.companies.is_empty() {
        return Err(malformed(
            last_line.max(1),
            "the header names no company (`-- company: <uuid> <name>`)",
        ));
    }
    Ok(header)
}

/// A YAML spec starts (after comments) with a top-level key of the spec;
/// a dump starts with `--` comments and SQL.
fn looks_like_a_spec(bytes: &[u8]) -> bool {
    const SPEC_KEYS: [&str; 4] = ["version:", "scenario:", "calendar:", "companies:"];
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(64 * 1024)]);
    text.lines()
        .map(str::trim_end)
        .find(|l| !l.is_empty() && !l.starts_with('#') && l != &"---")
        .is_some_and(|first| SPEC_KEYS.iter().any(|k| first.starts_with(k)))
}

/// The format changes only with a minor version: a dump loads with a
/// demoforge of the same major and minor version.
fn check_version(header: &Header) -> Result<(), DumpError> {
    let ours = env!("CARGO_PKG_VERSION");
    let at = header
        .entries
        .iter()
        .position(|(k, _)| k == "demoforge-version");
    let (found, line) = match at {
        Some(i) => (header.entries[i].1.as_str(), header.lines[i]),
        None => ("(no `-- demoforge-version:` line)", 1),
    };
    let major_minor = |v: &str| {
        let mut parts = v.split('.');
        (
            parts.next().map(str::to_owned),
            parts.next().map(str::to_owned),
        )
    };
    let compatible = at.is_some() && {
        let (major, minor) = major_minor(found);
        major.is_some() && minor.is_some() && (major, minor) == major_minor(ours)
    };
    match compatible {
        true => Ok(()),
        false => Err(DumpError::OtherVersion {
            line,
            found: shorten(found),
            ours,
        }),
    }
}

/// `key: value` where key is lowercase letters, digits and dashes, so prose
/// comments that happen to contain a colon are not metadata.
fn metadata(comment: &str) -> Option<(&str, &str)> {
    let body = comment.strip_prefix(' ')?;
    let (key, value) = body.split_once(": ")?;
    let is_key = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    is_key.then(|| (key, value.trim_end_matches('\r').trim()))
}

fn parse_company(line: usize, value: &str) -> Result<Company, DumpError> {
    let (id, name) = value.split_once(' ').unwrap_or((value, ""));
    let id = Uuid::parse_str(id)
        .map_err(|_| malformed(line, format!("`{id}` in the company line is not a uuid")))?;
    Ok(Company {
        id,
        name: name.trim().to_owned(),
    })
}

/// Only settings that cannot change what the data means are accepted; the
/// loader sets its own session, so these lines are checked, not executed.
fn check_set(line: usize, statement: &str) -> Result<(), DumpError> {
    const ALLOWED: [&str; 3] = [
        "SET client_encoding = 'UTF8';",
        "SET standard_conforming_strings = on;",
        "SET client_min_messages = warning;",
    ];
    if ALLOWED.contains(&statement) {
        Ok(())
    } else {
        Err(malformed(
            line,
            format!("unsupported setting `{}`", shorten(statement)),
        ))
    }
}

fn parse_block<'a>(
    line: usize,
    statement: &str,
    lines: &mut Lines<'a>,
    header: &Header,
    is_delta: bool,
) -> Result<Block<'a>, DumpError> {
    let (table, columns) = parse_copy_statement(line, statement)?;
    let (op, table) = match (is_delta, delta::parse_temp_table(&table)) {
        (true, Some((op, real))) => (Some(op), real),
        (false, None) if !table.starts_with("pg_temp.") => (None, table),
        _ => {
            return Err(malformed(
                line,
                format!(
                    "COPY into {table}: a base dump copies into tenant tables, a delta dump into its pg_temp.delta_* tables"
                ),
            ));
        }
    };
    if table == CREDENTIAL_TABLE {
        return Err(DumpError::Unsafe {
            line,
            message: format!("the dump carries rows for {CREDENTIAL_TABLE}"),
        });
    }
    let company_column = tables::company_column(&table);
    let company_col = columns
        .iter()
        .position(|c| c == company_column)
        .ok_or_else(|| {
            malformed(
                line,
                format!("COPY {table} lacks its `{company_column}` column"),
            )
        })?;
    let checks = RowChecks::new(&table, &columns, company_col, header);
    let start = lines.offset();
    let mut rows = 0u64;
    loop {
        let Some((number, row)) = lines.next_line() else {
            return Err(malformed(
                line,
                format!("the COPY block for {table} has no `\\.` terminator"),
            ));
        };
        if row == b"\\." {
            let end = lines.last_line_start();
            return Ok(Block {
                table,
                columns,
                data: &lines.bytes[start..end],
                rows,
                line,
                op,
            });
        }
        checks.check(number, row)?;
        rows += 1;
    }
}

/// `COPY schema.table (a, b) FROM stdin;` into a known table and column names.
fn parse_copy_statement(line: usize, statement: &str) -> Result<(String, Vec<String>), DumpError> {
    let bad = || {
        malformed(
            line,
            format!(
                "expected `COPY schema.table (col, …) FROM stdin;`, found `{}`",
                shorten(statement)
            ),
        )
    };
    let rest = statement.strip_prefix("COPY ").ok_or_else(bad)?;
    let rest = rest.strip_suffix(" FROM stdin;").ok_or_else(bad)?;
    let (name, cols) = rest.split_once(" (").ok_or_else(bad)?;
    let cols = cols.strip_suffix(')').ok_or_else(bad)?;
    let table = match name.split_once('.') {
        Some((schema, table)) if is_identifier(schema) && is_identifier(table) => name.to_owned(),
        _ => {
            return Err(malformed(
                line,
                format!("`{name}` is not a plain schema-qualified table name"),
            ));
        }
    };
    let mut columns = Vec::new();
    for col in cols.split(',').map(str::trim) {
        if !is_identifier(col) {
            return Err(malformed(
                line,
                format!("`{col}` is not a plain column name"),
            ));
        }
        if columns.iter().any(|c| c == col) {
            return Err(malformed(line, format!("column `{col}` is listed twice")));
        }
        columns.push(col.to_owned());
    }
    Ok((table, columns))
}

fn is_identifier(s: &str) -> bool {
    let mut bytes = s.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b == b'_')
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Per-row checks of one block, prepared once.
struct RowChecks {
    table: String,
    width: usize,
    company_col: usize,
    companies: Vec<[u8; 36]>,
    /// Credential columns and, for companies, `is_demo`: values that must match.
    required: Vec<(usize, &'static [u8], &'static str)>,
}

impl RowChecks {
    fn new(table: &str, columns: &[String], company_col: usize, header: &Header) -> RowChecks {
        let companies = header
            .companies
            .iter()
            .map(|c| {
                let mut buf = [0u8; 36];
                c.id.hyphenated().encode_lower(&mut buf);
                buf
            })
            .collect();
        let mut required = Vec::new();
        for (i, col) in columns.iter().enumerate() {
            if tables::is_credential_column(table, col) {
                required.push((i, b"\\N".as_slice(), "credential column must be NULL (\\N)"));
            }
            if table == COMPANIES && col == "is_demo" {
                required.push((i, b"t".as_slice(), "company must be flagged is_demo = t"));
            }
        }
        RowChecks {
            table: table.to_owned(),
            width: columns.len(),
            company_col,
            companies,
            required,
        }
    }

    fn check(&self, line: usize, row: &[u8]) -> Result<(), DumpError> {
        let fields: Vec<&[u8]> = row.split(|b| *b == b'\t').collect();
        if fields.len() != self.width {
            return Err(malformed(
                line,
                format!(
                    "a row of {} has {} fields; the COPY statement lists {} columns",
                    self.table,
                    fields.len(),
                    self.width
                ),
            ));
        }
        self.check_company(line, fields[self.company_col])?;
        for (col, expected, why) in &self.required {
            if fields[*col] != *expected {
                return Err(DumpError::Unsafe {
                    line,
                    message: format!("in {}: {why}", self.table),
                });
            }
        }
        Ok(())
    }

    fn check_company(&self, line: usize, field: &[u8]) -> Result<(), DumpError> {
        if self.companies.iter().any(|c| c.as_slice() == field) {
            return Ok(());
        }
        // Upper-case or braced spellings of a named company are still that company.
        let parsed = std::str::from_utf8(field)
            .ok()
            .and_then(|s| Uuid::parse_str(s).ok());
        let named = parsed.is_some_and(|id| {
            let mut buf = [0u8; 36];
            id.hyphenated().encode_lower(&mut buf);
            self.companies.contains(&buf)
        });
        if named {
            return Ok(());
        }
        Err(DumpError::ForeignCompany {
            line,
            table: self.table.clone(),
            found: String::from_utf8_lossy(field).into_owned(),
        })
    }
}

/// Foreign-key order is the dump's contract and PostgreSQL enforces it while
/// loading; a table listed twice would be loaded twice, so it is refused here.
fn check_order(previous: &[Block<'_>], block: &Block<'_>) -> Result<(), DumpError> {
    if previous
        .iter()
        .all(|b| b.table != block.table || b.op != block.op)
    {
        return Ok(());
    }
    Err(malformed(
        block.line,
        format!(
            "{} has a second COPY block; each table appears once",
            block.table
        ),
    ))
}

/// The state a tenant is in right after this base dump is loaded.
pub fn base_state(dump: &Dump<'_>, sha256_hex: &str) -> String {
    let as_of = dump.header.get("as-of").unwrap_or("unknown");
    delta::state(dump.header.scenario(), as_of, sha256_hex)
}

/// A header with `applies-to:` is a delta dump; it must name both states.
fn delta_info(header: &Header) -> Result<Option<DeltaInfo>, DumpError> {
    let Some(applies_to) = header.get("applies-to") else {
        return Ok(None);
    };
    let field = |key: &str| {
        header
            .get(key)
            .map(str::to_owned)
            .ok_or_else(|| malformed(1, format!("the delta's header lacks `-- {key}:`")))
    };
    Ok(Some(DeltaInfo {
        kind: field("kind")?,
        label: field("label")?,
        applies_to: applies_to.to_owned(),
        results_in: field("results-in")?,
    }))
}

/// A delta's statements besides SET and COPY must be exactly the ones
/// demoforge writes around each block, in order: `psql` runs them, and the
/// loader runs its own copy of them, so both apply the same change.
fn check_delta_statements(
    dump: &Dump<'_>,
    found: &[(usize, String)],
    mapping: Option<(&crate::target::Mapping, &str)>,
) -> Result<(), DumpError> {
    let mapped = match mapping {
        Some((mapping, name)) => {
            let as_of = dump
                .header
                .get("as-of")
                .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                .ok_or_else(|| malformed(1, "a staged target's delta needs an `-- as-of:` line"))?;
            // The as-of date is the one the delta results in, never another.
            let results_in = dump
                .delta
                .as_ref()
                .map(|d| d.results_in.as_str())
                .unwrap_or("");
            let resulting = results_in
                .split_once('@')
                .and_then(|(_, rest)| rest.split_once('#'))
                .map(|(date, _)| date);
            if resulting != Some(as_of.to_string().as_str()) {
                return Err(malformed(
                    1,
                    "the delta's `-- as-of:` line is not the date of its `results-in` state",
                ));
            }
            Some(delta::MappedDelta {
                mapping,
                name,
                as_of,
            })
        }
        None => None,
    };
    let mut expected = Vec::new();
    for block in &dump.blocks {
        let op = block.op.expect("delta blocks have an op");
        let (before, after) =
            delta::section_statements(op, &block.table, &block.columns, mapped.as_ref())
                .map_err(|e| malformed(1, e.to_string()))?;
        expected.extend(before);
        expected.extend(after);
    }
    for (i, (line, statement)) in found.iter().enumerate() {
        if expected.get(i) != Some(statement) {
            return Err(malformed(
                *line,
                format!(
                    "unexpected statement `{}` in a delta dump",
                    shorten(statement)
                ),
            ));
        }
    }
    if found.len() != expected.len() {
        return Err(malformed(
            found.last().map_or(1, |(l, _)| *l),
            "a delta section lacks its statements",
        ));
    }
    Ok(())
}

/// Every company named in the header must have its row, or a reset would
/// delete a tenant and load nothing in its place.
fn check_companies_block(dump: &Dump<'_>) -> Result<(), DumpError> {
    let Some(block) = dump.block(COMPANIES) else {
        return Err(malformed(1, "the dump has no core.companies block"));
    };
    let id_col = block.column_index("id").unwrap_or(0);
    if block.column_index("is_demo").is_none() {
        return Err(DumpError::Unsafe {
            line: block.line,
            message: "core.companies has no is_demo column".to_owned(),
        });
    }
    let present: HashSet<Uuid> = block
        .rows()
        .filter_map(|fields| {
            let text = std::str::from_utf8(fields.get(id_col)?).ok()?;
            Uuid::parse_str(text).ok()
        })
        .collect();
    for company in &dump.header.companies {
        if !present.contains(&company.id) {
            return Err(malformed(
                block.line,
                format!("company {} is in the header but has no row", company.id),
            ));
        }
    }
    Ok(())
}

fn check_row_total(dump: &Dump<'_>) -> Result<(), DumpError> {
    let Some(declared) = dump.header.get("rows") else {
        return Ok(());
    };
    let actual = dump.total_rows();
    match declared.parse::<u64>() {
        Ok(n) if n == actual => Ok(()),
        _ => Err(malformed(
            1,
            format!("the header says `rows: {declared}` but the blocks hold {actual} rows"),
        )),
    }
}

fn shorten(s: &str) -> String {
    match s.char_indices().nth(60) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

/// Decodes one field of COPY text format; `None` is SQL NULL.
pub fn unescape(field: &[u8]) -> Option<String> {
    if field == b"\\N" {
        return None;
    }
    let mut out = Vec::with_capacity(field.len());
    let mut bytes = field.iter().copied();
    while let Some(b) = bytes.next() {
        if b != b'\\' {
            out.push(b);
            continue;
        }
        match bytes.next() {
            Some(b'n') => out.push(b'\n'),
            Some(b't') => out.push(b'\t'),
            Some(b'r') => out.push(b'\r'),
            Some(b'b') => out.push(8),
            Some(b'f') => out.push(12),
            Some(b'v') => out.push(11),
            Some(other) => out.push(other),
            None => out.push(b'\\'),
        }
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

/// A line cursor over the bytes that remembers offsets, so blocks can borrow
/// their row lines without copying.
struct Lines<'a> {
    bytes: &'a [u8],
    pos: usize,
    number: usize,
    last_start: usize,
}

impl<'a> Lines<'a> {
    /// The bytes not read yet.
    fn rest(&self) -> &'a [u8] {
        &self.bytes[self.pos..]
    }

    fn new(bytes: &'a [u8]) -> Lines<'a> {
        Lines {
            bytes,
            pos: 0,
            number: 0,
            last_start: 0,
        }
    }

    fn offset(&self) -> usize {
        self.pos
    }

    /// Where the line last returned by `next_line` starts.
    fn last_line_start(&self) -> usize {
        self.last_start
    }

    fn peek_line(&self) -> Option<(usize, &'a [u8])> {
        if self.pos >= self.bytes.len() {
            return None;
        }
        let rest = &self.bytes[self.pos..];
        let end = rest.iter().position(|b| *b == b'\n').unwrap_or(rest.len());
        Some((self.number + 1, &rest[..end]))
    }

    fn next_line(&mut self) -> Option<(usize, &'a [u8])> {
        let (number, line) = self.peek_line()?;
        self.last_start = self.pos;
        self.pos = (self.pos + line.len() + 1).min(self.bytes.len());
        self.number = number;
        Some((number, line))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMPANY: &str = "5a3e0000-0000-4000-8000-000000000001";
    const OTHER: &str = "9b000000-0000-4000-8000-000000000009";
    const USER: &str = "5a3e0000-0000-4000-8000-000000000002";
    const VERSION: &str = env!("CARGO_PKG_VERSION");

    fn dump_text(user_company: &str, rows: &str) -> String {
        format!(
            "-- demoforge data dump\n\
             -- scenario: tiny\n\
             -- demoforge-version: {VERSION}\n\
             -- company: {COMPANY} Tiny Co\n\
             -- rows: {rows}\n\
             --\n\
             -- Credentials are not in this file: nothing here.\n\
             \n\
             SET client_encoding = 'UTF8';\n\
             \n\
             COPY core.companies (id, name, country, currency, industry, fiscal_year_start_month, is_demo, created_on) FROM stdin;\n\
             {COMPANY}\tTiny Co\tGB\tGBP\ttravel\t4\tt\t2025-06-01\n\
             \\.\n\
             \n\
             COPY core.users (id, company_id, name, email, password_hash, created_on) FROM stdin;\n\
             {USER}\t{user_company}\tAnn\\tB\tann@example.test\t\\N\t2025-06-01\n\
             \\.\n"
        )
    }

    #[test]
    fn parses_header_and_blocks() {
        let text = dump_text(COMPANY, "2");
        let dump = parse(text.as_bytes()).expect("valid dump");
        assert_eq!(dump.header.scenario(), "tiny");
        assert_eq!(dump.header.companies.len(), 1);
        assert_eq!(dump.header.companies[0].name, "Tiny Co");
        assert_eq!(dump.header.get("Credentials are not in this file"), None);
        let tables: Vec<_> = dump
            .blocks
            .iter()
            .map(|b| (b.table.as_str(), b.rows))
            .collect();
        assert_eq!(tables, [("core.companies", 1), ("core.users", 1)]);
        let users = dump.block("core.users").expect("users block");
        assert!(users.data.starts_with(USER.as_bytes()));
        assert!(users.data.ends_with(b"2025-06-01\n"));
        let fields = users.rows().next().expect("one row");
        assert_eq!(unescape(fields[2]).as_deref(), Some("Ann\tB"));
        assert_eq!(unescape(fields[4]), None);
    }

    #[test]
    fn refuses_a_row_of_another_company() {
        let text = dump_text(OTHER, "2");
        let err = parse(text.as_bytes()).expect_err("foreign company");
        assert!(err.is_refusal());
        match err {
            DumpError::ForeignCompany { line, table, found } => {
                assert_eq!(
                    (line, table.as_str(), found.as_str()),
                    (16, "core.users", OTHER)
                );
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn accepts_an_upper_case_spelling_of_the_company() {
        let text = dump_text(&COMPANY.to_uppercase(), "2");
        assert!(parse(text.as_bytes()).is_ok());
    }

    #[test]
    fn refuses_a_password_hash() {
        let text = dump_text(COMPANY, "2").replace("\\N\t2025", "$2y$10$abc\t2025");
        let err = parse(text.as_bytes()).expect_err("credential in dump");
        assert!(matches!(err, DumpError::Unsafe { .. }), "{err:?}");
    }

    #[test]
    fn refuses_a_company_that_is_not_a_demo() {
        let text = dump_text(COMPANY, "2").replace("\tt\t2025", "\tf\t2025");
        let err = parse(text.as_bytes()).expect_err("not a demo");
        assert!(matches!(err, DumpError::Unsafe { .. }), "{err:?}");
    }

    #[test]
    fn refuses_token_rows() {
        let text = dump_text(COMPANY, "2").replace(
            "\\.\n\nCOPY core.users",
            "\\.\nCOPY core.api_tokens (id, company_id) FROM stdin;\n\\.\nCOPY core.users",
        );
        let err = parse(text.as_bytes()).expect_err("tokens in dump");
        assert!(matches!(err, DumpError::Unsafe { .. }), "{err:?}");
    }

    #[test]
    fn rejects_a_wrong_row_count() {
        let err = parse(dump_text(COMPANY, "3").as_bytes()).expect_err("count");
        assert!(!err.is_refusal());
        assert!(err.to_string().contains("rows: 3"), "{err}");
    }

    #[test]
    fn rejects_other_statements() {
        let text = dump_text(COMPANY, "2").replace(
            "SET client_encoding = 'UTF8';",
            "DELETE FROM core.companies;",
        );
        let err = parse(text.as_bytes()).expect_err("statement");
        assert!(err.to_string().contains("unexpected statement"), "{err}");
    }

    #[test]
    fn rejects_a_table_listed_twice() {
        let text = dump_text(COMPANY, "3");
        let users = &text[text.find("COPY core.users").unwrap()..];
        let twice = format!("{text}{users}");
        let err = parse(twice.as_bytes()).expect_err("twice");
        assert!(err.to_string().contains("appears once"), "{err}");
    }

    #[test]
    fn rejects_a_short_row_and_a_missing_terminator() {
        let text = dump_text(COMPANY, "2").replace("\tGBP\t", "\t");
        let err = parse(text.as_bytes()).expect_err("short row");
        assert!(err.to_string().contains("fields"), "{err}");
        let text = dump_text(COMPANY, "2");
        let cut = &text[..text.len() - 3];
        let err = parse(cut.as_bytes()).expect_err("no terminator");
        assert!(err.to_string().contains("terminator"), "{err}");
    }

    #[test]
    fn rejects_odd_table_names_and_a_missing_company_line() {
        let text = dump_text(COMPANY, "2").replace("core.users", "users; DROP TABLE x");
        let err = parse(text.as_bytes()).expect_err("not a table name");
        assert!(err.to_string().contains("schema-qualified"), "{err}");
        let text = dump_text(COMPANY, "2").replace("-- company:", "-- firm:");
        let err = parse(text.as_bytes()).expect_err("no company");
        assert!(err.to_string().contains("names no company"), "{err}");
    }

    #[test]
    fn refuses_a_dump_of_another_version() {
        let text = dump_text(COMPANY, "2").replace(VERSION, "9.9.9");
        let err = parse(text.as_bytes()).expect_err("other version");
        assert!(
            matches!(err, DumpError::OtherVersion { line: 3, .. }),
            "{err:?}"
        );
        assert!(
            err.to_string().contains("written by demoforge 9.9.9"),
            "{err}"
        );
        assert!(!err.is_refusal());
        // Another patch release of the same minor version is compatible.
        let (major_minor, _) = VERSION.rsplit_once('.').expect("x.y.z");
        let text = dump_text(COMPANY, "2").replace(VERSION, &format!("{major_minor}.99"));
        assert!(parse(text.as_bytes()).is_ok());
        let missing =
            dump_text(COMPANY, "2").replace(&format!("-- demoforge-version: {VERSION}\n"), "");
        let err = parse(missing.as_bytes()).expect_err("no version line");
        assert!(
            err.to_string().contains("no `-- demoforge-version:` line"),
            "{err}"
        );
    }

    #[test]
    fn a_spec_is_recognised_and_pointed_to_reset() {
        let spec = "# a spec\nversion: 1\nscenario: demo\ncompanies: []\n";
        let err = parse(spec.as_bytes()).expect_err("a spec");
        assert!(matches!(err, DumpError::SpecNotDump), "{err:?}");
        let help = miette::Diagnostic::help(&err).map(|h| h.to_string());
        assert!(help.is_some_and(|h| h.contains("demoforge reset SPEC")));
    }

    #[test]
    fn header_values_are_unescaped() {
        let text = dump_text(COMPANY, "2").replace(" Tiny Co\n", " Tiny\\u{a}Co\\\\\n");
        let dump = parse(text.as_bytes()).expect("valid dump");
        assert_eq!(dump.header.companies[0].name, "Tiny\nCo\\");
        let bad = dump_text(COMPANY, "2").replace(" Tiny Co\n", " Tiny\\x\n");
        assert!(parse(bad.as_bytes()).is_err());
    }

    fn delta_text(user_company: &str, extra: &str) -> String {
        let header = crate::render::delta::DeltaHeader {
            scenario: "tiny".into(),
            kind: "travel",
            label: "+1 days".into(),
            applies_to: "tiny@2026-01-01#0011223344556677".into(),
            results_in: "tiny@2026-01-02#0011223344556677".into(),
        };
        let base = dump_text(COMPANY, "2");
        let target = dump_text(user_company, "2").replace("\tAnn", "\tAnne");
        let delta =
            crate::render::delta::diff_dumps(base.as_bytes(), target.as_bytes(), &header).unwrap();
        String::from_utf8(delta).unwrap() + extra
    }

    #[test]
    fn parses_a_delta_and_its_sections() {
        let text = delta_text(COMPANY, "");
        let dump = parse(text.as_bytes()).unwrap();
        let info = dump.delta.as_ref().unwrap();
        assert_eq!(info.applies_to, "tiny@2026-01-01#0011223344556677");
        assert_eq!(info.results_in, "tiny@2026-01-02#0011223344556677");
        assert_eq!(dump.blocks.len(), 1);
        assert_eq!(dump.blocks[0].table, "core.users");
        assert_eq!(dump.blocks[0].op, Some(Op::Upsert));
        assert_eq!(dump.total_rows(), 1);
    }

    #[test]
    fn a_delta_row_of_another_company_is_refused() {
        let text = delta_text(OTHER, "");
        let err = parse(text.as_bytes()).unwrap_err();
        assert!(matches!(err, DumpError::ForeignCompany { .. }), "{err}");
    }

    #[test]
    fn a_delta_with_an_extra_statement_is_refused() {
        let text = delta_text(COMPANY, "DELETE FROM core.users;\n");
        let err = parse(text.as_bytes()).unwrap_err();
        assert!(err.to_string().contains("unexpected statement"), "{err}");
        // And a base dump may not copy into temp tables.
        let base = dump_text(COMPANY, "2")
            .replace("COPY core.users", "COPY pg_temp.delta_upsert__core__users");
        assert!(parse(base.as_bytes()).is_err());
    }
}
