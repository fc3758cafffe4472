//! A mapping checked against the target's DDL, as a database holds it.
//!
//! Input: a checked [`Mapping`] and the target database's description of the
//! tables the mapping names ([`Tables`]: columns with their type as
//! `format_type` prints it, nullability, default, owned sequence), read by
//! `db`. Output: problems at the mapping's lines: a table or column the
//! database does not have, a missing tenant column, a value whose type the
//! column cannot take, a NOT NULL column without a default that nothing
//! fills, an integer id without a sequence. Pure: the query is `db`'s.
//!
//! Types are compared by family (integer, numeric, text, …) rather than by
//! name: `bigint` takes cents as well as `integer` does, and a quoted
//! constant may fill an enum or a date column, as PostgreSQL casts it.

use std::collections::BTreeMap;

use miette::SourceSpan;

use super::{Const, Ids, Mapping, MoneyAs, Name, TableMap, Value};
use crate::catalog::{Table, Type};
use crate::spec::{Kind, Problems};

/// One column of a target table, as the database describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbColumn {
    pub name: String,
    /// `format_type(atttypid, atttypmod)`, e.g. `bigint`, `character varying(255)`.
    pub ty: String,
    pub not_null: bool,
    pub has_default: bool,
    /// Whether `pg_get_serial_sequence` finds a sequence for it.
    pub has_sequence: bool,
}

/// The target tables by name (as the mapping writes them); a table the
/// database does not have is absent.
pub type Tables = BTreeMap<Name, Vec<DbColumn>>;

/// A column type's family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Int,
    Numeric,
    Text,
    Bool,
    Date,
    Timestamp,
    Uuid,
    Json,
    Array,
    /// An enum or a domain: takes a quoted constant or text.
    Other,
}

fn family(ty: &str) -> Family {
    let ty = ty.trim().to_ascii_lowercase();
    if ty.ends_with("[]") {
        return Family::Array;
    }
    // MySQL's COLUMN_TYPE: `bigint(20) unsigned`, `tinyint(1)` (its
    // boolean), `varchar(255)`, `enum('a','b')`.
    if ty.starts_with("tinyint(1)") {
        return Family::Bool;
    }
    let base = ty.split('(').next().unwrap_or(&ty).trim();
    let base = base
        .trim_end_matches(" zerofill")
        .trim_end_matches(" unsigned")
        .trim_end_matches(" signed");
    match base {
        "smallint" | "integer" | "bigint" | "int" | "tinyint" | "mediumint" => Family::Int,
        "numeric" | "real" | "double precision" | "money" | "decimal" | "double" | "float" => {
            Family::Numeric
        }
        "text" | "character varying" | "character" | "citext" | "name" | "varchar" | "char"
        | "tinytext" | "mediumtext" | "longtext" => Family::Text,
        "boolean" | "bool" => Family::Bool,
        "date" => Family::Date,
        "datetime" => Family::Timestamp,
        b if b.starts_with("timestamp") => Family::Timestamp,
        "uuid" => Family::Uuid,
        "json" | "jsonb" => Family::Json,
        _ => Family::Other,
    }
}

/// Checks the mapping against the database's tables; no problems when they fit.
pub fn check(mapping: &Mapping, tables: &Tables) -> Problems {
    let mut problems = Problems::default();
    for t in &mapping.tables {
        check_table(mapping, t, tables, &mut problems);
    }
    check_credentials(mapping, tables, &mut problems);
    problems
}

fn check_table(mapping: &Mapping, t: &TableMap, tables: &Tables, problems: &mut Problems) {
    let Some(columns) = tables.get(&t.into) else {
        problems.report(
            Kind::DanglingReference,
            t.into_span,
            format!("the target database has no table `{}`", t.into),
            "no such table",
            format!(
                "create `{}` (apply the target's schema.sql.j2 with `demoforge schema --target … --apply`), or map {} into a table that exists",
                t.into,
                t.source.def().qualified
            ),
        );
        return;
    };
    let find = |name: &str| columns.iter().find(|c| c.name == name);
    let mut filled: Vec<(&str, Option<SourceSpan>, Fill)> = Vec::new();
    let def = t.source.def();
    if def.column("id").is_some() {
        filled.push((&t.id, None, Fill::Id));
    }
    if t.source == Table::Companies {
        filled.push((&mapping.tenant.demo_flag, None, Fill::DemoFlag));
        filled.push((&mapping.tenant.key, None, Fill::Key));
    } else {
        filled.push((&mapping.tenant.column, None, Fill::Tenant));
    }
    let listed: Vec<(String, Value)> = match &t.columns {
        Some(columns) => columns.clone(),
        None => def
            .dump_columns()
            .map(|c| {
                (
                    c.name.to_owned(),
                    Value::Column {
                        name: c.name,
                        money: None,
                    },
                )
            })
            .collect(),
    };
    for (i, (name, value)) in listed.iter().enumerate() {
        let span = t.column_spans.get(i).copied();
        filled.push((name, span, Fill::Value(value)));
    }
    for (name, span, fill) in &filled {
        let at = span.unwrap_or(t.into_span);
        let Some(column) = find(name) else {
            let what = match fill {
                Fill::Tenant => "its tenant column",
                Fill::Id => "its id column",
                Fill::DemoFlag => "the demo flag column",
                Fill::Key => "the tenant key column",
                Fill::Value(_) => "a column",
            };
            problems.report(
                Kind::DanglingReference,
                at,
                format!("`{}` has no column `{name}` ({what})", t.into),
                "no such column",
                format!(
                    "add `{name}` to `{}`, or change the mapping to a column it has",
                    t.into
                ),
            );
            continue;
        };
        if matches!(fill, Fill::Tenant) && !column.not_null {
            problems.report(
                Kind::InvalidValue,
                at,
                format!("`{}.{name}`, the tenant column, is nullable", t.into),
                "nullable tenant column",
                format!(
                    "make it NOT NULL (`ALTER TABLE {} ALTER COLUMN {name} SET NOT NULL`): a row without a tenant could never be reset",
                    t.into
                ),
            );
        }
        if let Some(problem) = fits(mapping, t.source, fill, column) {
            problems.report(
                Kind::WrongType,
                at,
                format!("`{}.{name}` is {}, {problem}", t.into, column.ty),
                format!("does not fit {}", column.ty),
                "change the value, or the column's type in the target's DDL (see the type rules in docs/mapping.md)",
            );
        }
    }
    // A NOT NULL column that nothing fills: the first insert would fail.
    for column in columns.iter().filter(|c| c.not_null && !c.has_default) {
        if !filled.iter().any(|(name, _, _)| *name == column.name) {
            problems.report(
                Kind::MissingField,
                t.into_span,
                format!(
                    "`{}.{}` is NOT NULL and has no default, but the mapping of {} does not fill it",
                    t.into,
                    column.name,
                    def.qualified
                ),
                "column left empty",
                format!("add `{}:` under this table's `columns`", column.name),
            );
        }
    }
}

enum Fill<'a> {
    Id,
    Tenant,
    DemoFlag,
    Key,
    Value(&'a Value),
}

/// Why a column cannot take what the mapping writes, if it cannot.
fn fits(mapping: &Mapping, source: Table, fill: &Fill<'_>, column: &DbColumn) -> Option<String> {
    let fam = family(&column.ty);
    let id_family = match mapping.ids {
        Ids::Integer => &[Family::Int][..],
        Ids::Uuid => &[Family::Uuid, Family::Text][..],
    };
    let need = |allowed: &[Family], what: &str| {
        (!allowed.contains(&fam) && fam != Family::Other)
            .then(|| format!("but the mapping writes {what}"))
    };
    match fill {
        Fill::Id => {
            if mapping.ids == Ids::Integer && !column.has_sequence {
                return Some(match mapping.dialect {
                    super::Dialect::Postgres => "which no sequence owns: demoforge allocates integer ids with `nextval(pg_get_serial_sequence(…))`; make it `bigserial` or an identity column",
                    super::Dialect::Mysql => "which is not AUTO_INCREMENT: demoforge takes integer ids above the table's largest id and AUTO_INCREMENT counter; make it `bigint unsigned NOT NULL AUTO_INCREMENT`",
                }
                .to_owned());
            }
            need(id_family, "ids")
        }
        Fill::Tenant => need(id_family, "the tenant's id"),
        Fill::DemoFlag => need(&[Family::Bool], "true for a demo tenant"),
        Fill::Key => need(&[Family::Text, Family::Uuid], "the company's uuid"),
        Fill::Value(value) => fits_value(mapping, source, value, fam, column),
    }
}

fn fits_value(
    mapping: &Mapping,
    source: Table,
    value: &Value,
    fam: Family,
    column: &DbColumn,
) -> Option<String> {
    let need = |allowed: &[Family], what: &str| {
        (!allowed.contains(&fam) && fam != Family::Other)
            .then(|| format!("but the mapping writes {what}"))
    };
    let money = |m: MoneyAs| match m {
        MoneyAs::Cents => need(&[Family::Int, Family::Numeric], "money in cents"),
        MoneyAs::Decimal => need(&[Family::Numeric], "money as a decimal"),
    };
    match value {
        Value::Column { name, money: over } => {
            let ty = source.def().column(name)?.ty;
            match ty {
                Type::Uuid => match mapping.ids {
                    Ids::Integer => need(&[Family::Int], "an integer id"),
                    Ids::Uuid => need(&[Family::Uuid, Family::Text], "a uuid"),
                },
                Type::Money => money(over.unwrap_or(mapping.money)),
                Type::Date => need(&[Family::Date, Family::Timestamp, Family::Text], "a date"),
                Type::Text | Type::Char(_) => need(&[Family::Text], "text"),
                Type::SmallInt | Type::Integer => {
                    need(&[Family::Int, Family::Numeric], "a whole number")
                }
                Type::Boolean => need(&[Family::Bool], "a boolean"),
                Type::Numeric(_, _) => need(&[Family::Numeric], "a decimal number"),
                Type::TextArray => need(&[Family::Array], "a text array"),
                Type::Timestamptz => need(&[Family::Timestamp], "a timestamp"),
            }
        }
        Value::Const(c) => fits_const(c, fam, column),
        Value::Timestamp { .. } => need(&[Family::Timestamp, Family::Date], "a timestamp"),
        Value::Map { values, .. } => values.iter().find_map(|(_, c)| fits_const(c, fam, column)),
        Value::Signed { .. } => money(mapping.money),
    }
}

fn fits_const(c: &Const, fam: Family, column: &DbColumn) -> Option<String> {
    let need = |allowed: &[Family], what: &str| {
        (!allowed.contains(&fam) && fam != Family::Other)
            .then(|| format!("but the mapping writes {what}"))
    };
    match c {
        Const::Null if column.not_null => Some("NOT NULL, but the mapping writes null".to_owned()),
        Const::Null => None,
        Const::Bool(_) => need(&[Family::Bool], "a boolean"),
        Const::Int(_) => need(&[Family::Int, Family::Numeric], "a whole number"),
        // A quoted constant is an untyped literal: PostgreSQL casts it to
        // any of these.
        Const::Text(_) => need(
            &[
                Family::Text,
                Family::Json,
                Family::Date,
                Family::Timestamp,
                Family::Uuid,
            ],
            "text",
        ),
    }
}

/// The credential columns must exist: the password column, and Sanctum's.
fn check_credentials(mapping: &Mapping, tables: &Tables, problems: &mut Problems) {
    let Some(credentials) = &mapping.credentials else {
        return;
    };
    let mut wanted: Vec<(&Name, Vec<&str>)> =
        vec![(&credentials.users, vec![credentials.password.as_str()])];
    if let Some(tokens) = &credentials.tokens {
        wanted.push((
            &tokens.table,
            vec![
                "tokenable_type",
                "tokenable_id",
                "name",
                "token",
                "abilities",
                "created_at",
                "updated_at",
            ],
        ));
    }
    for (table, columns) in wanted {
        let Some(have) = tables.get(table) else {
            problems.report(
                Kind::DanglingReference,
                mapping.credentials_span,
                format!("the target database has no table `{table}` for credentials"),
                "no such table",
                format!("create `{table}`, or name the table that holds them"),
            );
            continue;
        };
        for column in columns {
            if !have.iter().any(|c| c.name == column) {
                problems.report(
                    Kind::DanglingReference,
                    mapping.credentials_span,
                    format!("`{table}` has no column `{column}`, which credentials need"),
                    "missing credential column",
                    format!("add `{column}` to `{table}` (Laravel's users and Sanctum's personal_access_tokens have it)"),
                );
            }
        }
    }
}

/// Every table the mapping needs from the database, for the query.
pub fn wanted_tables(mapping: &Mapping) -> Vec<Name> {
    let mut names: Vec<Name> = mapping.target_tables().into_iter().cloned().collect();
    if let Some(credentials) = &mapping.credentials {
        names.push(credentials.users.clone());
        if let Some(tokens) = &credentials.tokens {
            names.push(tokens.table.clone());
        }
    }
    names.sort();
    names.dedup();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(name: &str, ty: &str, not_null: bool) -> DbColumn {
        DbColumn {
            name: name.to_owned(),
            ty: ty.to_owned(),
            not_null,
            has_default: name == "id",
            has_sequence: name == "id",
        }
    }

    const MAPPING: &str = "dialect: postgres\nids: integer\nmoney: cents\ntenant:\n  table: teams\n  column: team_id\n  demo_flag: is_demo\n  key: demo_key\ntables:\n  core.companies:\n    into: teams\n    columns:\n      name: name\n  sales.customers:\n    into: contacts\n    columns:\n      name: name\n      terms: payment_terms_days\n";

    fn tables() -> Tables {
        let mut t = Tables::new();
        t.insert(
            Name::parse("teams"),
            vec![
                column("id", "bigint", true),
                column("name", "character varying(255)", true),
                column("is_demo", "boolean", true),
                column("demo_key", "character varying(64)", false),
            ],
        );
        t.insert(
            Name::parse("contacts"),
            vec![
                column("id", "bigint", true),
                column("team_id", "bigint", true),
                column("name", "text", true),
                column("terms", "integer", true),
            ],
        );
        t
    }

    fn messages(mapping: &Mapping, tables: &Tables) -> Vec<(String, String)> {
        let text = &mapping.source.1;
        check(mapping, tables)
            .0
            .iter()
            .map(|p| {
                let at = &text[p.span.offset()..p.span.offset() + p.span.len()];
                (p.message.clone(), at.to_owned())
            })
            .collect()
    }

    #[test]
    fn a_mapping_that_fits_its_tables_has_no_problem() {
        let mapping = crate::target::parse("t.yaml", MAPPING).expect("parses");
        assert_eq!(
            messages(&mapping, &tables()),
            Vec::<(String, String)>::new()
        );
    }

    #[test]
    fn missing_tables_columns_types_and_sequences_are_reported_at_their_line() {
        let mapping = crate::target::parse("t.yaml", MAPPING).expect("parses");
        let mut t = tables();
        // `terms` becomes text, `team_id` disappears, `extra` is NOT NULL
        // without a default, and the ids lose their sequence.
        let contacts = t.get_mut(&Name::parse("contacts")).expect("contacts");
        contacts.retain(|c| c.name != "team_id");
        contacts.iter_mut().for_each(|c| {
            if c.name == "terms" {
                c.ty = "text".to_owned();
            }
            if c.name == "id" {
                c.has_sequence = false;
            }
        });
        contacts.push(column("extra", "text", true));
        let found = messages(&mapping, &t);
        let expected = [
            (
                "`contacts.id` is bigint, which no sequence owns",
                "contacts",
            ),
            (
                "`contacts` has no column `team_id` (its tenant column)",
                "contacts",
            ),
            (
                "`contacts.terms` is text, but the mapping writes a whole number",
                "terms",
            ),
            (
                "`contacts.extra` is NOT NULL and has no default",
                "contacts",
            ),
        ];
        assert_eq!(found.len(), expected.len(), "{found:#?}");
        for ((message, at), (want, want_at)) in found.iter().zip(expected) {
            assert!(
                message.starts_with(want),
                "{message:?} should start with {want:?}"
            );
            assert_eq!(at, want_at);
        }
        t.remove(&Name::parse("teams"));
        let found = messages(&mapping, &t);
        assert_eq!(found[0].0, "the target database has no table `teams`");
        assert_eq!(found[0].1, "teams");
    }

    #[test]
    fn families_group_postgres_type_names() {
        assert_eq!(family("bigint"), Family::Int);
        assert_eq!(family("numeric(18,2)"), Family::Numeric);
        assert_eq!(family("character varying(255)"), Family::Text);
        assert_eq!(family("timestamp(0) with time zone"), Family::Timestamp);
        assert_eq!(family("text[]"), Family::Array);
        assert_eq!(family("document_status"), Family::Other);
    }

    #[test]
    fn families_group_mysql_column_types() {
        // Regression: MySQL's types were not recognised, so a mapping that
        // wrote text into an int column passed the check.
        assert_eq!(family("bigint(20) unsigned"), Family::Int);
        assert_eq!(family("bigint unsigned"), Family::Int);
        assert_eq!(family("int(11)"), Family::Int);
        assert_eq!(family("tinyint(1)"), Family::Bool);
        assert_eq!(family("tinyint(4)"), Family::Int);
        assert_eq!(family("decimal(18,2)"), Family::Numeric);
        assert_eq!(family("varchar(255)"), Family::Text);
        assert_eq!(family("char(2)"), Family::Text);
        assert_eq!(family("longtext"), Family::Text);
        assert_eq!(family("datetime"), Family::Timestamp);
        assert_eq!(family("timestamp"), Family::Timestamp);
        assert_eq!(family("json"), Family::Json);
        assert_eq!(family("enum('a','b')"), Family::Other);
    }
}
