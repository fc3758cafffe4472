//! The mapping reader and checker: the built-in targets parse, a small
//! integer-id mapping reads into the values it says, and each kind of
//! mistake is reported once, with its kind, message and a span on the text
//! that is wrong. The rendered reports are snapshotted by
//! `tests/mapping_corpus.rs`.

use super::*;
use crate::spec::Kind;

/// A small, valid mapping with integer ids, which each test below breaks in
/// one place.
const BASE: &str = r#"dialect: postgres
ids: integer
money: cents
time_zone: Europe/London
tenant:
  table: teams
  column: team_id
  demo_flag: is_demo
  key: demo_key
credentials:
  users: users
  password: password
tables:
  core.companies:
    into: teams
    columns:
      name: name
  core.users:
    into: users
    columns:
      name: name
      email: email
  sales.customers:
    into: contacts
    columns:
      type: {value: customer}
      name: name
  sales.invoices:
    into: documents
    columns:
      contact_id: customer_id
      number: number
      total: total
      created_at: {timestamp: issue_date, time: "09:30"}
      status: {map: status, values: {sent: 1, paid: 2}}
"#;

/// `text` with `from` replaced by `to`; `from` must occur exactly once, so a
/// change to `BASE` cannot silently turn a test into a no-op.
fn with(text: &str, from: &str, to: &str) -> String {
    assert_eq!(
        text.matches(from).count(),
        1,
        "`{from}` once in the mapping"
    );
    text.replacen(from, to, 1)
}

fn problems(text: &str) -> Vec<Problem> {
    match parse("target.yaml", text) {
        Ok(_) => panic!("the mapping should be refused:\n{text}"),
        Err(errors) => errors.problems,
    }
}

/// The only problem of a mapping with one mistake.
fn only_problem(text: &str) -> Problem {
    let mut found = problems(text);
    assert_eq!(
        found.len(),
        1,
        "exactly one problem, got {:#?}",
        found.iter().map(|p| &p.message).collect::<Vec<_>>()
    );
    found.remove(0)
}

/// The text a problem's span covers.
fn spanned<'t>(text: &'t str, problem: &Problem) -> &'t str {
    let start = problem.span.offset();
    &text[start..start + problem.span.len()]
}

/// Byte offset of `needle` in `text`, which must occur exactly once.
fn offset_of(text: &str, needle: &str) -> usize {
    assert_eq!(text.matches(needle).count(), 1, "`{needle}` once");
    text.find(needle).unwrap()
}

#[test]
fn the_reference_target_parses_and_is_direct() {
    let mapping = builtin("reference").expect("reference parses");
    assert!(mapping.is_direct());
    assert_eq!(mapping.ids, Ids::Uuid);
    assert_eq!(mapping.money, MoneyAs::Decimal);
    assert_eq!(mapping.time_zone, "UTC");
    assert_eq!(mapping.tenant.table, Name::parse("core.companies"));
    assert_eq!(mapping.tenant.column, "company_id");
    // Every catalog table, once, into the table of the same name, in the
    // catalog's order, every column copied as is.
    let sources: Vec<Table> = mapping.tables.iter().map(|t| t.source).collect();
    assert_eq!(sources, Table::ALL);
    for t in &mapping.tables {
        assert_eq!(t.into.to_string(), t.source.def().qualified);
        assert!(t.is_direct(), "{} is direct", t.source.def().qualified);
        assert_eq!(t.id, "id");
    }
    let credentials = mapping.credentials.expect("credentials");
    assert_eq!(credentials.users, Name::parse("core.users"));
    assert_eq!(credentials.password, "password_hash");
    assert!(credentials.tokens.is_none());
}

#[test]
fn the_laravel_target_parses_and_is_not_direct() {
    let mapping = builtin("laravel").expect("laravel parses");
    assert!(!mapping.is_direct());
    assert_eq!(mapping.ids, Ids::Integer);
    assert_eq!(mapping.money, MoneyAs::Cents);
    assert_eq!(mapping.tenant.table, Name::parse("teams"));
    assert_eq!(mapping.tenant.column, "team_id");
    assert_eq!(
        (
            mapping.tenant.demo_flag.as_str(),
            mapping.tenant.key.as_str()
        ),
        ("is_demo", "demo_key")
    );
    for table in Table::ALL {
        assert_eq!(mapping.of(table).count(), 1, "{table:?} mapped once");
    }
    assert!(mapping.tables.iter().all(|t| !t.is_direct()));
    // Several demoforge tables into one target table.
    let into = |t: Table| mapping.of(t).next().unwrap().into.to_string();
    assert_eq!(into(Table::Customers), "contacts");
    assert_eq!(into(Table::Vendors), "contacts");
    assert_eq!(into(Table::Invoices), "documents");
    assert_eq!(into(Table::Bills), "documents");
    let lines = mapping.of(Table::JournalLines).next().unwrap();
    let amount = lines
        .columns
        .iter()
        .flatten()
        .find(|(c, _)| c == "amount")
        .map(|(_, v)| v.clone());
    assert_eq!(
        amount,
        Some(Value::Signed {
            debit: "debit",
            credit: "credit"
        })
    );
    let credentials = mapping.credentials.expect("credentials");
    assert_eq!(credentials.users, Name::parse("users"));
    assert_eq!(credentials.password, "password");
    let tokens = credentials.tokens.expect("sanctum tokens");
    assert_eq!(tokens.table, Name::parse("personal_access_tokens"));
    assert_eq!(tokens.owner_type, "App\\Models\\User");
}

#[test]
fn an_unknown_builtin_is_none() {
    assert!(builtin("mysql").is_none());
    assert!(builtin("").is_none());
}

#[test]
fn a_minimal_integer_id_mapping_parses() {
    let mapping = parse("target.yaml", BASE).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(mapping.dialect, Dialect::Postgres);
    assert_eq!(mapping.ids, Ids::Integer);
    assert_eq!(mapping.money, MoneyAs::Cents);
    assert_eq!(mapping.time_zone, "Europe/London");
    assert!(!mapping.is_direct());
    let names: Vec<String> = mapping
        .target_tables()
        .iter()
        .map(|n| n.to_string())
        .collect();
    assert_eq!(names, ["teams", "users", "contacts", "documents"]);
    let invoices = mapping.of(Table::Invoices).next().unwrap();
    assert_eq!(invoices.id, "id");
    let columns = invoices.columns.clone().expect("columns");
    let expected = vec![
        (
            "contact_id".to_owned(),
            Value::Column {
                name: "customer_id",
                money: None,
            },
        ),
        (
            "number".to_owned(),
            Value::Column {
                name: "number",
                money: None,
            },
        ),
        (
            "total".to_owned(),
            Value::Column {
                name: "total",
                money: None,
            },
        ),
        (
            "created_at".to_owned(),
            Value::Timestamp {
                date: DateSource::Column("issue_date"),
                hour: 9,
                minute: 30,
            },
        ),
        (
            "status".to_owned(),
            Value::Map {
                column: "status",
                values: vec![
                    ("sent".to_owned(), Const::Int(1)),
                    ("paid".to_owned(), Const::Int(2)),
                ],
            },
        ),
    ];
    assert_eq!(columns, expected);
    let customers = mapping.of(Table::Customers).next().unwrap();
    assert_eq!(
        customers.columns.as_ref().unwrap()[0],
        (
            "type".to_owned(),
            Value::Const(Const::Text("customer".into()))
        )
    );
}

#[test]
fn defaults_are_decimal_money_and_utc() {
    let text = with(BASE, "money: cents\ntime_zone: Europe/London\n", "");
    let mapping = parse("target.yaml", &text).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(mapping.money, MoneyAs::Decimal);
    assert_eq!(mapping.time_zone, "UTC");
}

#[test]
fn every_value_form_reads() {
    let text = with(
        BASE,
        "      type: {value: customer}\n",
        "      type: {value: customer}\n      \
         active: {value: true}\n      \
         rank: {value: -3}\n      \
         note: {value: null}\n      \
         code: {value: \"12\"}\n      \
         seen_at: {timestamp: as_of}\n      \
         terms: {column: payment_terms_days}\n",
    );
    let text = with(
        &text,
        "      total: total\n",
        "      total: {column: total, money: decimal}\n      \
         open: {signed: [total, amount_due]}\n",
    );
    let mapping = parse("target.yaml", &text).unwrap_or_else(|e| panic!("{e:?}"));
    let columns = |t: Table| mapping.of(t).next().unwrap().columns.clone().unwrap();
    let value = |t: Table, name: &str| {
        columns(t)
            .into_iter()
            .find(|(c, _)| c == name)
            .map(|(_, v)| v)
            .unwrap_or_else(|| panic!("{name} mapped"))
    };
    assert_eq!(
        value(Table::Customers, "active"),
        Value::Const(Const::Bool(true))
    );
    assert_eq!(
        value(Table::Customers, "rank"),
        Value::Const(Const::Int(-3))
    );
    assert_eq!(value(Table::Customers, "note"), Value::Const(Const::Null));
    // A quoted number is a string.
    assert_eq!(
        value(Table::Customers, "code"),
        Value::Const(Const::Text("12".into()))
    );
    assert_eq!(
        value(Table::Customers, "seen_at"),
        Value::Timestamp {
            date: DateSource::AsOf,
            hour: 0,
            minute: 0
        }
    );
    assert_eq!(
        value(Table::Customers, "terms"),
        Value::Column {
            name: "payment_terms_days",
            money: None
        }
    );
    assert_eq!(
        value(Table::Invoices, "total"),
        Value::Column {
            name: "total",
            money: Some(MoneyAs::Decimal)
        }
    );
    assert_eq!(
        value(Table::Invoices, "open"),
        Value::Signed {
            debit: "total",
            credit: "amount_due"
        }
    );
}

#[test]
fn one_table_into_several_reads_as_a_list() {
    let text = with(
        BASE,
        "  core.users:\n    into: users\n    columns:\n      name: name\n      email: email\n",
        "  core.users:\n    - into: users\n      columns:\n        name: name\n        email: email\n    \
         - into: profiles\n      columns:\n        user_id: id\n        display_name: name\n",
    );
    let mapping = parse("target.yaml", &text).unwrap_or_else(|e| panic!("{e:?}"));
    let into: Vec<String> = mapping
        .of(Table::Users)
        .map(|t| t.into.to_string())
        .collect();
    assert_eq!(into, ["users", "profiles"]);
    let profiles = mapping.of(Table::Users).nth(1).unwrap();
    assert_eq!(
        profiles.columns.as_ref().unwrap()[0],
        (
            "user_id".to_owned(),
            Value::Column {
                name: "id",
                money: None
            }
        )
    );
}

#[test]
fn an_unknown_demoforge_table_gets_a_suggestion() {
    let text = with(BASE, "  sales.invoices:\n", "  sales.invoice:\n");
    let p = only_problem(&text);
    assert_eq!(p.kind, Kind::DanglingReference);
    assert_eq!(p.message, "`sales.invoice` is not a table demoforge fills");
    assert_eq!(p.label, "did you mean `sales.invoices`?");
    assert_eq!(spanned(&text, &p), "sales.invoice");
    assert!(
        p.help
            .as_deref()
            .unwrap()
            .contains("`inventory.stock_movements`")
    );
}

#[test]
fn an_unknown_source_column_gets_a_suggestion() {
    let text = with(BASE, "      total: total\n", "      total: totl\n");
    let p = only_problem(&text);
    assert_eq!(p.kind, Kind::DanglingReference);
    assert_eq!(
        p.message,
        "`totl` is not a column of sales.invoices that demoforge fills"
    );
    assert_eq!(p.label, "did you mean `total`?");
    assert_eq!(p.span.offset(), offset_of(&text, "totl"));
    assert_eq!(spanned(&text, &p), "totl");
}

#[test]
fn a_credential_column_is_not_a_source_column() {
    // password_hash is in the dump but always NULL: the loader fills the
    // target's password column (credentials.password) instead.
    let text = with(BASE, "      email: email\n", "      hash: password_hash\n");
    let found = problems(&text);
    let p = &found[0];
    assert_eq!(p.kind, Kind::DanglingReference);
    assert_eq!(
        p.message,
        "`password_hash` is not a column of core.users that demoforge fills"
    );
    assert_eq!(spanned(&text, p), "password_hash");
    // Not asserted: the table whose column is wrong is dropped from the
    // mapping, so checks that need it report follow-on problems (here
    // "credentials.users is `users`, but core.users is not mapped into it").
}

#[test]
fn a_money_override_on_a_non_money_column_is_refused() {
    let text = with(
        BASE,
        "      number: number\n",
        "      number: {column: number, money: decimal}\n",
    );
    let p = only_problem(&text);
    assert_eq!(p.kind, Kind::WrongType);
    assert_eq!(p.message, "`number` of sales.invoices is text, not money");
    assert_eq!(p.label, "not money");
    assert_eq!(
        p.span.offset(),
        offset_of(&text, "{column: number") + "{column: ".len()
    );
    assert_eq!(spanned(&text, &p), "number");
}

#[test]
fn a_timestamp_of_a_non_date_column_is_refused() {
    let text = with(
        BASE,
        "{timestamp: issue_date, time: \"09:30\"}",
        "{timestamp: total}",
    );
    let p = only_problem(&text);
    assert_eq!(p.kind, Kind::WrongType);
    assert_eq!(
        p.message,
        "`total` of sales.invoices is numeric(18,2), not a date"
    );
    assert_eq!(
        p.span.offset(),
        offset_of(&text, "{timestamp: total}") + "{timestamp: ".len()
    );
    assert_eq!(spanned(&text, &p), "total");
}

#[test]
fn a_listed_tenant_column_is_refused() {
    let text = with(
        BASE,
        "      contact_id: customer_id\n",
        "      contact_id: customer_id\n      team_id: company_id\n",
    );
    let p = only_problem(&text);
    assert_eq!(p.kind, Kind::InvalidValue);
    assert_eq!(p.message, "`team_id` of `documents` is filled by demoforge");
    assert_eq!(p.label, "listed here");
    assert_eq!(spanned(&text, &p), "team_id");
    assert_eq!(p.span.offset(), offset_of(&text, "team_id: company_id"));
}

#[test]
fn a_listed_demo_flag_or_key_of_the_tenant_is_refused() {
    for (line, column) in [
        ("      is_demo: is_demo\n", "is_demo"),
        ("      demo_key: {value: x}\n", "demo_key"),
    ] {
        let text = with(
            BASE,
            "      name: name\n  core.users:",
            &format!("      name: name\n{line}  core.users:"),
        );
        let p = only_problem(&text);
        assert_eq!(
            p.message,
            format!("`{column}` of `teams` is filled by demoforge")
        );
        assert_eq!(p.span.offset(), offset_of(&text, line.trim_start()));
        assert_eq!(spanned(&text, &p), column);
    }
}

#[test]
fn a_listed_id_column_is_refused() {
    let text = with(
        BASE,
        "      type: {value: customer}\n",
        "      id: id\n      type: {value: customer}\n",
    );
    let p = only_problem(&text);
    assert_eq!(p.kind, Kind::InvalidValue);
    assert_eq!(p.message, "`id` of `contacts` is filled by demoforge");
    assert_eq!(p.span.offset(), offset_of(&text, "id: id"));
    assert_eq!(spanned(&text, &p), "id");
}

#[test]
fn a_renamed_id_column_is_refused_too() {
    let text = with(
        BASE,
        "    into: contacts\n    columns:\n",
        "    into: contacts\n    id: contact_no\n    columns:\n      contact_no: number\n",
    );
    let p = only_problem(&text);
    assert_eq!(
        p.message,
        "`contact_no` of `contacts` is filled by demoforge"
    );
    assert_eq!(p.span.offset(), offset_of(&text, "contact_no: number"));
    assert_eq!(spanned(&text, &p), "contact_no");
}

#[test]
fn a_uuid_pointer_into_an_unmapped_table_is_refused_under_integer_ids() {
    let customers = "  sales.customers:\n    into: contacts\n    columns:\n      \
                     type: {value: customer}\n      name: name\n";
    let text = with(BASE, customers, "");
    let p = only_problem(&text);
    assert_eq!(p.kind, Kind::DanglingReference);
    assert_eq!(
        p.message,
        "`customer_id` of sales.invoices points into sales.customers, which the mapping leaves out"
    );
    assert_eq!(p.label, "points into an unmapped table");
    // At the target column that copies it.
    assert_eq!(p.span.offset(), offset_of(&text, "contact_id: customer_id"));
    assert_eq!(spanned(&text, &p), "contact_id");
    // With uuid ids the uuid is written as it is: nothing to resolve.
    let uuids = with(&text, "ids: integer", "ids: uuid");
    let mapping = parse("target.yaml", &uuids).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(mapping.ids, Ids::Uuid);
}

#[test]
fn a_polymorphic_source_id_needs_every_table_it_can_point_into() {
    let text = with(
        BASE,
        "  sales.invoices:\n",
        "  ledger.journal_entries:\n    into: journal_entries\n    columns:\n      \
         sourceable_id: source_id\n  sales.invoices:\n",
    );
    let found = problems(&text);
    let parents: Vec<&str> = found
        .iter()
        .map(|p| {
            assert_eq!(spanned(&text, p), "sourceable_id");
            p.message
                .split("points into ")
                .nth(1)
                .and_then(|m| m.split(',').next())
                .unwrap()
        })
        .collect();
    // sales.invoices is mapped; the other five parents are not.
    assert_eq!(
        parents,
        [
            "sales.customer_payments",
            "purchasing.bills",
            "purchasing.vendor_payments",
            "payroll.runs",
            "ledger.tax_returns"
        ]
    );
}

#[test]
fn a_mapping_without_core_companies_is_refused_at_tenant() {
    let text = with(
        BASE,
        "  core.companies:\n    into: teams\n    columns:\n      name: name\n",
        "",
    );
    let p = only_problem(&text);
    assert_eq!(p.kind, Kind::MissingField);
    assert_eq!(
        p.message,
        "the mapping does not map core.companies, the tenant"
    );
    assert_eq!(p.span.offset(), offset_of(&text, "tenant:"));
    assert_eq!(spanned(&text, &p), "tenant");
    assert_eq!(
        p.help.as_deref(),
        Some("add `core.companies: {into: teams, columns: {name: name}}` under `tables`")
    );
}

#[test]
fn core_companies_into_another_table_than_the_tenant_is_refused() {
    let text = with(BASE, "    into: teams\n", "    into: organisations\n");
    let p = only_problem(&text);
    assert_eq!(p.kind, Kind::InvalidValue);
    assert_eq!(
        p.message,
        "core.companies goes into `organisations`, but tenant.table is `teams`"
    );
    assert_eq!(spanned(&text, &p), "organisations");
}

#[test]
fn core_companies_mapped_twice_is_refused() {
    let text = with(
        BASE,
        "  core.companies:\n    into: teams\n    columns:\n      name: name\n",
        "  core.companies:\n    - into: teams\n      columns:\n        name: name\n    \
         - into: teams\n      columns:\n        name: name\n",
    );
    let p = only_problem(&text);
    assert_eq!(p.kind, Kind::DuplicateName);
    assert_eq!(p.message, "core.companies is mapped more than once");
    assert_eq!(spanned(&text, &p), "core.companies");
}

#[test]
fn columns_are_required_under_integer_ids() {
    let text = with(
        BASE,
        "    into: contacts\n    columns:\n      type: {value: customer}\n      name: name\n",
        "    into: contacts\n",
    );
    let p = only_problem(&text);
    assert_eq!(p.kind, Kind::MissingField);
    assert_eq!(
        p.message,
        "sales.customers has no `columns`, but ids are integers or other tables list theirs"
    );
    assert_eq!(p.span.offset(), offset_of(&text, "sales.customers:"));
    assert_eq!(spanned(&text, &p), "sales.customers");
    // Regression: under uuid ids, one table copied as is among tables that
    // list their columns used to build a dump that `load` refused. It is
    // refused here instead.
    let uuids = with(&text, "ids: integer", "ids: uuid");
    let p = only_problem(&uuids);
    assert_eq!(p.kind, Kind::MissingField);
    assert_eq!(spanned(&uuids, &p), "sales.customers");
    // A mapping where no table lists columns copies every table as it is.
    let reference = crate::target::builtin("reference").expect("reference parses");
    assert!(reference.of(Table::Customers).next().unwrap().is_direct());
}

#[test]
fn a_bad_ids_value_is_refused() {
    let text = with(BASE, "ids: integer", "ids: integers");
    let p = only_problem(&text);
    assert_eq!(p.kind, Kind::InvalidValue);
    assert_eq!(p.message, "`integers` is not a valid `ids`");
    assert_eq!(p.label, "did you mean `integer`?");
    assert_eq!(p.help.as_deref(), Some("use one of `uuid`, `integer`"));
    assert_eq!(spanned(&text, &p), "integers");

    let text = with(BASE, "ids: integer", "ids: serial");
    let p = only_problem(&text);
    assert_eq!(p.message, "`serial` is not a valid `ids`");
    assert_eq!(p.label, "not one of the choices");
    assert_eq!(spanned(&text, &p), "serial");
}

#[test]
fn a_missing_ids_is_reported_at_the_top() {
    let text = with(BASE, "ids: integer\n", "");
    let p = only_problem(&text);
    assert_eq!(p.kind, Kind::MissingField);
    assert_eq!(p.message, "missing required field `ids` in the mapping");
    assert_eq!(p.help.as_deref(), Some("add `ids: uuid`"));
}

#[test]
fn an_unknown_key_in_a_column_value_gets_a_suggestion() {
    let text = with(
        BASE,
        "      total: total\n",
        "      total: {column: total, mony: decimal}\n",
    );
    let p = only_problem(&text);
    assert_eq!(p.kind, Kind::UnknownField);
    assert_eq!(p.message, "unknown field `mony` in total");
    assert_eq!(p.label, "did you mean `money`?");
    assert_eq!(spanned(&text, &p), "mony");
}

#[test]
fn a_key_of_another_value_form_is_refused() {
    let text = with(
        BASE,
        "      number: number\n",
        "      number: {value: x, time: \"10:00\"}\n",
    );
    let p = only_problem(&text);
    assert_eq!(p.kind, Kind::UnknownField);
    assert_eq!(p.message, "`time` does not go with `value`");
    assert_eq!(spanned(&text, &p), "time");
}

#[test]
fn two_kinds_in_one_column_value_are_refused() {
    let text = with(
        BASE,
        "      total: total\n",
        "      total: {column: total, value: 0}\n",
    );
    let p = only_problem(&text);
    assert_eq!(p.kind, Kind::InvalidValue);
    assert_eq!(
        p.message,
        "column `total` must say how it is filled, with exactly one of `column`, `value`, `timestamp`, `map`, `signed`"
    );
    assert_eq!(p.label, "more than one way");
    // At the target column's key.
    assert_eq!(p.span.offset(), offset_of(&text, "total: {column"));
    assert_eq!(spanned(&text, &p), "total");

    let none = with(
        BASE,
        "      total: total\n",
        "      total: {money: cents}\n",
    );
    let p = only_problem(&none);
    assert_eq!(p.label, "nothing says how");
    assert_eq!(spanned(&none, &p), "total");
}

#[test]
fn a_bad_time_of_day_is_refused() {
    let text = with(BASE, "time: \"09:30\"", "time: \"25:00\"");
    let p = only_problem(&text);
    assert_eq!(p.kind, Kind::InvalidValue);
    assert_eq!(p.message, "`25:00` is not a time of day");
    assert_eq!(p.label, "expected HH:MM");
    assert_eq!(spanned(&text, &p), "\"25:00\"");
    for bad in ["9:30", "09:60", "0930", "09:30:00"] {
        let text = with(BASE, "time: \"09:30\"", &format!("time: \"{bad}\""));
        let p = only_problem(&text);
        assert_eq!(p.message, format!("`{bad}` is not a time of day"));
    }
}

#[test]
fn credentials_users_must_be_where_core_users_goes() {
    let text = with(BASE, "  users: users\n", "  users: members\n");
    let p = only_problem(&text);
    assert_eq!(p.kind, Kind::InvalidValue);
    assert_eq!(
        p.message,
        "credentials.users is `members`, but core.users is not mapped into it"
    );
    assert_eq!(p.span.offset(), offset_of(&text, "credentials:"));
    assert_eq!(spanned(&text, &p), "credentials");
}

#[test]
fn a_bad_time_zone_is_refused() {
    let text = with(BASE, "time_zone: Europe/London", "time_zone: Europe London");
    let p = only_problem(&text);
    assert_eq!(p.message, "`Europe London` is not a time zone name");
    assert_eq!(spanned(&text, &p), "Europe London");
}

#[test]
fn signed_needs_two_money_columns() {
    let text = with(
        BASE,
        "      total: total\n",
        "      total: {signed: [total, number]}\n",
    );
    let p = only_problem(&text);
    assert_eq!(p.kind, Kind::WrongType);
    assert_eq!(p.message, "`number` of sales.invoices is text, not money");
    assert_eq!(spanned(&text, &p), "number");
    assert_eq!(
        p.span.offset(),
        offset_of(&text, "[total, number]") + "[total, ".len()
    );
}

#[test]
fn an_empty_value_map_is_refused() {
    let text = with(BASE, "values: {sent: 1, paid: 2}", "values: {}");
    let p = only_problem(&text);
    assert_eq!(p.kind, Kind::MissingField);
    assert_eq!(p.message, "`values` maps nothing");
    assert_eq!(spanned(&text, &p), "values");
}

#[test]
fn every_problem_is_reported_in_one_run() {
    let text = with(BASE, "      total: total\n", "      total: totl\n");
    let text = with(&text, "  users: users\n", "  users: members\n");
    let text = with(&text, "time: \"09:30\"", "time: \"24:00\"");
    let found = problems(&text);
    let messages: Vec<&str> = found.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "`totl` is not a column of sales.invoices that demoforge fills",
            "`24:00` is not a time of day",
            "credentials.users is `members`, but core.users is not mapped into it",
        ]
    );
    let errors = parse("target.yaml", &text).unwrap_err();
    assert_eq!(
        errors.to_string(),
        "3 problem(s) in target mapping target.yaml"
    );
}

// Regression tests for what a review of the first landing found.

#[test]
fn credentials_go_to_the_first_table_that_users_go_into() {
    // Users into two tables: the ids demoforge knows are the first one's, so
    // passwords must go there, never to whoever holds those ids in the second.
    let text = with(
        BASE,
        "  core.users:\n    into: users\n    columns:\n      name: name\n      email: email\n",
        "  core.users:\n    - into: members\n      columns:\n        name: name\n    \
         - into: users\n      columns:\n        name: name\n        email: email\n",
    );
    let p = only_problem(&text);
    assert_eq!(p.kind, Kind::InvalidValue);
    assert!(
        p.message.starts_with("credentials.users is `users`"),
        "{}",
        p.message
    );
}

#[test]
fn names_and_constants_with_control_characters_are_refused() {
    // A statement of a mapped dump is one line: a newline in a constant
    // would build a dump that `load` could never check.
    let text = with(
        BASE,
        "type: {value: customer}",
        "type: {value: \"line one\\nline two\"}",
    );
    let p = only_problem(&text);
    assert_eq!(p.kind, Kind::InvalidValue);
    assert!(p.message.contains("control character"), "{}", p.message);
    assert_eq!(spanned(&text, &p), "\"line one\\nline two\"");
    let text = with(
        BASE,
        "      name: name\n  core.users:",
        "      \"na\\tme\": name\n  core.users:",
    );
    assert!(only_problem(&text).message.contains("control character"));
}

#[test]
fn a_table_copied_as_it_is_keeps_its_name() {
    let reference = include_str!("../../templates/reference/target.yaml");
    let text = with(
        reference,
        "sales.customers: {into: sales.customers}",
        "sales.customers: {into: app.customers}",
    );
    let p = only_problem(&text);
    assert_eq!(p.kind, Kind::InvalidValue);
    assert_eq!(spanned(&text, &p), "app.customers");
}
