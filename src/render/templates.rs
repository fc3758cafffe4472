//! A target's template sources and mapping: a built-in target
//! (`templates/reference`, `templates/laravel`) or a team's own folder, whose
//! files override the built-in dump layout by name, and the environment the
//! templates render in.
//!
//! Invariant: a template cannot print an unescaped string. The environment's
//! formatter prints only numbers, booleans, a table's rows and [`Escaped`]
//! values, which only the context filters make: `sql_comment`, `sql_literal`,
//! `sql_ident` and `sql_ident_list` (see [`super::sql_text`]). Anything else,
//! including a string literal of the template itself, is a template error, so
//! a template author cannot forget to escape. The `safe` and `escape` filters
//! are removed, and an undefined variable is an error.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use minijinja::value::{Object, Value, ValueKind};
use minijinja::{Error, ErrorKind, Output, State, UndefinedBehavior};

use super::copy_text::NulByte;
use super::dump::Rows;
use super::sql_text;
use crate::target::Mapping;

/// Built-in templates, compiled into the binary so that `demoforge` works from
/// any directory: per target, its files. The reference layout of the dump
/// serves every target that does not bring its own.
const BUILTIN: [(&str, &str, &str); 8] = [
    (
        "laravel-mysql",
        "schema.sql.j2",
        include_str!("../../templates/laravel-mysql/schema.sql.j2"),
    ),
    (
        "laravel-mysql",
        "base-demo.sql.j2",
        include_str!("../../templates/laravel-mysql/base-demo.sql.j2"),
    ),
    (
        "*mysql",
        "base-demo.sql.j2",
        include_str!("../../templates/laravel-mysql/base-demo.sql.j2"),
    ),
    (
        "laravel",
        "schema.sql.j2",
        include_str!("../../templates/laravel/schema.sql.j2"),
    ),
    (
        "laravel",
        "base-demo.sql.j2",
        include_str!("../../templates/reference/base-demo.sql.j2"),
    ),
    (
        "reference",
        "schema.sql.j2",
        include_str!("../../templates/reference/schema.sql.j2"),
    ),
    (
        "reference",
        "base-demo.sql.j2",
        include_str!("../../templates/reference/base-demo.sql.j2"),
    ),
    (
        "*",
        "base-demo.sql.j2",
        include_str!("../../templates/reference/base-demo.sql.j2"),
    ),
];

/// A target: its name, its checked mapping, and its template sources by file
/// name (a BTreeMap keeps iteration order stable).
#[derive(Debug, Clone)]
pub struct TemplateSet {
    name: String,
    mapping: Arc<Mapping>,
    sources: BTreeMap<String, String>,
}

impl TemplateSet {
    /// The reference target.
    pub fn builtin() -> TemplateSet {
        TemplateSet::builtin_target("reference").expect("the reference target is built in")
    }

    /// A built-in target by name, or `None`.
    pub fn builtin_target(name: &str) -> Option<TemplateSet> {
        let mapping = crate::target::builtin(name)?;
        let sources = builtin_sources(name);
        Some(TemplateSet {
            name: name.to_owned(),
            mapping: Arc::new(mapping),
            sources,
        })
    }

    /// A target from a folder: its mapping, and its templates over the
    /// built-in dump layout.
    pub fn from_folder(
        name: &str,
        mapping: Mapping,
        sources: BTreeMap<String, String>,
    ) -> TemplateSet {
        let mut all = builtin_sources(match mapping.dialect {
            crate::target::Dialect::Postgres => "*",
            crate::target::Dialect::Mysql => "*mysql",
        });
        all.extend(sources);
        TemplateSet {
            name: name.to_owned(),
            mapping: Arc::new(mapping),
            sources: all,
        }
    }

    /// Replaces or adds templates by file name.
    pub fn with_overrides(mut self, overrides: BTreeMap<String, String>) -> TemplateSet {
        self.sources.extend(overrides);
        self
    }

    pub fn source(&self, name: &str) -> Option<&str> {
        self.sources.get(name).map(String::as_str)
    }

    /// The target's name: `reference`, `laravel`, or a folder's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether this is the reference target (possibly with its templates
    /// overridden by `--templates`), whose output is the full set of files.
    pub fn is_reference(&self) -> bool {
        self.name == "reference" && self.is_direct()
    }

    pub fn mapping(&self) -> &Mapping {
        &self.mapping
    }

    /// Whether this is the reference target's shape: every table copied
    /// straight in with uuid ids, loadable by the merging loader.
    pub fn is_direct(&self) -> bool {
        self.mapping.is_direct()
    }

    pub(crate) fn environment(&self) -> minijinja::Environment<'_> {
        let mut env = minijinja::Environment::new();
        let syntax = minijinja::syntax::SyntaxConfig::builder()
            .keep_trailing_newline(true)
            .trim_blocks(true)
            .lstrip_blocks(true)
            .build()
            .expect("static syntax config is valid");
        env.set_syntax(syntax);
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_formatter(strict_formatter);
        for unsafe_filter in ["safe", "escape", "e"] {
            env.remove_filter(unsafe_filter);
        }
        env.add_filter("sql_comment", |v: Value| -> Result<Value, Error> {
            Ok(escaped(sql_text::sql_comment(&text_of(&v)?)))
        });
        env.add_filter("sql_literal", |v: Value| -> Result<Value, Error> {
            sql_text::sql_literal(&text_of(&v)?)
                .map(escaped)
                .map_err(nul_error)
        });
        env.add_filter("sql_ident", |v: Value| -> Result<Value, Error> {
            sql_text::sql_ident(&text_of(&v)?)
                .map(escaped)
                .map_err(nul_error)
        });
        env.add_filter("sql_ident_list", sql_ident_list);
        for (name, text) in &self.sources {
            // A template that fails to parse is reported when it is rendered.
            let _ = env.add_template(name, text);
        }
        env
    }
}

/// Text that went through one of the context filters; the only strings the
/// formatter prints.
#[derive(Debug)]
pub struct Escaped(String);

impl Object for Escaped {
    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Only `render` makes these: from the context filters, and from SQL that
/// [`super::mapped`] assembles out of the same escaping functions.
pub(crate) fn escaped(text: String) -> Value {
    Value::from_object(Escaped(text))
}

/// The text a filter escapes: a string or a number, never an undefined or
/// compound value (whose rendering would be a Rust-side choice).
fn text_of(value: &Value) -> Result<String, Error> {
    match value.kind() {
        ValueKind::String => Ok(value.as_str().unwrap_or_default().to_owned()),
        ValueKind::Number | ValueKind::Bool => Ok(value.to_string()),
        kind => Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("an escaping filter takes a string or a number, not {kind}"),
        )),
    }
}

fn nul_error(e: NulByte) -> Error {
    Error::new(ErrorKind::InvalidOperation, e.to_string())
}

/// A list of identifiers joined with `, `, each escaped by `sql_ident`.
fn sql_ident_list(list: Value) -> Result<Value, Error> {
    let mut names = Vec::new();
    for item in list.try_iter()? {
        names.push(sql_text::sql_ident(&text_of(&item)?).map_err(nul_error)?);
    }
    Ok(escaped(names.join(", ")))
}

/// Prints escaped text, numbers, booleans and table rows; refuses the rest.
fn strict_formatter(out: &mut Output, _state: &mut State, value: &Value) -> Result<(), Error> {
    let written = if let Some(text) = value.downcast_object_ref::<Escaped>() {
        out.write_str(&text.0)
    } else if let Some(rows) = value.downcast_object_ref::<Rows>() {
        return rows.stream(out);
    } else if matches!(value.kind(), ValueKind::Number | ValueKind::Bool) {
        write!(out, "{value}")
    } else {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            format!(
                "the template prints a {} without an escaping filter; pipe it through \
                 sql_comment, sql_literal, sql_ident or sql_ident_list",
                value.kind()
            ),
        ));
    };
    written.map_err(|_| Error::new(ErrorKind::WriteFailure, "cannot write the output"))
}

fn builtin_sources(target: &str) -> BTreeMap<String, String> {
    BUILTIN
        .iter()
        .filter(|(t, _, _)| *t == target)
        .map(|(_, name, text)| (name.to_string(), text.to_string()))
        .collect()
}
