//! Rendering the simulated ledger into dump files through minijinja templates.
//!
//! Input: simulated records and templates. Output: bytes. Invariant: every value
//! reaches the dump through one escape function for COPY text format.

mod templates;

pub use templates::TemplateSet;

/// A template that could not be found, parsed or rendered.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("template {name}: {message}")]
#[diagnostic(help("fix the template, or drop --templates to use the built-in ones"))]
pub struct TemplateError {
    pub name: String,
    pub message: String,
}

/// The reference schema DDL, from `schema.sql.j2`.
pub fn schema_sql(templates: &TemplateSet) -> Result<String, TemplateError> {
    render_template(templates, "schema.sql.j2", minijinja::context! {})
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
