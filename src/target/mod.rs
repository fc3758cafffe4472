//! Targets: where demoforge's tables go in a team's own schema.
//!
//! Input: a target's `target.yaml` (the mapping) as text. Output: a checked
//! [`Mapping`], or every problem found at once as [`MappingErrors`], each at
//! its line and field in the mapping file, with a fix.
//! Invariants: a mapping names only tables and columns the catalog declares
//! (`crate::catalog`); every mapped table but the tenant's gets the tenant
//! column, filled by demoforge and never by the mapping; a uuid column copied
//! under integer ids points only into mapped tables; every text of the
//! mapping reaches SQL through `render::sql_text` (see `render::mapped`), so no
//! mapping string can change what a statement means. Pure: the files are read
//! by `output`.
//!
//! The format is documented in docs/mapping.md.

pub mod ddl;
mod decode;

use miette::{Diagnostic, NamedSource, SourceSpan};
use thiserror::Error;

use crate::catalog::Table;
use crate::spec::Problem;

/// The built-in targets, compiled into the binary: name, mapping, templates.
pub const BUILTIN: [(&str, &str); 3] = [
    (
        "reference",
        include_str!("../../templates/reference/target.yaml"),
    ),
    (
        "laravel",
        include_str!("../../templates/laravel/target.yaml"),
    ),
    (
        "laravel-mysql",
        include_str!("../../templates/laravel-mysql/target.yaml"),
    ),
];

/// Which SQL dialect the target's database speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Postgres,
    /// MySQL 8 or MariaDB 10.6+: the dump loads with the stock client.
    Mysql,
}

/// How rows are identified in the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ids {
    /// demoforge's deterministic uuids, written as they are.
    Uuid,
    /// `bigint` ids from the target tables' own sequences, allocated when the
    /// dump is loaded; the dump carries the uuids as symbolic ids.
    Integer,
}

/// How money is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoneyAs {
    /// `numeric`, e.g. `12.50`.
    Decimal,
    /// Integer minor units, e.g. `1250`.
    Cents,
}

/// A checked mapping.
#[derive(Debug, Clone)]
pub struct Mapping {
    pub dialect: Dialect,
    pub ids: Ids,
    pub money: MoneyAs,
    /// IANA zone of `timestamp` values.
    pub time_zone: String,
    pub tenant: Tenant,
    pub credentials: Option<Credentials>,
    /// In the catalog's foreign-key order, then the mapping's list order.
    pub tables: Vec<TableMap>,
    /// The mapping's file name and text, for reports found later (against
    /// a database's DDL, see [`ddl`]).
    pub source: std::sync::Arc<(String, String)>,
    /// Where `tenant` and `credentials` are written.
    pub tenant_span: SourceSpan,
    pub credentials_span: SourceSpan,
}

#[derive(Debug, Clone)]
pub struct Tenant {
    /// The table that receives `core.companies`.
    pub table: Name,
    /// The tenant column of every other mapped table.
    pub column: String,
    /// Boolean column of the tenant table: true for a demo tenant.
    pub demo_flag: String,
    /// Column of the tenant table holding the company's uuid, which is how a
    /// reset finds the same tenant again.
    pub key: String,
}

#[derive(Debug, Clone)]
pub struct Credentials {
    /// The table that receives `core.users`.
    pub users: Name,
    /// Its bcrypt column.
    pub password: String,
    /// Laravel Sanctum's `personal_access_tokens`, if the app has it.
    pub tokens: Option<Tokens>,
}

#[derive(Debug, Clone)]
pub struct Tokens {
    pub table: Name,
    /// The `tokenable_type` of a user, e.g. `App\Models\User`.
    pub owner_type: String,
}

/// A table name, optionally schema-qualified.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Name {
    pub schema: Option<String>,
    pub name: String,
}

impl Name {
    pub fn parse(text: &str) -> Name {
        match text.split_once('.') {
            Some((schema, name)) => Name {
                schema: Some(schema.to_owned()),
                name: name.to_owned(),
            },
            None => Name {
                schema: None,
                name: text.to_owned(),
            },
        }
    }
}

impl std::fmt::Display for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.schema {
            Some(schema) => write!(f, "{schema}.{}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

/// One demoforge table into one target table.
#[derive(Debug, Clone)]
pub struct TableMap {
    pub source: Table,
    pub into: Name,
    /// The target's id column, filled from the source's `id` (when it has one).
    pub id: String,
    /// `None`: every dump column under its own name (ids must be uuids).
    pub columns: Option<Vec<(String, Value)>>,
    /// Where `into` and each column's key are written, in `columns` order.
    pub into_span: SourceSpan,
    pub column_spans: Vec<SourceSpan>,
}

impl TableMap {
    /// Whether the table is copied straight into its target, with no
    /// staging: every dump column under its own name, uuid ids.
    pub fn is_direct(&self) -> bool {
        self.columns.is_none()
    }
}

/// How a target column is filled from a source row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// A source column; a uuid becomes the id of the row it points to, money
    /// is written per `money` (or the override).
    Column {
        name: &'static str,
        money: Option<MoneyAs>,
    },
    Const(Const),
    /// A date column (or the scenario's as-of date) at a time of day, in the
    /// mapping's zone.
    Timestamp {
        date: DateSource,
        hour: u32,
        minute: u32,
    },
    /// Source text to target constants; anything else becomes NULL.
    Map {
        column: &'static str,
        values: Vec<(String, Const)>,
    },
    /// `debit - credit`, as money.
    Signed {
        debit: &'static str,
        credit: &'static str,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DateSource {
    Column(&'static str),
    AsOf,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Const {
    Null,
    Bool(bool),
    Int(i64),
    Text(String),
}

impl Mapping {
    /// Whether every mapped table is copied straight into its target (the
    /// reference target): the dump is then plain COPY blocks that the
    /// reference loader understands.
    pub fn is_direct(&self) -> bool {
        self.ids == Ids::Uuid && self.tables.iter().all(TableMap::is_direct)
    }

    /// The mappings of one source table (none when it is left out).
    pub fn of(&self, source: Table) -> impl Iterator<Item = &TableMap> {
        self.tables.iter().filter(move |t| t.source == source)
    }

    pub fn maps(&self, source: Table) -> bool {
        self.of(source).next().is_some()
    }

    /// The distinct target tables, in the order they are first filled.
    pub fn target_tables(&self) -> Vec<&Name> {
        let mut names: Vec<&Name> = Vec::new();
        for t in &self.tables {
            if !names.contains(&&t.into) {
                names.push(&t.into);
            }
        }
        names
    }
}

/// Every problem found in one mapping file.
#[derive(Debug, Error, Diagnostic)]
#[error("{} problem(s) in target mapping {}", problems.len(), name)]
#[diagnostic(help("see docs/mapping.md for every key of a mapping, with examples"))]
pub struct MappingErrors {
    pub name: String,
    #[source_code]
    pub source_code: NamedSource<String>,
    #[related]
    pub problems: Vec<Problem>,
}

/// Parses and checks a mapping. `name` is the file name shown in reports.
pub fn parse(name: &str, text: &str) -> Result<Mapping, MappingErrors> {
    let mut problems = crate::spec::Problems::default();
    let mapping = decode::mapping(text, &mut problems);
    match mapping {
        Some(mut mapping) if problems.is_empty() => {
            mapping.source = std::sync::Arc::new((name.to_owned(), text.to_owned()));
            Ok(mapping)
        }
        _ => Err(errors_for(name, text, problems)),
    }
}

/// The mapping of a built-in target.
pub fn builtin(name: &str) -> Option<Mapping> {
    let (_, text) = BUILTIN.iter().find(|(n, _)| *n == name)?;
    parse(&format!("templates/{name}/target.yaml"), text).ok()
}

impl Mapping {
    /// Every problem of `problems` as one report on this mapping's file.
    pub fn errors(&self, problems: crate::spec::Problems) -> MappingErrors {
        let (name, text) = &*self.source;
        errors_for(name, text, problems)
    }
}

/// The report of `problems` in the mapping file `name` holding `text`.
fn errors_for(name: &str, text: &str, mut problems: crate::spec::Problems) -> MappingErrors {
    let shown = problems.fit_for_display(text);
    MappingErrors {
        name: name.to_owned(),
        source_code: NamedSource::new(name, shown),
        problems: problems.0,
    }
}

/// A span that covers nothing, for problems about the file as a whole.
fn top() -> SourceSpan {
    SourceSpan::new(0.into(), 0)
}

#[cfg(test)]
mod tests;
