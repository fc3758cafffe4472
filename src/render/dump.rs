//! The base dump: rows encoded per table into a [`TableStore`] during the
//! simulation, then laid out by `base-demo.sql.j2` in foreign-key order.
//!
//! The template is rendered once, with a marker where each table's rows go;
//! writing the dump copies the template text and streams each table's block at
//! its marker, so rows never pass through the template engine.

use std::fmt;
use std::io;
use std::sync::Arc;

use minijinja::value::{Object, Value};

use super::store::TableStore;
use super::tables::{columns, encode, qualified_name};
use super::{RenderError, TemplateError, TemplateSet};
use crate::model::Scenario;
use crate::simulate::{self, CompanyBooks, Row, RowSink, Table};

pub const TEMPLATE: &str = "base-demo.sql.j2";

/// Brackets a table index in the rendered layout. U+0001 never appears in
/// template text, and rows are not in the layout, so it cannot collide.
const MARK: char = '\u{1}';

/// Encoded rows flush to the store in blocks of this size.
const FLUSH_AT: usize = 1 << 16;

/// The rendered layout, the store with the rows, and what the simulation found.
pub struct DumpBody {
    layout: String,
    store: Box<dyn TableStore>,
    counts: Vec<u64>,
    pub books: Vec<CompanyBooks>,
}

/// Stands for one table's rows in the template; renders as a marker.
#[derive(Debug)]
struct RowsMarker(usize);

impl Object for RowsMarker {
    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{MARK}{}{MARK}", self.0)
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
    let layout = render_layout(scenario, templates, &counts)?;
    Ok(DumpBody {
        layout,
        store,
        counts,
        books,
    })
}

fn render_layout(
    scenario: &Scenario,
    templates: &TemplateSet,
    counts: &[u64],
) -> Result<String, RenderError> {
    let tables: Vec<Value> = Table::ALL
        .iter()
        .filter(|t| counts[t.index()] > 0)
        .map(|&t| {
            minijinja::context! {
                name => qualified_name(t),
                columns => columns(t).to_vec(),
                rows => counts[t.index()],
                data => Value::from_object(RowsMarker(t.index())),
            }
        })
        .collect();
    let companies: Vec<Value> = scenario
        .companies
        .iter()
        .map(|c| {
            let id = simulate::Key::root(&scenario.slug)
                .child(&c.key)
                .id()
                .to_string();
            minijinja::context! { id, name => c.name.replace(['\n', '\r'], " ") }
        })
        .collect();
    let ctx = minijinja::context! {
        scenario => minijinja::context! {
            slug => &scenario.slug, seed => scenario.seed, spec_hash => &scenario.spec_hash,
            as_of => scenario.calendar.as_of.to_string(),
        },
        version => env!("CARGO_PKG_VERSION"),
        companies,
        total_rows => counts.iter().sum::<u64>(),
        tables,
    };
    Ok(super::render_template(templates, TEMPLATE, ctx)?)
}

impl DumpBody {
    pub fn row_counts(&self) -> Vec<(&'static str, u64)> {
        Table::ALL
            .iter()
            .map(|&t| (qualified_name(t), self.counts[t.index()]))
            .collect()
    }

    /// Writes the layout, streaming each table's rows at its marker.
    pub fn write_to(&self, out: &mut dyn io::Write) -> io::Result<()> {
        for (i, piece) in self.layout.split(MARK).enumerate() {
            if i % 2 == 0 {
                out.write_all(piece.as_bytes())?;
            } else {
                let table: usize = piece
                    .parse()
                    .map_err(|_| io::Error::other("corrupt dump layout"))?;
                self.store.copy_to(table, out)?;
            }
        }
        Ok(())
    }
}
