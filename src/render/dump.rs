//! The base dump: rows buffered per table during the simulation, then laid out
//! by `base-demo.sql.j2` in foreign-key order.

use std::fmt;
use std::io;
use std::sync::Arc;

use minijinja::value::{Object, Value};

use super::copy_text::NulByte;
use super::tables::{columns, encode, qualified_name};
use super::{RenderError, TemplateError, TemplateSet};
use crate::model::Scenario;
use crate::simulate::{self, CompanyBooks, Row, RowSink, Table};

pub const TEMPLATE: &str = "base-demo.sql.j2";

/// Encoded COPY rows per table, and what the header needs.
pub struct DumpBody {
    slug: String,
    seed: u64,
    spec_hash: String,
    companies: Vec<(String, String)>,
    tables: Vec<Arc<CopyRows>>,
    counts: Vec<u64>,
    pub books: Vec<CompanyBooks>,
}

/// Rows of one table in COPY text format; rendered verbatim into the template.
#[derive(Debug, Default)]
struct CopyRows(Vec<u8>);

impl Object for CopyRows {
    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Encoded from `&str` values and ASCII only, so always UTF-8.
        f.write_str(std::str::from_utf8(&self.0).map_err(|_| fmt::Error)?)
    }
}

struct TableSink {
    data: Vec<Vec<u8>>,
    counts: Vec<u64>,
    error: Option<NulByte>,
}

impl RowSink for TableSink {
    fn row(&mut self, row: Row<'_>) {
        let table = row.table().index();
        match encode(row, &mut self.data[table]) {
            Ok(()) => self.counts[table] += 1,
            Err(e) => {
                self.error.get_or_insert(e);
            }
        }
    }
}

pub fn simulate_into_tables(scenario: &Scenario) -> Result<DumpBody, RenderError> {
    let mut sink = TableSink {
        data: vec![Vec::new(); Table::ALL.len()],
        counts: vec![0; Table::ALL.len()],
        error: None,
    };
    let books = simulate::run(scenario, &mut sink)?;
    if let Some(e) = sink.error {
        return Err(e.into());
    }
    let companies = scenario
        .companies
        .iter()
        .map(|c| {
            let id = simulate::Key::root(&scenario.slug).child(&c.key).id();
            (id.to_string(), c.name.replace(['\n', '\r'], " "))
        })
        .collect();
    Ok(DumpBody {
        slug: scenario.slug.clone(),
        seed: scenario.seed,
        spec_hash: scenario.spec_hash.clone(),
        companies,
        tables: sink
            .data
            .into_iter()
            .map(|d| Arc::new(CopyRows(d)))
            .collect(),
        counts: sink.counts,
        books,
    })
}

impl DumpBody {
    pub fn row_counts(&self) -> Vec<(&'static str, u64)> {
        Table::ALL
            .iter()
            .map(|&t| (qualified_name(t), self.counts[t.index()]))
            .collect()
    }

    pub fn render(
        &self,
        templates: &TemplateSet,
        out: &mut dyn io::Write,
    ) -> Result<(), RenderError> {
        let tables: Vec<Value> = Table::ALL
            .iter()
            .filter(|t| self.counts[t.index()] > 0)
            .map(|&t| {
                minijinja::context! {
                    name => qualified_name(t),
                    columns => columns(t).to_vec(),
                    rows => self.counts[t.index()],
                    data => Value::from_dyn_object(self.tables[t.index()].clone()),
                }
            })
            .collect();
        let companies: Vec<Value> = self
            .companies
            .iter()
            .map(|(id, name)| minijinja::context! { id, name })
            .collect();
        let ctx = minijinja::context! {
            scenario => minijinja::context! { slug => &self.slug, seed => self.seed, spec_hash => &self.spec_hash },
            version => env!("CARGO_PKG_VERSION"),
            companies,
            total_rows => self.counts.iter().sum::<u64>(),
            tables,
        };
        let env = templates.environment();
        let fail = |e: minijinja::Error| TemplateError {
            name: TEMPLATE.into(),
            message: format!("{e:#}"),
        };
        let template = env.get_template(TEMPLATE).map_err(fail)?;
        template.render_captured_to(ctx, out).map_err(fail)?;
        Ok(())
    }
}
