//! Rendering a scenario into its generated files through minijinja templates.
//!
//! Input: a validated [`Scenario`] and a [`TemplateSet`]. Output: [`GeneratedFile`]s
//! that the `output` stage writes or compares; nothing here touches the disk.
//! Invariants: every value reaches a generated file through the one escape
//! function of its context: a COPY field ([`copy_text::push_text`]), a `--`
//! comment, an SQL literal or an identifier ([`sql_text`]). There are no
//! in-band markers, so no value can change what a file means. The same
//! scenario and templates give the same bytes.
//!
//! The layout of the dump (header, SET lines, COPY statements, target table
//! and column names) comes from `base-demo.sql.j2`, whose formatter prints no
//! string that skipped an escaping filter; the rows themselves are encoded in
//! Rust and streamed by that formatter where the template prints a table's
//! `data`, because running a template per row could not reach a million rows
//! a second.

pub mod copy_text;
pub mod delta;
mod dump;
pub mod mapped;
pub mod mysql_text;
pub use mysql_text::insert_head;
pub mod sql_text;
mod store;
mod tables;
mod templates;

use std::io;

pub use dump::DumpBody;
pub use store::{MemoryStore, TableStore};
pub use tables::{columns, qualified_name};
pub use templates::TemplateSet;

use crate::model::Scenario;
use crate::simulate::{CompanyBooks, Violation};

/// A template that could not be found, parsed or rendered.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("template {name}: {message}")]
#[diagnostic(help("fix the template, or drop --templates to use the built-in ones"))]
pub struct TemplateError {
    pub name: String,
    pub message: String,
}

/// Why a scenario could not be rendered.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum RenderError {
    #[error("the simulated books are unsound: {0}")]
    #[diagnostic(help(
        "this is a demoforge bug or an extreme spec; please report it with the spec attached"
    ))]
    Unsound(#[from] Violation),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Template(#[from] TemplateError),
    #[error(transparent)]
    #[diagnostic(help(
        "remove the NUL character (`\\0`) from the value; `demoforge validate` reports where it is"
    ))]
    Nul(#[from] copy_text::NulByte),
}

/// One file of a scenario's output, relative to the output folder.
pub struct GeneratedFile {
    pub path: String,
    pub content: Content,
}

pub enum Content {
    Text(String),
    /// The dump, rendered on demand so it can stream into its file.
    Dump(Box<DumpBody>),
}

/// The compiled scenario: its files and the books behind them.
pub struct Compiled {
    pub files: Vec<GeneratedFile>,
    pub books: Vec<CompanyBooks>,
    pub row_counts: Vec<(&'static str, u64)>,
}

/// Simulates `scenario` and prepares every generated file. The dump's rows
/// go into `store`; everything else is small and held in memory.
pub fn compile(
    scenario: &Scenario,
    templates: &TemplateSet,
    store: Box<dyn TableStore>,
) -> Result<Compiled, RenderError> {
    let body = dump::simulate_into_store(scenario, templates, store)?;
    let mapping = templates.mapping();
    let row_counts: Vec<(&'static str, u64)> = body
        .row_counts()
        .into_iter()
        .filter(|(name, _)| crate::catalog::Table::by_name(name).is_some_and(|t| mapping.maps(t)))
        .collect();
    let books = body.books.clone();
    let dir = output_folder(scenario, templates);
    let mut files = vec![GeneratedFile {
        path: format!("{dir}/base-demo.sql"),
        content: Content::Dump(Box::new(body)),
    }];
    if !templates.is_reference() {
        // The books and their reports do not depend on the target: they are
        // written once, beside the reference dump.
        return Ok(Compiled {
            files,
            books,
            row_counts,
        });
    }
    for (name, text) in crate::report::golden_reports(&books, &row_counts) {
        files.push(GeneratedFile {
            path: format!("{dir}/{name}"),
            content: Content::Text(text),
        });
    }
    Ok(Compiled {
        files,
        books,
        row_counts,
    })
}

/// Where a scenario's files go, relative to the output folder:
/// `<scenario>` for the reference target, `<scenario>/<target>` for another.
pub fn output_folder(scenario: &Scenario, templates: &TemplateSet) -> String {
    if templates.is_reference() {
        scenario.slug.clone()
    } else {
        format!("{}/{}", scenario.slug, templates.name())
    }
}

impl GeneratedFile {
    pub fn write_to(&self, out: &mut dyn io::Write) -> io::Result<()> {
        match &self.content {
            Content::Text(text) => out.write_all(text.as_bytes()),
            Content::Dump(body) => body.write_to(out),
        }
    }

    pub fn to_bytes(&self) -> io::Result<Vec<u8>> {
        let mut bytes = Vec::new();
        self.write_to(&mut bytes)?;
        Ok(bytes)
    }
}

/// The reference schema DDL, from `schema.sql.j2`. The template receives the
/// catalog's tenant tables (`tenant_tables`) for its per-table triggers,
/// policies and upgrade step.
pub fn schema_sql(templates: &TemplateSet) -> Result<String, TemplateError> {
    let tenant_tables: Vec<minijinja::Value> = crate::catalog::all()
        .filter(|t| t.is_tenant_table())
        .map(|t| {
            minijinja::context! {
                schema => t.schema(),
                name => t.name(),
                keyed_by_id => t.primary_key == ["company_id", "id"],
            }
        })
        .collect();
    render_template(
        templates,
        "schema.sql.j2",
        minijinja::context! { tenant_tables },
    )
}

pub(crate) fn render_template(
    templates: &TemplateSet,
    name: &str,
    ctx: minijinja::Value,
) -> Result<String, TemplateError> {
    let env = templates.environment();
    let fail = |e: minijinja::Error| TemplateError {
        name: name.to_owned(),
        message: format!("{e:#}"),
    };
    env.get_template(name)
        .map_err(fail)?
        .render(ctx)
        .map_err(fail)
}
