//! The base dump: rows encoded per table into a [`TableStore`] during the
//! simulation, then laid out by `base-demo.sql.j2` in foreign-key order.
//!
//! The template is rendered when the dump is written, straight into the
//! output. Each table's rows are a [`Rows`] object in the template's context:
//! the template's formatter streams them from the store at the place the
//! template prints them, so rows never pass through the template engine as a
//! string, and nothing in the layout is a marker that a value could forge.
//! The template is also rendered once, without rows, when the scenario is
//! compiled, so a broken template fails the build before any file is written.

use std::fmt;
use std::io;
use std::sync::{Arc, Mutex};

use minijinja::value::{Object, Value};
use minijinja::{Error, ErrorKind, Output};

use super::store::TableStore;
use super::tables::{columns, encode, qualified_name};
use super::{RenderError, TemplateError, TemplateSet};
use crate::catalog::Type;
use crate::model::Scenario;
use crate::simulate::{self, CompanyBooks, Row, RowSink, Table};

pub const TEMPLATE: &str = "base-demo.sql.j2";

/// Encoded rows flush to the store in blocks of this size.
const FLUSH_AT: usize = 1 << 16;

/// The template context (without rows), the store with the rows, and what the
/// simulation found.
pub struct DumpBody {
    layout: Layout,
    templates: TemplateSet,
    store: Arc<dyn TableStore>,
    counts: Vec<u64>,
    pub books: Vec<CompanyBooks>,
}

/// One table's rows in the template. The formatter writes them from the store
/// (see [`Rows::stream`]); the template cannot read them as text.
pub struct Rows {
    table: usize,
    format: RowFormat,
    /// `None` when the layout is only being checked.
    store: Option<Arc<dyn TableStore>>,
    /// An I/O error of the store, kept because the template engine can only
    /// carry its own error type.
    error: Arc<Mutex<Option<io::Error>>>,
}

impl fmt::Debug for Rows {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<rows of table {}>", self.table)
    }
}

impl Object for Rows {}

/// How a table's rows are printed.
#[derive(Debug, Clone)]
pub(super) enum RowFormat {
    /// COPY text, a row per line (PostgreSQL).
    Copy,
    /// `INSERT` statements of up to [`INSERT_BATCH`] rows, a row per line
    /// (MySQL): `head` is `INSERT INTO … (…) VALUES`, `types` the columns'.
    Inserts { head: String, types: Vec<Type> },
}

/// Rows per MySQL `INSERT`. Batches of 200, 1000 and 5000 rows loaded the
/// supply co's laravel-mysql dump in the same time (scripts/bench-mysql);
/// 1000 keeps each statement far under `max_allowed_packet`.
pub const INSERT_BATCH: usize = 1000;

impl Rows {
    /// Streams the table's rows into the template's output.
    pub(super) fn stream(&self, out: &mut Output<'_>) -> Result<(), Error> {
        let Some(store) = &self.store else {
            return Ok(());
        };
        let mut sink = Utf8Sink {
            out,
            pending: Vec::new(),
            failed: false,
        };
        let copied = match &self.format {
            RowFormat::Copy => store
                .copy_to(self.table, &mut sink)
                .and_then(|()| sink.finish()),
            RowFormat::Inserts { head, types } => {
                let mut inserts = InsertBatches {
                    out: &mut sink,
                    head,
                    types,
                    line: Vec::new(),
                    rows: 0,
                    text: String::new(),
                };
                store
                    .copy_to(self.table, &mut inserts)
                    .and_then(|()| inserts.finish())
                    .and_then(|()| sink.finish())
            }
        };
        match copied {
            Ok(()) => Ok(()),
            // The output failed: the engine already holds that I/O error.
            Err(_) if sink.failed => Err(Error::new(ErrorKind::WriteFailure, "output failed")),
            Err(e) => {
                let message = format!("cannot read the rows of table {}: {e}", self.table);
                if let Ok(mut slot) = self.error.lock() {
                    slot.get_or_insert(e);
                }
                Err(Error::new(ErrorKind::WriteFailure, message))
            }
        }
    }
}

/// Adapts the template's text output to the store's byte stream. Rows are
/// UTF-8 (encoded from strings); a character split between two chunks waits
/// in `pending`.
struct Utf8Sink<'o, 'a> {
    out: &'o mut Output<'a>,
    pending: Vec<u8>,
    failed: bool,
}

impl Utf8Sink<'_, '_> {
    fn emit(&mut self, text: &str) -> io::Result<()> {
        self.out.write_str(text).map_err(|_| {
            self.failed = true;
            io::Error::other("the output failed")
        })
    }

    fn finish(&mut self) -> io::Result<()> {
        match self.pending.is_empty() {
            true => Ok(()),
            false => Err(io::Error::other("the rows end inside a UTF-8 character")),
        }
    }
}

impl io::Write for Utf8Sink<'_, '_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // Usually nothing is pending and the chunk is written without a copy.
        let joined;
        let bytes = if self.pending.is_empty() {
            buf
        } else {
            let mut pending = std::mem::take(&mut self.pending);
            pending.extend_from_slice(buf);
            joined = pending;
            &joined[..]
        };
        let (text, rest) = match std::str::from_utf8(bytes) {
            Ok(text) => (text, &[][..]),
            Err(e) if e.error_len().is_none() => {
                let (valid, rest) = bytes.split_at(e.valid_up_to());
                (std::str::from_utf8(valid).map_err(io::Error::other)?, rest)
            }
            Err(_) => return Err(io::Error::other("the rows are not UTF-8")),
        };
        self.emit(text)?;
        self.pending = rest.to_vec();
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Turns the store's COPY text lines into MySQL `INSERT` statements.
struct InsertBatches<'s, 'o, 'a> {
    out: &'s mut Utf8Sink<'o, 'a>,
    head: &'s str,
    types: &'s [Type],
    /// A line not yet ended.
    line: Vec<u8>,
    /// Rows in the statement being written.
    rows: usize,
    text: String,
}

impl InsertBatches<'_, '_, '_> {
    fn row(&mut self, line: &[u8]) -> io::Result<()> {
        self.text.clear();
        if self.rows == 0 {
            self.text.push_str(self.head);
            self.text.push('\n');
        } else {
            self.text.push_str(",\n");
        }
        super::mysql_text::copy_to_values(line, self.types, &mut self.text)
            .map_err(io::Error::other)?;
        self.rows += 1;
        if self.rows == INSERT_BATCH {
            self.text.push_str(";\n");
            self.rows = 0;
        }
        self.out.emit(&self.text)
    }

    fn finish(&mut self) -> io::Result<()> {
        if !self.line.is_empty() {
            return Err(io::Error::other("the rows end inside a line"));
        }
        if self.rows > 0 {
            self.rows = 0;
            self.out.emit(";\n")?;
        }
        Ok(())
    }
}

impl io::Write for InsertBatches<'_, '_, '_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut rest = buf;
        while let Some(end) = rest.iter().position(|&b| b == b'\n') {
            if self.line.is_empty() {
                self.row(&rest[..end])?;
            } else {
                let mut line = std::mem::take(&mut self.line);
                line.extend_from_slice(&rest[..end]);
                self.row(&line)?;
            }
            rest = &rest[end + 1..];
        }
        self.line.extend_from_slice(rest);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

struct TableSink<'a> {
    pending: Vec<Vec<u8>>,
    counts: Vec<u64>,
    store: &'a mut dyn TableStore,
    error: Option<RenderError>,
}

impl RowSink for TableSink<'_> {
    fn row(&mut self, row: Row<'_>) {
        let table = row.table().index();
        let buffer = &mut self.pending[table];
        match encode(row, buffer) {
            Ok(()) => self.counts[table] += 1,
            Err(e) => self.fail(e.into()),
        }
        if self.pending[table].len() >= FLUSH_AT {
            self.flush(table);
        }
    }
}

impl TableSink<'_> {
    fn flush(&mut self, table: usize) {
        if let Err(e) = self.store.append(table, &self.pending[table]) {
            self.fail(store_error(e));
        }
        self.pending[table].clear();
    }

    fn fail(&mut self, error: RenderError) {
        self.error.get_or_insert(error);
    }
}

fn store_error(e: io::Error) -> RenderError {
    RenderError::Template(TemplateError {
        name: "table store".into(),
        message: e.to_string(),
    })
}

pub fn simulate_into_store(
    scenario: &Scenario,
    templates: &TemplateSet,
    mut store: Box<dyn TableStore>,
) -> Result<DumpBody, RenderError> {
    let mut sink = TableSink {
        pending: vec![Vec::with_capacity(FLUSH_AT + 1024); Table::ALL.len()],
        counts: vec![0; Table::ALL.len()],
        store: store.as_mut(),
        error: None,
    };
    let books = simulate::run(scenario, &mut sink)?;
    for table in 0..Table::ALL.len() {
        sink.flush(table);
    }
    if let Some(e) = sink.error {
        return Err(e);
    }
    let counts = sink.counts;
    let layout = Layout::new(scenario, &counts, templates)?;
    let body = DumpBody {
        layout,
        templates: templates.clone(),
        store: Arc::from(store),
        counts,
        books,
    };
    match body.render(None, &mut io::sink()) {
        Ok(()) => Ok(body),
        Err(Failure::Io(e)) => Err(store_error(e)),
        Err(Failure::Template(message)) => Err(RenderError::Template(TemplateError {
            name: TEMPLATE.to_owned(),
            message,
        })),
    }
}

/// Why rendering the layout failed.
enum Failure {
    /// The store or the output.
    Io(io::Error),
    /// The template itself, with minijinja's message.
    Template(String),
}

/// What the template is given, apart from the rows. Strings are raw: the
/// template escapes each for its context.
struct Layout {
    scenario: Value,
    companies: Vec<Value>,
    total_rows: u64,
    /// Each dumped table, its row count and its COPY target `(schema, table)`.
    tables: Vec<(Table, u64, (String, String))>,
    /// The target's name and the statements of its mapping
    /// ([`super::mapped`]): empty for the reference target.
    target: Value,
}

impl Layout {
    fn new(
        scenario: &Scenario,
        counts: &[u64],
        templates: &TemplateSet,
    ) -> Result<Layout, RenderError> {
        let mapping = templates.mapping();
        let plan = super::mapped::plan(mapping, scenario.calendar.as_of)?;
        let statements = |list: Vec<String>| -> Vec<Value> {
            list.into_iter().map(super::templates::escaped).collect()
        };
        let target = minijinja::context! {
            name => templates.name(),
            prepare => statements(plan.prepare),
            finish => statements(plan.finish),
            cleanup => statements(plan.cleanup),
        };
        let companies = scenario
            .companies
            .iter()
            .map(|c| {
                let id = simulate::Key::root(&scenario.slug)
                    .child(&c.key)
                    .id()
                    .to_string();
                minijinja::context! { id, name => &c.name }
            })
            .collect();
        Ok(Layout {
            scenario: minijinja::context! {
                slug => &scenario.slug, seed => scenario.seed, spec_hash => &scenario.spec_hash,
                as_of => scenario.calendar.as_of.to_string(),
            },
            companies,
            total_rows: Table::ALL
                .iter()
                .filter(|&&t| mapping.maps(t))
                .map(|t| counts[t.index()])
                .sum(),
            tables: Table::ALL
                .iter()
                .filter(|&&t| counts[t.index()] > 0 && mapping.maps(t))
                .map(|&t| (t, counts[t.index()], super::mapped::copy_target(mapping, t)))
                .collect(),
            target,
        })
    }

    /// The template context; `store` is `None` to check the layout only.
    fn context(
        &self,
        store: Option<&Arc<dyn TableStore>>,
        error: &Arc<Mutex<Option<io::Error>>>,
    ) -> Value {
        let tables: Vec<Value> = self
            .tables
            .iter()
            .map(|(t, rows, (schema, table))| {
                let (t, rows) = (*t, *rows);
                let name = t.def().qualified;
                minijinja::context! {
                    name, schema, table,
                    columns => columns(t),
                    rows,
                    data => Value::from_object(Rows {
                        table: t.index(),
                        format: RowFormat::Copy,
                        store: store.cloned(),
                        error: Arc::clone(error),
                    }),
                    inserts => Value::from_object(Rows {
                        table: t.index(),
                        format: insert_format(t, table),
                        store: store.cloned(),
                        error: Arc::clone(error),
                    }),
                }
            })
            .collect();
        minijinja::context! {
            scenario => self.scenario.clone(),
            version => env!("CARGO_PKG_VERSION"),
            companies => self.companies.clone(),
            total_rows => self.total_rows,
            tables,
            target => self.target.clone(),
        }
    }
}

/// The MySQL `INSERT` format of a table whose rows go into `into` (its
/// staging table).
fn insert_format(table: Table, into: &str) -> RowFormat {
    RowFormat::Inserts {
        // Catalog names and demoforge's staging names hold no NUL.
        head: super::mysql_text::insert_head(table, into).unwrap_or_default(),
        types: table.def().dump_columns().map(|c| c.ty).collect(),
    }
}

impl DumpBody {
    pub fn row_counts(&self) -> Vec<(&'static str, u64)> {
        Table::ALL
            .iter()
            .map(|&t| (qualified_name(t), self.counts[t.index()]))
            .collect()
    }

    /// Renders the template into `out`, streaming each table's rows where
    /// the template prints them.
    pub fn write_to(&self, out: &mut dyn io::Write) -> io::Result<()> {
        self.render(Some(&self.store), out).map_err(|f| match f {
            Failure::Io(e) => e,
            Failure::Template(m) => io::Error::other(format!("template {TEMPLATE}: {m}")),
        })
    }

    fn render(
        &self,
        store: Option<&Arc<dyn TableStore>>,
        out: &mut dyn io::Write,
    ) -> Result<(), Failure> {
        let error = Arc::new(Mutex::new(None));
        let ctx = self.layout.context(store, &error);
        let env = self.templates.environment();
        let rendered = env
            .get_template(TEMPLATE)
            .and_then(|t| t.render_captured_to(ctx, &mut *out).map(|_| ()));
        let Err(e) = rendered else {
            return Ok(());
        };
        if let Some(store_error) = error.lock().ok().and_then(|mut slot| slot.take()) {
            return Err(Failure::Io(store_error));
        }
        let io_error = std::error::Error::source(&e).and_then(|s| s.downcast_ref::<io::Error>());
        Err(match io_error {
            Some(io_error) => Failure::Io(io::Error::new(io_error.kind(), io_error.to_string())),
            None => Failure::Template(format!("{e:#}")),
        })
    }
}
