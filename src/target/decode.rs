//! Reading a `target.yaml` into a [`Mapping`], checking it against the catalog.
//!
//! Input: the mapping's text. Output: the mapping, and one problem per thing
//! that is wrong, at its key or value, with a fix. Reading never stops at the
//! first problem. Every identifier and constant is checked to be storable
//! (no NUL, bounded length), as for a spec.

use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode, Node};
use miette::SourceSpan;

use super::{
    Const, Credentials, DateSource, Dialect, Ids, Mapping, MoneyAs, Name, TableMap, Tenant, Tokens,
    Value,
};
use crate::catalog::{self, Fill, Table, TableDef, Type};
use crate::spec::text::{did_you_mean, quoted_list};
use crate::spec::{Decoder, Entry, Kind, Map, Problems, SourceMap, Spanned};

/// PostgreSQL truncates identifiers longer than this many bytes.
const MAX_IDENT_BYTES: usize = 63;

const TOP_KEYS: [&str; 7] = [
    "dialect",
    "ids",
    "money",
    "time_zone",
    "tenant",
    "credentials",
    "tables",
];

pub(super) fn mapping(text: &str, problems: &mut Problems) -> Option<Mapping> {
    let source = SourceMap::new(text);
    let options = marked_yaml::LoaderOptions::default()
        .error_on_duplicate_keys(true)
        .prevent_coercion(true);
    let node = match marked_yaml::parse_yaml_with_options(0, text, options) {
        Ok(node) => node,
        Err(error) => {
            problems.push(crate::spec::load_error(&source, &error));
            return None;
        }
    };
    let mut d = Decoder::new(&source, problems);
    let top = d.map(&node, super::top(), "the mapping", &TOP_KEYS)?;
    let dialect = choice(
        &mut d,
        &top,
        "dialect",
        &[("postgres", Dialect::Postgres), ("mysql", Dialect::Mysql)],
    );
    let ids = choice(
        &mut d,
        &top,
        "ids",
        &[("uuid", Ids::Uuid), ("integer", Ids::Integer)],
    );
    let money = match d.field(&top, "money") {
        Some(_) => choice(
            &mut d,
            &top,
            "money",
            &[("decimal", MoneyAs::Decimal), ("cents", MoneyAs::Cents)],
        ),
        None => Some(MoneyAs::Decimal),
    };
    let time_zone = match d.field(&top, "time_zone") {
        Some(entry) => time_zone(&mut d, entry),
        None => Some("UTC".to_owned()),
    };
    let tenant = d
        .required(
            &top,
            "tenant",
            "{table: teams, column: team_id, demo_flag: is_demo, key: demo_key}",
        )
        .and_then(|e| tenant(&mut d, e));
    let credentials = d
        .field(&top, "credentials")
        .and_then(|e| credentials(&mut d, e));
    let tables = d
        .required(
            &top,
            "tables",
            "{core.companies: {into: teams, columns: {name: name}}}",
        )
        .and_then(|e| tables(&mut d, e))?;
    // A bad top-level value is already reported: go on with a default so
    // that the checks over the tables still run and report everything.
    let tenant = tenant?;
    let mapping = Mapping {
        dialect: dialect.unwrap_or(Dialect::Postgres),
        ids: ids.unwrap_or(Ids::Uuid),
        money: money.unwrap_or(MoneyAs::Decimal),
        time_zone: time_zone.unwrap_or_else(|| "UTC".to_owned()),
        tenant: tenant.value,
        credentials: credentials.as_ref().map(|c| c.value.clone()),
        tables: tables.iter().map(|t| t.map.clone()).collect(),
        source: Default::default(),
        tenant_span: tenant.span,
        credentials_span: credentials.as_ref().map_or(super::top(), |c| c.span),
    };
    check_tables(&mut d, &mapping, &tables, tenant.span);
    if let Some(credentials) = &credentials {
        check_credentials(&mut d, &mapping, credentials);
    }
    Some(mapping)
}

/// A mapped table with the spans its checks point at.
struct ReadTable {
    map: TableMap,
    /// The source table's key in `tables:`.
    key: SourceSpan,
    into: SourceSpan,
    /// The span of each column's key, in `map.columns` order.
    column_keys: Vec<SourceSpan>,
}

fn choice<T: Copy>(
    d: &mut Decoder<'_, '_>,
    map: &Map<'_>,
    key: &str,
    options: &[(&str, T)],
) -> Option<T> {
    let example = options.first().map_or("", |o| o.0);
    let entry = d.required(map, key, example)?;
    let text = d.scalar(entry, "a word")?;
    if let Some((_, value)) = options.iter().find(|(name, _)| *name == text.value) {
        return Some(*value);
    }
    let names: Vec<&str> = options.iter().map(|o| o.0).collect();
    let label = match did_you_mean(text.value, &names) {
        Some(close) => format!("did you mean `{close}`?"),
        None => "not one of the choices".to_owned(),
    };
    d.report(
        Kind::InvalidValue,
        text.span,
        format!("`{}` is not a valid `{key}`", text.value),
        label,
        format!("use one of {}", quoted_list(&names)),
    );
    None
}

fn time_zone(d: &mut Decoder<'_, '_>, entry: Entry<'_>) -> Option<String> {
    let text = d.scalar(entry, "a time zone")?;
    let shape_ok = !text.value.is_empty()
        && text.value.len() <= 64
        && text
            .value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/_+-".contains(c));
    if shape_ok {
        return Some(text.value.to_owned());
    }
    d.report(
        Kind::InvalidValue,
        text.span,
        format!("`{}` is not a time zone name", text.value),
        "not an IANA zone name",
        "use a zone name such as `UTC` or `Europe/London`",
    );
    None
}

/// A table or column name: non-empty, at most 63 bytes.
fn ident(d: &mut Decoder<'_, '_>, entry: Entry<'_>) -> Option<Spanned<String>> {
    let text = d.string(entry)?;
    if !no_control_characters(d, &text) {
        return None;
    }
    if text.value.is_empty() || text.value.len() > MAX_IDENT_BYTES {
        d.report(
            Kind::InvalidValue,
            text.span,
            format!("`{}` is not a usable SQL name", text.value),
            "empty or longer than 63 bytes",
            "use a name of 1 to 63 bytes, as PostgreSQL and MySQL allow",
        );
        return None;
    }
    Some(text)
}

fn required_ident(
    d: &mut Decoder<'_, '_>,
    map: &Map<'_>,
    key: &str,
    example: &str,
) -> Option<Spanned<String>> {
    let entry = d.required(map, key, example)?;
    ident(d, entry)
}

/// A table name, `name` or `schema.name`, each part a usable name.
fn table_name(d: &mut Decoder<'_, '_>, entry: Entry<'_>) -> Option<Spanned<Name>> {
    let text = ident(d, entry)?;
    let name = Name::parse(&text.value);
    let parts_ok = name.name.len() <= MAX_IDENT_BYTES
        && !name.name.is_empty()
        && name.schema.as_deref().is_none_or(|s| !s.is_empty());
    if !parts_ok {
        d.report(
            Kind::InvalidValue,
            text.span,
            format!("`{}` is not a table name", text.value),
            "expected `table` or `schema.table`",
            "write the table as `documents` or `public.documents`",
        );
        return None;
    }
    Some(Spanned::new(name, text.span))
}

fn tenant(d: &mut Decoder<'_, '_>, entry: Entry<'_>) -> Option<Spanned<Tenant>> {
    let map = d.map(
        entry.node,
        entry.key,
        "tenant",
        &["table", "column", "demo_flag", "key"],
    )?;
    let table = d
        .required(&map, "table", "teams")
        .and_then(|e| table_name(d, e));
    let column = required_ident(d, &map, "column", "team_id");
    let demo_flag = required_ident(d, &map, "demo_flag", "is_demo");
    let key = required_ident(d, &map, "key", "demo_key");
    Some(Spanned::new(
        Tenant {
            table: table?.value,
            column: column?.value,
            demo_flag: demo_flag?.value,
            key: key?.value,
        },
        entry.key,
    ))
}

fn credentials(d: &mut Decoder<'_, '_>, entry: Entry<'_>) -> Option<Spanned<Credentials>> {
    let map = d.map(
        entry.node,
        entry.key,
        "credentials",
        &["users", "password", "tokens"],
    )?;
    let users = d
        .required(&map, "users", "users")
        .and_then(|e| table_name(d, e));
    let password = required_ident(d, &map, "password", "password");
    let tokens = match d.field(&map, "tokens") {
        Some(e) => Some(tokens(d, e)?),
        None => None,
    };
    Some(Spanned::new(
        Credentials {
            users: users?.value,
            password: password?.value,
            tokens,
        },
        entry.key,
    ))
}

fn tokens(d: &mut Decoder<'_, '_>, entry: Entry<'_>) -> Option<Tokens> {
    let map = d.map(
        entry.node,
        entry.key,
        "credentials.tokens",
        &["table", "owner_type"],
    )?;
    let table = d
        .required(&map, "table", "personal_access_tokens")
        .and_then(|e| table_name(d, e));
    let owner_type = d
        .required(&map, "owner_type", "App\\Models\\User")
        .and_then(|e| d.string(e));
    Some(Tokens {
        table: table?.value,
        owner_type: owner_type?.value,
    })
}

fn tables(d: &mut Decoder<'_, '_>, entry: Entry<'_>) -> Option<Vec<ReadTable>> {
    let Some(mapping) = entry.node.as_mapping() else {
        d.wrong_type(entry.node, "a mapping of demoforge tables", "tables");
        return None;
    };
    let known: Vec<&str> = catalog::TABLES.iter().map(|t| t.qualified).collect();
    let mut read = Vec::new();
    for (key, node) in mapping.iter() {
        let key_span = d.source.scalar(key);
        let Some(source) = source_table(d, key, key_span, &known) else {
            continue;
        };
        match node {
            Node::Sequence(items) => {
                for item in items.iter() {
                    read.extend(table_map(d, source, item, key_span));
                }
            }
            node => read.extend(table_map(d, source, node, key_span)),
        }
    }
    read.sort_by_key(|t| t.map.source);
    Some(read)
}

fn source_table(
    d: &mut Decoder<'_, '_>,
    key: &MarkedScalarNode,
    span: SourceSpan,
    known: &[&str],
) -> Option<Table> {
    let name = key.as_str();
    if let Some(table) = Table::by_name(name) {
        return Some(table);
    }
    let label = match did_you_mean(name, known) {
        Some(close) => format!("did you mean `{close}`?"),
        None => "not a demoforge table".to_owned(),
    };
    d.report(
        Kind::DanglingReference,
        span,
        format!("`{name}` is not a table demoforge fills"),
        label,
        format!("map one of demoforge's tables: {}", quoted_list(known)),
    );
    None
}

fn table_map(
    d: &mut Decoder<'_, '_>,
    source: Table,
    node: &Node,
    key: SourceSpan,
) -> Option<ReadTable> {
    let path = source.def().qualified;
    let map = d.map(node, key, path, &["into", "id", "columns"])?;
    let into_entry = d.required(&map, "into", "documents")?;
    let into = table_name(d, into_entry)?;
    let id = match d.field(&map, "id") {
        Some(e) => ident(d, e)?.value,
        None => "id".to_owned(),
    };
    let (columns, column_keys) = match d.field(&map, "columns") {
        Some(e) => {
            let (columns, keys) = columns(d, source.def(), e)?;
            (Some(columns), keys)
        }
        None => (None, Vec::new()),
    };
    Some(ReadTable {
        map: TableMap {
            source,
            into: into.value,
            id,
            columns,
            into_span: into.span,
            column_spans: column_keys.clone(),
        },
        key,
        into: into.span,
        column_keys,
    })
}

type Columns = (Vec<(String, Value)>, Vec<SourceSpan>);

fn columns(d: &mut Decoder<'_, '_>, def: &TableDef, entry: Entry<'_>) -> Option<Columns> {
    let Some(mapping) = entry.node.as_mapping() else {
        d.wrong_type(entry.node, "a mapping of target columns", "columns");
        return None;
    };
    let mut columns = Vec::new();
    let mut keys = Vec::new();
    let mut ok = true;
    for (key, node) in mapping.iter() {
        let key_span = d.source.scalar(key);
        let name_entry = Entry {
            key: key_span,
            name: key.as_str(),
            node: &Node::Scalar(key.clone()),
        };
        let name = ident(d, name_entry);
        let value = value(d, def, key.as_str(), key_span, node);
        match (name, value) {
            (Some(name), Some(value)) => {
                columns.push((name.value, value));
                keys.push(key_span);
            }
            _ => ok = false,
        }
    }
    // The valid columns, even when some were not: the table stays mapped
    // for the checks that need the whole mapping, which would otherwise
    // report it missing. The problems found make the mapping fail anyway.
    let _ = ok;
    Some((columns, keys))
}

const VALUE_KEYS: [&str; 7] = [
    "column",
    "money",
    "value",
    "timestamp",
    "time",
    "map",
    "values",
];
const VALUE_KINDS: [&str; 5] = ["column", "value", "timestamp", "map", "signed"];

/// One target column's value.
fn value(
    d: &mut Decoder<'_, '_>,
    def: &TableDef,
    target: &str,
    key: SourceSpan,
    node: &Node,
) -> Option<Value> {
    if let Node::Scalar(scalar) = node {
        let span = d.source.scalar(scalar);
        let name = source_column(d, def, scalar.as_str(), span)?;
        return Some(Value::Column { name, money: None });
    }
    let Some(mapping) = node.as_mapping() else {
        d.wrong_type(
            node,
            "a source column or a mapping such as {value: 1}",
            target,
        );
        return None;
    };
    let mut all_keys = VALUE_KEYS.to_vec();
    all_keys.push("signed");
    let map = d.map(node, key, target, &all_keys)?;
    let kinds: Vec<&str> = VALUE_KINDS
        .iter()
        .copied()
        .filter(|k| d.field(&map, k).is_some())
        .collect();
    let [kind] = kinds.as_slice() else {
        d.report(
            Kind::InvalidValue,
            key,
            format!("column `{target}` must say how it is filled, with exactly one of {}", quoted_list(&VALUE_KINDS)),
            if kinds.is_empty() { "nothing says how" } else { "more than one way" },
            "write e.g. `{column: total}`, `{value: invoice}`, `{timestamp: issue_date}`, `{map: status, values: {paid: 2}}` or `{signed: [debit, credit]}`",
        );
        return None;
    };
    let entry = d.field(&map, kind)?;
    let allowed_extra: &[&str] = match *kind {
        "column" => &["money"],
        "timestamp" => &["time"],
        "map" => &["values"],
        _ => &[],
    };
    for extra in ["money", "time", "values"] {
        if !allowed_extra.contains(&extra)
            && let Some(e) = d.field(&map, extra)
        {
            d.report(
                Kind::UnknownField,
                e.key,
                format!("`{extra}` does not go with `{kind}`"),
                "not used here",
                format!("remove `{extra}`, or use the form it belongs to (see docs/mapping.md)"),
            );
        }
    }
    let _ = mapping;
    match *kind {
        "column" => {
            let text = d.scalar(entry, "a source column")?;
            let name = source_column(d, def, text.value, text.span)?;
            let money = match d.field(&map, "money") {
                Some(_) => {
                    let money = choice(
                        d,
                        &map,
                        "money",
                        &[("decimal", MoneyAs::Decimal), ("cents", MoneyAs::Cents)],
                    )?;
                    expect_type(d, def, name, text.span, &[Type::Money], "money")?;
                    Some(money)
                }
                None => None,
            };
            Some(Value::Column { name, money })
        }
        "value" => constant(d, entry.node).map(Value::Const),
        "timestamp" => {
            let text = d.scalar(entry, "a date column or `as_of`")?;
            let date = if text.value == "as_of" {
                DateSource::AsOf
            } else {
                let name = source_column(d, def, text.value, text.span)?;
                expect_type(d, def, name, text.span, &[Type::Date], "a date")?;
                DateSource::Column(name)
            };
            let (hour, minute) = match d.field(&map, "time") {
                Some(e) => time_of_day(d, e)?,
                None => (0, 0),
            };
            Some(Value::Timestamp { date, hour, minute })
        }
        "map" => {
            let text = d.scalar(entry, "a source column")?;
            let column = source_column(d, def, text.value, text.span)?;
            let values_entry = d.required(&map, "values", "{draft: 0, paid: 1}")?;
            let values = value_map(d, values_entry)?;
            Some(Value::Map { column, values })
        }
        _ => {
            let Some(list) = entry.node.as_sequence().filter(|l| l.len() == 2) else {
                d.wrong_type(
                    entry.node,
                    "a list of two money columns, [debit, credit]",
                    "signed",
                );
                return None;
            };
            let mut names = Vec::new();
            for item in list.iter() {
                let Node::Scalar(s) = item else {
                    d.wrong_type(item, "a money column", "signed");
                    return None;
                };
                let span = d.source.scalar(s);
                let name = source_column(d, def, s.as_str(), span)?;
                expect_type(d, def, name, span, &[Type::Money], "money")?;
                names.push(name);
            }
            Some(Value::Signed {
                debit: names[0],
                credit: names[1],
            })
        }
    }
}

fn source_column(
    d: &mut Decoder<'_, '_>,
    def: &TableDef,
    name: &str,
    span: SourceSpan,
) -> Option<&'static str> {
    if let Some(column) = def.column(name).filter(|c| c.fill == Fill::Dump) {
        return Some(column.name);
    }
    let known: Vec<&str> = def
        .dump_columns()
        .filter(|c| c.fill == Fill::Dump)
        .map(|c| c.name)
        .collect();
    let label = match did_you_mean(name, &known) {
        Some(close) => format!("did you mean `{close}`?"),
        None => format!("not a column of {}", def.qualified),
    };
    d.report(
        Kind::DanglingReference,
        span,
        format!(
            "`{name}` is not a column of {} that demoforge fills",
            def.qualified
        ),
        label,
        format!("use one of {}", quoted_list(&known)),
    );
    None
}

fn expect_type(
    d: &mut Decoder<'_, '_>,
    def: &TableDef,
    name: &str,
    span: SourceSpan,
    types: &[Type],
    what: &str,
) -> Option<()> {
    let ty = def.column(name)?.ty;
    if types.contains(&ty) {
        return Some(());
    }
    d.report(
        Kind::WrongType,
        span,
        format!("`{name}` of {} is {}, not {what}", def.qualified, ty.sql()),
        format!("not {what}"),
        format!("pick a column of {} that holds {what}", def.qualified),
    );
    None
}

fn time_of_day(d: &mut Decoder<'_, '_>, entry: Entry<'_>) -> Option<(u32, u32)> {
    let text = d.scalar(entry, "a time of day")?;
    let parsed = text.value.split_once(':').and_then(|(h, m)| {
        let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
        (h < 24 && m < 60 && text.value.len() == 5).then_some((h, m))
    });
    if parsed.is_none() {
        d.report(
            Kind::InvalidValue,
            text.span,
            format!("`{}` is not a time of day", text.value),
            "expected HH:MM",
            "write the time as HH:MM, e.g. `09:30`",
        );
    }
    parsed
}

/// A constant: `null`, `true`/`false`, a whole number, or a string (a quoted
/// scalar is always a string).
fn constant(d: &mut Decoder<'_, '_>, node: &Node) -> Option<Const> {
    let Node::Scalar(scalar) = node else {
        d.wrong_type(
            node,
            "a string, a whole number, true, false or null",
            "value",
        );
        return None;
    };
    let text = scalar.as_str();
    if scalar.may_coerce() {
        if matches!(text, "" | "~" | "null" | "Null" | "NULL") {
            return Some(Const::Null);
        }
        match text {
            "true" | "True" | "TRUE" => return Some(Const::Bool(true)),
            "false" | "False" | "FALSE" => return Some(Const::Bool(false)),
            _ => {}
        }
        if let Ok(n) = text.parse::<i64>() {
            return Some(Const::Int(n));
        }
    }
    let entry = Entry {
        key: d.source.scalar(scalar),
        name: "value",
        node,
    };
    let text = d.string(entry)?;
    no_control_characters(d, &text).then_some(Const::Text(text.value))
}

/// A mapping's names and constants are one line each: a statement of a
/// mapped dump is one line, which is how `load` reads and checks it.
fn no_control_characters(d: &mut Decoder<'_, '_>, text: &Spanned<String>) -> bool {
    if !text.value.chars().any(char::is_control) {
        return true;
    }
    d.report(
        Kind::InvalidValue,
        text.span,
        format!(
            "`{}` holds a control character (a newline, a tab, …)",
            text.value.escape_debug()
        ),
        "control character",
        "write it on one line, without tabs or other control characters",
    );
    false
}

fn value_map(d: &mut Decoder<'_, '_>, entry: Entry<'_>) -> Option<Vec<(String, Const)>> {
    let Some(mapping): Option<&MarkedMappingNode> = entry.node.as_mapping() else {
        d.wrong_type(
            entry.node,
            "a mapping of source values to target values",
            "values",
        );
        return None;
    };
    let mut values = Vec::new();
    for (key, node) in mapping.iter() {
        let value = constant(d, node)?;
        values.push((key.as_str().to_owned(), value));
    }
    if values.is_empty() {
        d.report(
            Kind::MissingField,
            entry.key,
            "`values` maps nothing",
            "empty",
            "list each source value and what it becomes, e.g. `{draft: 0, paid: 1}`",
        );
        return None;
    }
    Some(values)
}

/// Checks that need the whole mapping: the tenant, ids, pointers.
fn check_tables(
    d: &mut Decoder<'_, '_>,
    mapping: &Mapping,
    tables: &[ReadTable],
    tenant_span: SourceSpan,
) {
    let companies: Vec<&ReadTable> = tables
        .iter()
        .filter(|t| t.map.source == Table::Companies)
        .collect();
    match companies.as_slice() {
        [] => d.report(
            Kind::MissingField,
            tenant_span,
            "the mapping does not map core.companies, the tenant",
            "no tenant table",
            format!(
                "add `core.companies: {{into: {}, columns: {{name: name}}}}` under `tables`",
                mapping.tenant.table
            ),
        ),
        [one] if one.map.into != mapping.tenant.table => d.report(
            Kind::InvalidValue,
            one.into,
            format!(
                "core.companies goes into `{}`, but tenant.table is `{}`",
                one.map.into, mapping.tenant.table
            ),
            "not the tenant table",
            format!(
                "map core.companies into `{}`, or change tenant.table",
                mapping.tenant.table
            ),
        ),
        [_] => {}
        [_, second, ..] => d.report(
            Kind::DuplicateName,
            second.key,
            "core.companies is mapped more than once",
            "second mapping",
            "map the tenant into exactly one table",
        ),
    }
    for t in tables {
        check_table(d, mapping, t);
    }
}

fn check_table(d: &mut Decoder<'_, '_>, mapping: &Mapping, t: &ReadTable) {
    let def = t.map.source.def();
    let Some(columns) = &t.map.columns else {
        let copied = mapping.ids == Ids::Uuid && mapping.tables.iter().all(TableMap::is_direct);
        if copied && t.map.into.to_string() != def.qualified {
            d.report(
                Kind::InvalidValue,
                t.into,
                format!(
                    "{} is copied as it is (no `columns`), so it goes into {}, not `{}`",
                    def.qualified, def.qualified, t.map.into
                ),
                "a copied table keeps its name",
                "list the target's columns under `columns` to map it into another table",
            );
        }
        if !copied {
            d.report(
                Kind::MissingField,
                t.key,
                format!(
                    "{} has no `columns`, but ids are integers or other tables list theirs",
                    def.qualified
                ),
                "columns missing",
                "list the target's columns under `columns`; copying every column as is works only with `ids: uuid` and when no table lists columns",
            );
        }
        return;
    };
    let is_tenant = t.map.source == Table::Companies;
    let has_id = def.column("id").is_some();
    for ((name, value), &span) in columns.iter().zip(&t.column_keys) {
        let filled_by_demoforge = if is_tenant {
            [
                mapping.tenant.demo_flag.as_str(),
                mapping.tenant.key.as_str(),
            ]
            .contains(&name.as_str())
        } else {
            *name == mapping.tenant.column
        } || (has_id && *name == t.map.id);
        if filled_by_demoforge {
            d.report(
                Kind::InvalidValue,
                span,
                format!("`{name}` of `{}` is filled by demoforge", t.map.into),
                "listed here",
                "remove it: demoforge writes the id, the tenant column, the demo flag and the tenant key itself",
            );
        }
        if let (Value::Column { name: source, .. }, Ids::Integer) = (value, mapping.ids) {
            check_pointer(d, mapping, def, source, span);
        }
    }
}

/// A uuid column copied under integer ids becomes the id of the row it points
/// to, so that row's table must be mapped.
fn check_pointer(
    d: &mut Decoder<'_, '_>,
    mapping: &Mapping,
    def: &TableDef,
    column: &str,
    span: SourceSpan,
) {
    if def.column(column).is_none_or(|c| c.ty != Type::Uuid) {
        return;
    }
    for parent in def.pointed_tables(column) {
        let Some(table) = Table::by_name(parent) else {
            continue;
        };
        if !mapping.maps(table) {
            d.report(
                Kind::DanglingReference,
                span,
                format!(
                    "`{column}` of {} points into {parent}, which the mapping leaves out",
                    def.qualified
                ),
                "points into an unmapped table",
                format!("map {parent} under `tables`, or leave this column out"),
            );
        }
    }
}

fn check_credentials(
    d: &mut Decoder<'_, '_>,
    mapping: &Mapping,
    credentials: &Spanned<Credentials>,
) {
    // The users' ids are the first mapping's: credentials must go there,
    // or a password could land on whoever holds that id in another table.
    let users_into: Vec<&Name> = mapping.of(Table::Users).map(|t| &t.into).take(1).collect();
    if !users_into.contains(&&credentials.value.users) {
        d.report(
            Kind::InvalidValue,
            credentials.span,
            format!(
                "credentials.users is `{}`, but core.users is not mapped into it",
                credentials.value.users
            ),
            "not where the users go",
            "map core.users into the table named by credentials.users (the first item when core.users goes into several tables)",
        );
    }
}
