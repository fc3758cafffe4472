//! A mapping compiled into SQL: where each table's COPY block goes, and the
//! statements that move staged rows into the team's tables.
//!
//! Input: a checked [`Mapping`] and the scenario's as-of date. Output: a
//! [`Plan`]: statements before the COPY blocks (temporary staging tables),
//! each table's COPY target, and statements after them (integer id
//! allocation, then one `INSERT … SELECT` per mapped table), plus the
//! tenant-scoped `DELETE`s a reset runs first.
//!
//! Invariants: every name and constant of the mapping reaches SQL through
//! `render::sql_text` (`sql_ident`, `sql_literal`), so a mapping string stays
//! text. A direct table (the reference target) is copied straight into its
//! target and has no statements. Under integer ids every id comes from
//! `nextval` of the target table's own sequence, inside the load's
//! transaction, so an id held by any other tenant is never reused; the
//! mapping from a row's uuid to its id lives in the session's temporary
//! `df_ids_<schema>_<table>` tables, which every pointer column is joined
//! through. The tenant's own row keeps its id across resets: it is found
//! again by its key column.

use chrono::NaiveDate;

use super::copy_text::NulByte;
use super::mysql_text::{mysql_ident, mysql_literal};
use super::sql_text::{sql_ident, sql_literal};
use crate::catalog::{Table, Type};
use crate::target::{Const, DateSource, Dialect, Ids, Mapping, MoneyAs, Name, TableMap, Value};

/// The quoting and the few constructs that differ between the dialects;
/// every name and constant of the mapping reaches SQL through `ident` or
/// `literal`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Sql(Dialect);

impl Sql {
    fn of(mapping: &Mapping) -> Sql {
        Sql(mapping.dialect)
    }

    fn mysql(self) -> bool {
        self.0 == Dialect::Mysql
    }

    fn ident(self, name: &str) -> Result<String, NulByte> {
        match self.0 {
            Dialect::Postgres => sql_ident(name),
            Dialect::Mysql => mysql_ident(name),
        }
    }

    fn literal(self, value: &str) -> Result<String, NulByte> {
        match self.0 {
            Dialect::Postgres => sql_literal(value),
            Dialect::Mysql => mysql_literal(value),
        }
    }

    /// A session's temporary table: `pg_temp.name`, or the bare name in
    /// MySQL (a temporary table hides a base table of the same name).
    fn temp(self, name: &str) -> Result<String, NulByte> {
        match self.0 {
            Dialect::Postgres => Ok(format!("pg_temp.{}", sql_ident(name)?)),
            Dialect::Mysql => mysql_ident(name),
        }
    }

    fn qualified(self, name: &Name) -> Result<String, NulByte> {
        Ok(match &name.schema {
            Some(schema) => format!("{}.{}", self.ident(schema)?, self.ident(&name.name)?),
            None => self.ident(&name.name)?,
        })
    }

    /// A staging column's type.
    fn column_type(self, ty: Type) -> String {
        if !self.mysql() {
            return ty.sql();
        }
        match ty {
            Type::Uuid => UUID_MYSQL.to_owned(),
            Type::Text | Type::TextArray => "text".to_owned(),
            Type::Char(n) => format!("char({n})"),
            Type::Date => "date".to_owned(),
            Type::SmallInt => "smallint".to_owned(),
            Type::Integer => "int".to_owned(),
            Type::Boolean => "tinyint(1)".to_owned(),
            Type::Money => "decimal(18,2)".to_owned(),
            Type::Numeric(p, s) => format!("decimal({p},{s})"),
            Type::Timestamptz => "datetime(6)".to_owned(),
        }
    }
}

/// A uuid in MySQL's temporary tables: compared byte by byte.
const UUID_MYSQL: &str = "char(36) CHARACTER SET ascii COLLATE ascii_bin";

/// The temporary table mapping a staged table's uuids to their allocated
/// ids: one per table, so that each join hashes only the rows it can match.
/// (Measured on the supply co, 101k rows: per-table maps and no `ANALYZE`
/// load in 3.3–3.6 s; one shared map needed `ANALYZE` of every temporary
/// table to avoid poor joins, and took 4.1–4.5 s.)
pub fn id_map(table: Table) -> String {
    let def = table.def();
    format!("df_ids_{}_{}", def.schema(), def.name())
}
/// MySQL: a copy of a table's id map, for a statement that points into it
/// twice (a credit note's own id and the invoice it credits): MySQL opens a
/// temporary table only once per statement.
fn second_id_map(table: Table) -> String {
    let def = table.def();
    format!("df_ids2_{}_{}", def.schema(), def.name())
}

/// The staging tables' ordinal column: COPY order, which `INSERT`s keep.
const ORD: &str = "df_ord";

/// The SQL of one mapped dump.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Before the COPY blocks: the staging tables.
    pub prepare: Vec<String>,
    /// After the COPY blocks: id allocation and the inserts.
    pub finish: Vec<String>,
    /// Last: drops the staging tables.
    pub cleanup: Vec<String>,
}

/// Where a source table's COPY block goes: `(schema, table)`.
pub fn copy_target(mapping: &Mapping, table: Table) -> (String, String) {
    let direct = mapping.of(table).find(|t| t.is_direct());
    match direct {
        // MySQL has no COPY: every table goes through its staging table.
        Some(t) if mapping.of(table).count() == 1 && mapping.dialect == Dialect::Postgres => (
            t.into.schema.clone().unwrap_or_else(|| "public".to_owned()),
            t.into.name.clone(),
        ),
        _ => ("pg_temp".to_owned(), staging_name(table)),
    }
}

/// Whether the source table is staged (copied into a temporary table and
/// moved by an `INSERT … SELECT`) rather than copied straight in.
pub fn is_staged(mapping: &Mapping, table: Table) -> bool {
    mapping.maps(table) && copy_target(mapping, table).0 == "pg_temp"
}

fn staging_name(table: Table) -> String {
    let def = table.def();
    format!("df_{}_{}", def.schema(), def.name())
}

/// The MySQL dump's own transaction, for the stock client.
pub const MYSQL_BEGIN: &str = "START TRANSACTION;";
pub const MYSQL_COMMIT: &str = "COMMIT;";

/// Compiles the mapping for a dump as of `as_of`.
pub fn plan(mapping: &Mapping, as_of: NaiveDate) -> Result<Plan, NulByte> {
    let sql = Sql::of(mapping);
    let mut plan = Plan::default();
    let staged: Vec<Table> = Table::ALL
        .iter()
        .copied()
        .filter(|&t| is_staged(mapping, t))
        .collect();
    if staged.is_empty() {
        return Ok(plan);
    }
    plan.prepare.push(set_time_zone(mapping)?);
    if sql.mysql() {
        // The stock client runs in autocommit: the whole load is one
        // transaction, so a failed `mariadb < dump` leaves nothing behind.
        // (`demoforge load` runs its own transaction and skips these two.)
        plan.prepare.push(MYSQL_BEGIN.to_owned());
    }
    let mut drops = Vec::new();
    for &table in &staged {
        plan.prepare.push(create_staging(sql, table)?);
        drops.push(sql.temp(&staging_name(table))?);
    }
    let allocated: Vec<Table> = staged
        .iter()
        .copied()
        .filter(|t| mapping.ids == Ids::Integer && t.def().column("id").is_some())
        .collect();
    for &table in &allocated {
        plan.prepare.push(create_id_map(sql, table)?);
        drops.push(sql.temp(&id_map(table))?);
    }
    if sql.mysql() {
        plan.finish.extend(allocate_mysql(mapping, &allocated)?);
    } else {
        for &table in &allocated {
            if let Some(first) = mapping.of(table).next() {
                plan.finish.push(allocate(mapping, first)?);
            }
        }
    }
    let mut inserts = Vec::new();
    for t in mapping.tables.iter().filter(|t| staged.contains(&t.source)) {
        inserts.push(insert(mapping, t, as_of)?);
    }
    for &table in allocated.iter().filter(|&&t| {
        let copy = format!("`{}`", second_id_map(t));
        inserts.iter().any(|i| i.contains(&copy))
    }) {
        let copy = sql.temp(&second_id_map(table))?;
        plan.prepare.push(format!(
            "CREATE TEMPORARY TABLE {copy} LIKE {};",
            sql.temp(&id_map(table))?
        ));
        plan.finish.push(format!(
            "INSERT INTO {copy} SELECT * FROM {};",
            sql.temp(&id_map(table))?
        ));
        drops.push(copy);
    }
    plan.finish.extend(inserts);
    plan.cleanup.push(match sql.mysql() {
        true => format!("DROP TEMPORARY TABLE {};", drops.join(", ")),
        false => format!("DROP TABLE {};", drops.join(", ")),
    });
    if sql.mysql() {
        plan.cleanup.push(MYSQL_COMMIT.to_owned());
    }
    Ok(plan)
}

/// The session settings of a dump of the mapping's dialect, after its
/// character set and quoting lines: the time zone of a staged target.
pub fn session_time_zone(mapping: &Mapping) -> Result<String, NulByte> {
    set_time_zone(mapping)
}

/// `{timestamp}` values are in the mapping's zone; a `timestamp without
/// time zone` or `date` column (PostgreSQL), or any `timestamp`/`datetime`
/// (MySQL, which converts from the session's zone), stores them in the
/// session's zone, which is therefore the mapping's. MySQL knows zone names
/// only when its zone tables are loaded, so UTC is written as an offset.
fn set_time_zone(mapping: &Mapping) -> Result<String, NulByte> {
    let zone = &mapping.time_zone;
    Ok(match mapping.dialect {
        Dialect::Postgres => format!("SET TimeZone = {};", sql_literal(zone)?),
        Dialect::Mysql if zone.eq_ignore_ascii_case("UTC") => {
            "SET time_zone = '+00:00';".to_owned()
        }
        Dialect::Mysql => format!("SET time_zone = {};", mysql_literal(zone)?),
    })
}

/// A target table's name, schema-qualified when the mapping says so, in
/// PostgreSQL.
pub fn qualified(name: &Name) -> Result<String, NulByte> {
    Sql(Dialect::Postgres).qualified(name)
}

fn create_staging(sql: Sql, table: Table) -> Result<String, NulByte> {
    create_staging_named(sql, table, &staging_name(table))
}

/// `CREATE TEMPORARY TABLE name` with the ordinal and the table's dump
/// columns.
fn create_staging_named(sql: Sql, table: Table, name: &str) -> Result<String, NulByte> {
    let def = table.def();
    let mut columns = vec![match sql.mysql() {
        true => format!(
            "{} bigint NOT NULL AUTO_INCREMENT PRIMARY KEY",
            sql.ident(ORD)?
        ),
        false => format!("{ORD} bigint GENERATED ALWAYS AS IDENTITY"),
    }];
    for c in def.dump_columns() {
        columns.push(format!("{} {}", sql.ident(c.name)?, sql.column_type(c.ty)));
    }
    let charset = match sql.mysql() {
        true => " DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
        false => "",
    };
    Ok(format!(
        "CREATE TEMPORARY TABLE {} ({}){charset};",
        sql.temp(name)?,
        columns.join(", ")
    ))
}

fn create_id_map(sql: Sql, table: Table) -> Result<String, NulByte> {
    let map = sql.temp(&id_map(table))?;
    Ok(match sql.mysql() {
        true => format!(
            "CREATE TEMPORARY TABLE {map} (`uuid` {UUID_MYSQL} NOT NULL PRIMARY KEY, `id` bigint unsigned NOT NULL, `company_id` {UUID_MYSQL} NOT NULL);"
        ),
        false => format!(
            "CREATE TEMPORARY TABLE {map} (uuid uuid PRIMARY KEY, id bigint NOT NULL, company_id uuid NOT NULL);"
        ),
    })
}

/// `nextval` of the target's id sequence: the literal names the table the
/// way `pg_get_serial_sequence` parses it (an SQL name), the column as is.
/// The lookup is a scalar subquery so that it runs once per statement, not
/// once per row (measured: 100k ids in 280 ms instead of 720 ms).
fn next_id(t: &TableMap) -> Result<String, NulByte> {
    Ok(format!(
        "nextval((SELECT pg_get_serial_sequence({}, {})))",
        sql_literal(&qualified(&t.into)?)?,
        sql_literal(&t.id)?
    ))
}

/// One id per staged row, from the target table's sequence, in COPY order.
/// The tenant keeps the id it already has, found by its key column.
fn allocate(mapping: &Mapping, t: &TableMap) -> Result<String, NulByte> {
    let sql = Sql::of(mapping);
    let source = sql.temp(&staging_name(t.source))?;
    let id = match t.source == Table::Companies {
        true => tenant_id_or(mapping, t, &next_id(t)?)?,
        false => next_id(t)?,
    };
    // The row's company is kept beside its id, so that the tenant's map can
    // be kept (`persist_ids`) without joining the staged rows again.
    Ok(format!(
        "INSERT INTO {map} (uuid, id, company_id) SELECT s.id, {id}, s.c FROM (SELECT id, {tenant} AS c FROM {source} ORDER BY {ORD}) s;",
        map = sql.temp(&id_map(t.source))?,
        tenant = sql_ident(t.source.def().tenant_column)?,
    ))
}

/// The id of the tenant's row if it has one (found by its key), else `new`.
fn tenant_id_or(mapping: &Mapping, t: &TableMap, new: &str) -> Result<String, NulByte> {
    let sql = Sql::of(mapping);
    let cast = match sql.mysql() {
        true => "",
        false => "::text",
    };
    Ok(format!(
        "coalesce((SELECT k.{id} FROM {tenant} k WHERE k.{key}{cast} = s.{sid}{cast}), {new})",
        id = sql.ident(&t.id)?,
        tenant = sql.qualified(&t.into)?,
        key = sql.ident(&mapping.tenant.key)?,
        sid = sql.ident("id")?,
    ))
}

/// MySQL has no sequence to draw from inside a transaction: the ids of a
/// target table are taken above both its largest id and its AUTO_INCREMENT
/// counter. Writing them moves InnoDB's counter past them (the counter is
/// not transactional), so the application's later rows never collide. An
/// application insert that takes an id from the counter between this read
/// and the load's insert holds an id of the range: the primary key refuses
/// one of the two rows (1062), never stores both. If it is the load's, the
/// loader rolls back and runs again with fresh ids; nothing else changes.
/// The sources that go into one table (invoices and bills into `documents`)
/// take consecutive ranges.
fn allocate_mysql(mapping: &Mapping, allocated: &[Table]) -> Result<Vec<String>, NulByte> {
    let sql = Sql::of(mapping);
    let mut statements = Vec::new();
    // One variable per target table, `@df_next_<n>`: the last id taken.
    let mut targets: Vec<&Name> = Vec::new();
    for &table in allocated {
        let Some(first) = mapping.of(table).next() else {
            continue;
        };
        let into = &first.into;
        let n = match targets.iter().position(|t| *t == into) {
            Some(n) => n,
            None => {
                targets.push(into);
                let n = targets.len() - 1;
                statements.extend(lock_tail(sql, first, n)?);
                n
            }
        };
        let new = format!(
            "@df_next_{n} + ROW_NUMBER() OVER (ORDER BY s.{})",
            sql.ident(ORD)?
        );
        let id = match table == Table::Companies {
            true => tenant_id_or(mapping, first, &new)?,
            false => new,
        };
        let map = sql.temp(&id_map(table))?;
        statements.push(format!(
            "INSERT INTO {map} (`uuid`, `id`, `company_id`) SELECT s.`id`, {id}, s.{tenant} FROM {source} s;",
            tenant = sql.ident(table.def().tenant_column)?,
            source = sql.temp(&staging_name(table))?,
        ));
        statements.push(format!(
            "SELECT GREATEST(@df_next_{n}, COALESCE(MAX(`id`), 0)) INTO @df_next_{n} FROM {map};"
        ));
    }
    Ok(statements)
}

/// MySQL: sets `@df_next_<n>` to the last id taken in `t`'s target table
/// (its largest id, or AUTO_INCREMENT − 1 when rows above it were deleted or
/// rolled back). Nothing is locked: a locking read of the last row would
/// hold the gap above it, and so every tenant's inserts into the table,
/// until the load commits. See [`allocate_mysql`] for why a collision
/// cannot take a live id.
fn lock_tail(sql: Sql, t: &TableMap, n: usize) -> Result<Vec<String>, NulByte> {
    let into = &t.into;
    let id = sql.ident(&t.id)?;
    let schema = match &into.schema {
        Some(schema) => sql.literal(schema)?,
        None => "DATABASE()".to_owned(),
    };
    Ok(vec![
        "SET @df_max = 0;".to_owned(),
        format!(
            "SELECT {id} INTO @df_max FROM {table} ORDER BY {id} DESC LIMIT 1;",
            table = sql.qualified(into)?,
        ),
        format!(
            "SET @df_next_{n} = GREATEST(@df_max, COALESCE((SELECT AUTO_INCREMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = {schema} AND TABLE_NAME = {name}), 1) - 1);",
            name = sql.literal(&into.name)?,
        ),
    ])
}

/// Builds one `INSERT … SELECT`: target columns, expressions and the joins
/// that turn uuids into ids.
struct Insert<'m> {
    mapping: &'m Mapping,
    sql: Sql,
    ids: IdSource,
    columns: Vec<String>,
    exprs: Vec<String>,
    joins: Vec<String>,
    /// The id maps joined so far (MySQL opens a temporary table once per
    /// statement: a second pointer into the same map uses its copy).
    opened: Vec<Table>,
}

/// Where a uuid's integer id is found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IdSource {
    /// The load's temporary per-table maps.
    Staged,
    /// `demoforge.ids`, the tenant's map kept by its last load or reset, for
    /// a delta, whose rows point at rows it does not carry.
    Persisted,
}

/// The persisted uuid→id map of mapped tenants (`db::bookkeeping`).
pub const PERSISTED_IDS: &str = "demoforge.ids";
/// The same in MySQL, where a schema is a database of its own: a table of
/// the application's database.
pub const PERSISTED_IDS_MYSQL: &str = "demoforge_ids";

fn persisted_ids(sql: Sql) -> &'static str {
    match sql.mysql() {
        true => PERSISTED_IDS_MYSQL,
        false => PERSISTED_IDS,
    }
}

impl Insert<'_> {
    fn push(&mut self, column: &str, expr: String) -> Result<(), NulByte> {
        self.columns.push(self.sql.ident(column)?);
        self.exprs.push(expr);
        Ok(())
    }

    /// A uuid column as the target sees it: the allocated id of the row it
    /// names (looked up in the id map of each table it can point into), or
    /// the uuid itself.
    fn pointer(&mut self, table: Table, column: &str) -> Result<String, NulByte> {
        let sql = self.sql;
        let source = format!("s.{}", sql.ident(column)?);
        if self.mapping.ids == Ids::Uuid {
            return Ok(source);
        }
        if self.ids == IdSource::Persisted {
            // One lookup, scoped to the row's company and to the tables the
            // column can point into: a uuid of another table (whose integer
            // id may be another tenant's row there) resolves to nothing.
            let alias = format!("i{}", self.joins.len());
            let tenant = sql.ident(table.def().tenant_column)?;
            let tables: Result<Vec<String>, NulByte> = table
                .def()
                .pointed_tables(column)
                .into_iter()
                .map(|t| sql.literal(t))
                .collect();
            self.joins.push(format!(
                "LEFT JOIN {ids} {alias} ON {alias}.company_id = s.{tenant} AND {alias}.uuid = {source} AND {alias}.source IN ({})",
                tables?.join(", "),
                ids = persisted_ids(sql),
            ));
            return Ok(format!("{alias}.id"));
        }
        let mut ids = Vec::new();
        for parent in table.def().pointed_tables(column) {
            let Some(parent) = Table::by_name(parent) else {
                continue;
            };
            let alias = format!("i{}", self.joins.len());
            let map = match sql.mysql() && self.opened.contains(&parent) {
                true => second_id_map(parent),
                false => id_map(parent),
            };
            self.opened.push(parent);
            self.joins.push(format!(
                "LEFT JOIN {map} {alias} ON {alias}.uuid = {source}",
                map = sql.temp(&map)?
            ));
            ids.push(format!("{alias}.id"));
        }
        Ok(match ids.as_slice() {
            [] => "NULL".to_owned(),
            [one] => one.clone(),
            _ => format!("coalesce({})", ids.join(", ")),
        })
    }
}

fn insert(mapping: &Mapping, t: &TableMap, as_of: NaiveDate) -> Result<String, NulByte> {
    insert_from(
        mapping,
        t,
        as_of,
        &Sql::of(mapping).temp(&staging_name(t.source))?,
        IdSource::Staged,
    )
}

/// The `INSERT … SELECT` of one mapping from the staged rows in `source`.
/// From a delta (`IdSource::Persisted`), rows that exist are updated in
/// place (`ON CONFLICT` on the id, only within the tenant).
fn insert_from(
    mapping: &Mapping,
    t: &TableMap,
    as_of: NaiveDate,
    source: &str,
    ids: IdSource,
) -> Result<String, NulByte> {
    let def = t.source.def();
    let sql = Sql::of(mapping);
    let mut q = Insert {
        mapping,
        sql,
        ids,
        columns: Vec::new(),
        exprs: Vec::new(),
        joins: Vec::new(),
        opened: Vec::new(),
    };
    let allocated_here = mapping
        .of(t.source)
        .next()
        .is_some_and(|first| std::ptr::eq(first, t));
    if def.column("id").is_some() && (allocated_here || mapping.ids == Ids::Uuid) {
        let id = q.pointer(t.source, "id")?;
        q.push(&t.id, id)?;
    }
    let is_tenant = t.source == Table::Companies;
    if is_tenant {
        q.push(&mapping.tenant.demo_flag, "TRUE".to_owned())?;
        q.push(&mapping.tenant.key, "s.id".to_owned())?;
    } else {
        let tenant = q.pointer(t.source, def.tenant_column)?;
        q.push(&mapping.tenant.column, tenant)?;
    }
    for (column, value) in t.columns.iter().flatten() {
        let expr = expression(&mut q, t.source, value, as_of)?;
        q.push(column, expr)?;
    }
    let conflict = if is_tenant && sql.mysql() {
        on_duplicate_key_update(mapping, t, &q.columns)?
    } else if sql.mysql() {
        // A MySQL delta deletes the rows it rewrites first
        // (`delta_statements_mysql`).
        String::new()
    } else if is_tenant {
        // Only the row of this tenant, found by its key, is updated: an id
        // the sequence hands out that another tenant already holds (a seeder
        // that wrote explicit ids) leaves that row alone and the insert
        // affects no row, which the loader refuses.
        let key = sql_ident(&mapping.tenant.key)?;
        on_conflict_update(t, &q.columns, &format!("{key}::text"))?
    } else if ids == IdSource::Persisted {
        // A delta updates a row of this tenant only.
        on_conflict_update(t, &q.columns, &sql_ident(&mapping.tenant.column)?)?
    } else {
        String::new()
    };
    let joins: String = q.joins.iter().map(|j| format!(" {j}")).collect();
    Ok(format!(
        "INSERT INTO {into} ({columns}) SELECT {exprs} FROM {source} s{joins} ORDER BY s.{ord}{conflict};",
        into = sql.qualified(&t.into)?,
        columns = q.columns.join(", "),
        exprs = q.exprs.join(", "),
        ord = sql.ident(ORD)?,
    ))
}

/// ` ON CONFLICT (id) DO UPDATE SET …` of every column but the id, for the
/// existing row only when its `guard` expression equals the new row's.
fn on_conflict_update(t: &TableMap, columns: &[String], guard: &str) -> Result<String, NulByte> {
    let updates: Vec<String> = columns
        .iter()
        .skip(1)
        .map(|c| format!("{c} = EXCLUDED.{c}"))
        .collect();
    Ok(format!(
        " ON CONFLICT ({}) DO UPDATE SET {} WHERE {into}.{guard} = EXCLUDED.{guard}",
        sql_ident(&t.id)?,
        updates.join(", "),
        into = qualified(&t.into)?,
    ))
}

/// MySQL's upsert of the tenant row: `ON DUPLICATE KEY` fires on any unique
/// key, so each column is only updated when the row in conflict is this
/// tenant's (same key); another team that shares a unique value is left as
/// it was, and the loader refuses the load when the tenant's row is not the
/// one its id map names.
fn on_duplicate_key_update(
    mapping: &Mapping,
    t: &TableMap,
    columns: &[String],
) -> Result<String, NulByte> {
    let sql = Sql::of(mapping);
    let into = sql.qualified(&t.into)?;
    let key = sql.ident(&mapping.tenant.key)?;
    let id = sql.ident(&t.id)?;
    let updates: Vec<String> = columns
        .iter()
        .filter(|c| **c != key && **c != id)
        .map(|c| format!("{c} = IF({into}.{key} = VALUES({key}), VALUES({c}), {into}.{c})"))
        .collect();
    Ok(format!(" ON DUPLICATE KEY UPDATE {}", updates.join(", ")))
}

fn expression(
    q: &mut Insert<'_>,
    table: Table,
    value: &Value,
    as_of: NaiveDate,
) -> Result<String, NulByte> {
    let def = table.def();
    let sql = q.sql;
    Ok(match value {
        Value::Column { name, money } => {
            let ty = def.column(name).map(|c| c.ty);
            match ty {
                Some(Type::Uuid) => q.pointer(table, name)?,
                Some(Type::Money) => money_expr(
                    sql,
                    &format!("s.{}", sql.ident(name)?),
                    money.unwrap_or(q.mapping.money),
                ),
                _ => format!("s.{}", sql.ident(name)?),
            }
        }
        Value::Const(c) => constant(sql, c)?,
        Value::Timestamp { date, hour, minute } => {
            let date = match date {
                DateSource::Column(name) => format!("s.{}", sql.ident(name)?),
                DateSource::AsOf => format!("DATE {}", sql.literal(&as_of.to_string())?),
            };
            match sql.mysql() {
                // A datetime in the session's zone, which the dump set to
                // the mapping's.
                true => format!("TIMESTAMP({date}, '{hour:02}:{minute:02}:00')"),
                false => format!(
                    "(({date} + TIME '{hour:02}:{minute:02}') AT TIME ZONE {})",
                    sql_literal(&q.mapping.time_zone)?
                ),
            }
        }
        Value::Map { column, values } => {
            let mut arms = Vec::new();
            for (from, to) in values {
                arms.push(format!(
                    "WHEN {} THEN {}",
                    sql.literal(from)?,
                    constant(sql, to)?
                ));
            }
            let cast = match sql.mysql() {
                true => "",
                false => "::text",
            };
            format!(
                "(CASE s.{}{cast} {} END)",
                sql.ident(column)?,
                arms.join(" ")
            )
        }
        Value::Signed { debit, credit } => money_expr(
            sql,
            &format!("(s.{} - s.{})", sql.ident(debit)?, sql.ident(credit)?),
            q.mapping.money,
        ),
    })
}

fn money_expr(sql: Sql, value: &str, money: MoneyAs) -> String {
    match (money, sql.mysql()) {
        (MoneyAs::Decimal, _) => value.to_owned(),
        (MoneyAs::Cents, false) => format!("({value} * 100)::bigint"),
        (MoneyAs::Cents, true) => format!("CAST({value} * 100 AS SIGNED)"),
    }
}

fn constant(sql: Sql, c: &Const) -> Result<String, NulByte> {
    Ok(match c {
        Const::Null => "NULL".to_owned(),
        Const::Bool(true) => "TRUE".to_owned(),
        Const::Bool(false) => "FALSE".to_owned(),
        Const::Int(n) => n.to_string(),
        Const::Text(text) => sql.literal(text)?,
    })
}

/// After a load or reset: the tenant's uuid→id map, kept in
/// `demoforge.ids` (`demoforge_ids` in MySQL) so that a later delta can
/// find the rows it changes. Run by the loader, not part of the dump (a
/// `psql` or `mariadb` load keeps no map, and a delta then refuses the
/// tenant).
pub fn persist_ids(mapping: &Mapping) -> Result<Vec<String>, NulByte> {
    if mapping.ids != Ids::Integer {
        return Ok(Vec::new());
    }
    let sql = Sql::of(mapping);
    let ids = persisted_ids(sql);
    let companies = sql.temp(&staging_name(Table::Companies))?;
    let mut statements = vec![match sql.mysql() {
        // Driven from the staged companies, so that only this tenant's
        // part of the map (a prefix of its key) is read and locked.
        true => {
            format!("DELETE m FROM {companies} c STRAIGHT_JOIN {ids} m ON m.company_id = c.`id`")
        }
        false => format!("DELETE FROM {ids} WHERE company_id IN (SELECT id FROM {companies})"),
    }];
    let mut maps = Vec::new();
    for &table in Table::ALL.iter().filter(|&&t| is_staged(mapping, t)) {
        if table.def().column("id").is_none() {
            continue;
        }
        maps.push(format!(
            "SELECT company_id, {source} AS source, uuid, id FROM {map}",
            source = sql.literal(table.def().qualified)?,
            map = sql.temp(&id_map(table))?,
        ));
    }
    if sql.mysql() {
        // One insert in key order: InnoDB appends to the tenant's part of
        // the map instead of splitting pages at random uuids (the supply
        // co's load went from 1.25× to 1.12× the stock client's time in
        // scripts/bench-mysql, with this and the tenant-driven deletes).
        if !maps.is_empty() {
            statements.push(format!(
                "INSERT INTO {ids} (company_id, source, uuid, id) SELECT company_id, source, uuid, id FROM ({}) u ORDER BY company_id, uuid",
                maps.join(" UNION ALL ")
            ));
        }
    } else {
        for map in maps {
            statements.push(format!(
                "INSERT INTO {ids} (company_id, source, uuid, id) {map}"
            ));
        }
    }
    Ok(statements)
}

/// Why a delta cannot be written for a staged target, if it cannot: each
/// changed table must go into exactly one table and have an id, because a
/// delta updates and deletes rows by their id.
pub fn delta_refusal(mapping: &Mapping, table: Table) -> Option<String> {
    let def = table.def();
    if mapping.of(table).count() > 1 {
        return Some(format!(
            "{} goes into several tables; deltas need each changed table mapped into one",
            def.qualified
        ));
    }
    if def.column("id").is_none() && mapping.maps(table) {
        return Some(format!(
            "{} has no id, so a delta cannot address its rows",
            def.qualified
        ));
    }
    None
}

/// The statements around one delta section of a staged target, whose rows
/// (the catalog's columns) are copied into `temp_table`: (before, after).
/// Upserts allocate ids for new rows in `demoforge.ids`, then insert or
/// update by id within the tenant; removals delete by id within the tenant
/// and drop the rows' ids from the map. A table the mapping leaves out has
/// no statements but the temporary table's.
pub fn delta_statements(
    mapping: &Mapping,
    upsert: bool,
    table: Table,
    temp_table: &str,
    as_of: NaiveDate,
) -> Result<(Vec<String>, Vec<String>), NulByte> {
    if mapping.dialect == Dialect::Mysql {
        return delta_statements_mysql(mapping, upsert, table, temp_table, as_of);
    }
    let def = table.def();
    let name = temp_table.strip_prefix("pg_temp.").unwrap_or(temp_table);
    let mut columns = vec![format!("{ORD} bigint GENERATED ALWAYS AS IDENTITY")];
    for c in def.dump_columns() {
        columns.push(format!("{} {}", sql_ident(c.name)?, c.ty.sql()));
    }
    let before = vec![format!(
        "CREATE TEMP TABLE {} ({});",
        sql_ident(name)?,
        columns.join(", ")
    )];
    let source = format!("pg_temp.{}", sql_ident(name)?);
    let mut after = Vec::new();
    let tenant_col = sql_ident(def.tenant_column)?;
    if let Some(t) = mapping.of(table).next() {
        if upsert {
            if def.column("id").is_some() && mapping.ids == Ids::Integer {
                after.push(format!(
                    "INSERT INTO {PERSISTED_IDS} (company_id, source, uuid, id) SELECT s.c, {table_name}, s.id, {next} FROM (SELECT {tenant_col} AS c, id FROM {source} ORDER BY {ORD}) s WHERE NOT EXISTS (SELECT 1 FROM {PERSISTED_IDS} m WHERE m.company_id = s.c AND m.uuid = s.id);",
                    table_name = sql_literal(def.qualified)?,
                    next = next_id(t)?,
                ));
            }
            after.push(insert_from(
                mapping,
                t,
                as_of,
                &source,
                IdSource::Persisted,
            )?);
        } else {
            let tenant_id = format!(
                "(SELECT k.id FROM {PERSISTED_IDS} k WHERE k.company_id = r.{tenant_col} AND k.uuid = r.{tenant_col} AND k.source = {companies})",
                companies = sql_literal(Table::Companies.def().qualified)?
            );
            after.push(format!(
                "DELETE FROM {into} USING {source} r, {PERSISTED_IDS} m WHERE m.company_id = r.{tenant_col} AND m.uuid = r.id AND m.source = {table_name} AND {into}.{id} = m.id AND {into}.{tenant} = {tenant_id};",
                table_name = sql_literal(def.qualified)?,
                into = qualified(&t.into)?,
                id = sql_ident(&t.id)?,
                tenant = sql_ident(&mapping.tenant.column)?,
            ));
            after.push(format!(
                "DELETE FROM {PERSISTED_IDS} m USING {source} r WHERE m.company_id = r.{tenant_col} AND m.uuid = r.id AND m.source = {table_name};",
                table_name = sql_literal(def.qualified)?
            ));
        }
    }
    after.push(format!("DROP TABLE {source};"));
    Ok((before, after))
}

/// [`delta_statements`] in MySQL. Rows a delta rewrites are deleted by id
/// within the tenant, then inserted again with the same ids: InnoDB checks
/// unique keys at each row, so an update in place that renumbers documents
/// would pass through duplicates that PostgreSQL defers to the commit. The
/// loader runs a MySQL delta with `foreign_key_checks = 0` for its session
/// (a rewritten parent's children keep pointing at its id); every statement
/// is scoped to the tenant's id. The tenant's own row is upserted in place.
fn delta_statements_mysql(
    mapping: &Mapping,
    upsert: bool,
    table: Table,
    temp_table: &str,
    as_of: NaiveDate,
) -> Result<(Vec<String>, Vec<String>), NulByte> {
    let sql = Sql::of(mapping);
    let def = table.def();
    let temp_table = temp_table.strip_prefix("pg_temp.").unwrap_or(temp_table);
    let before = vec![create_staging_named(sql, table, temp_table)?];
    let source = sql.temp(temp_table)?;
    let ids = PERSISTED_IDS_MYSQL;
    let tenant_col = sql.ident(def.tenant_column)?;
    let table_name = sql.literal(def.qualified)?;
    let companies = sql.literal(Table::Companies.def().qualified)?;
    let mut after = Vec::new();
    if let Some(t) = mapping.of(table).next() {
        let into = sql.qualified(&t.into)?;
        let id = sql.ident(&t.id)?;
        let tenant = sql.ident(&mapping.tenant.column)?;
        // The tenant's id for a staged row. Each DELETE is driven from the
        // staged rows (STRAIGHT_JOIN): the id map is found by its key and
        // the target row by its id, never by scanning the target table.
        let tenant_of = |s: &str| {
            format!(
                "(SELECT k.id FROM {ids} k WHERE k.company_id = {s}.{tenant_col} AND k.uuid = {s}.{tenant_col} AND k.source = {companies})"
            )
        };
        if upsert {
            if def.column("id").is_some() && mapping.ids == Ids::Integer {
                after.extend(lock_tail(sql, t, 0)?);
                after.push(format!(
                    "INSERT INTO {ids} (company_id, source, uuid, id) SELECT s.{tenant_col}, {table_name}, s.`id`, @df_next_0 + ROW_NUMBER() OVER (ORDER BY s.{ord}) FROM {source} s WHERE NOT EXISTS (SELECT 1 FROM {ids} m WHERE m.company_id = s.{tenant_col} AND m.uuid = s.`id`);",
                    ord = sql.ident(ORD)?,
                ));
            }
            if table != Table::Companies && def.column("id").is_some() {
                after.push(format!(
                    "DELETE x FROM {source} s STRAIGHT_JOIN {ids} m ON m.company_id = s.{tenant_col} AND m.uuid = s.`id` AND m.source = {table_name} STRAIGHT_JOIN {into} x ON x.{id} = m.id WHERE x.{tenant} = {};",
                    tenant_of("s")
                ));
            }
            after.push(insert_from(
                mapping,
                t,
                as_of,
                &source,
                IdSource::Persisted,
            )?);
        } else {
            after.push(format!(
                "DELETE x FROM {source} r STRAIGHT_JOIN {ids} m ON m.company_id = r.{tenant_col} AND m.uuid = r.`id` AND m.source = {table_name} STRAIGHT_JOIN {into} x ON x.{id} = m.id WHERE x.{tenant} = {};",
                tenant_of("r")
            ));
            after.push(format!(
                "DELETE m FROM {ids} m JOIN {source} r ON m.company_id = r.{tenant_col} AND m.uuid = r.`id` AND m.source = {table_name};"
            ));
        }
    }
    after.push(format!("DROP TEMPORARY TABLE {source};"));
    Ok((before, after))
}

/// The tenant's id in PostgreSQL, found by its key: `$1` is the company's
/// uuid as text. A subquery rather than a parameter, so that the comparison
/// has the tenant column's own type (bigint or uuid) and its index is used.
/// (MySQL's deletes join the tenant's row instead: `tenant_deletes_mysql`.)
pub fn tenant_id_query(mapping: &Mapping) -> Result<String, NulByte> {
    let sql = Sql::of(mapping);
    let tenant = mapping.of(Table::Companies).next();
    let id = tenant.map_or("id", |t| t.id.as_str());
    Ok(format!(
        "(SELECT k.{id} FROM {table} k WHERE k.{key}::text = $1)",
        id = sql.ident(id)?,
        table = sql.qualified(&mapping.tenant.table)?,
        key = sql.ident(&mapping.tenant.key)?,
    ))
}

/// What a load or reset deletes before it inserts, children first: the
/// users' Sanctum tokens, then every mapped target table but the tenant's,
/// scoped by the tenant column to the tenant whose key is the parameter.
/// The tenant's own row is updated in place by the insert, so its id
/// survives.
pub fn tenant_deletes(mapping: &Mapping) -> Result<Vec<String>, NulByte> {
    if mapping.dialect == Dialect::Mysql {
        return tenant_deletes_mysql(mapping);
    }
    let sql = Sql::of(mapping);
    let tenant_id = tenant_id_query(mapping)?;
    let tenant_column = sql.ident(&mapping.tenant.column)?;
    let mut deletes = Vec::new();
    if let Some(credentials) = &mapping.credentials
        && let Some(tokens) = &credentials.tokens
    {
        let users_id = mapping
            .of(Table::Users)
            .next()
            .map_or("id".to_owned(), |t| t.id.clone());
        deletes.push(format!(
            "DELETE FROM {tokens} WHERE tokenable_type = {owner} AND tokenable_id IN (SELECT {id} FROM {users} WHERE {tenant_column} = {tenant_id})",
            tokens = sql.qualified(&tokens.table)?,
            owner = sql.literal(&tokens.owner_type)?,
            id = sql.ident(&users_id)?,
            users = sql.qualified(&credentials.users)?,
        ));
    }
    for name in mapping.target_tables().into_iter().rev() {
        if *name == mapping.tenant.table {
            continue;
        }
        deletes.push(format!(
            "DELETE FROM {} WHERE {tenant_column} = {tenant_id}",
            sql.qualified(name)?,
        ));
    }
    Ok(deletes)
}

/// [`tenant_deletes`] in MySQL. Each statement is a multi-table DELETE
/// driven from the tenant's row (`STRAIGHT_JOIN` from the tenant table,
/// found by its key, to the rows with its id): MariaDB runs a single-table
/// `DELETE … WHERE team_id = (SELECT …)` or `IN (SELECT …)` as a scan of
/// the whole table, which locks every tenant's rows until the commit.
/// InnoDB checks a foreign key at each row, not at the end of the
/// statement, so a row pointing at another row of its own table (a credit
/// note at its invoice) is unlinked first.
fn tenant_deletes_mysql(mapping: &Mapping) -> Result<Vec<String>, NulByte> {
    let sql = Sql::of(mapping);
    let tenant = sql.qualified(&mapping.tenant.table)?;
    let tenant_id = sql.ident(
        mapping
            .of(Table::Companies)
            .next()
            .map_or("id", |t| t.id.as_str()),
    )?;
    let key = sql.ident(&mapping.tenant.key)?;
    let tenant_column = sql.ident(&mapping.tenant.column)?;
    let from = format!("{tenant} k STRAIGHT_JOIN");
    let mut deletes = Vec::new();
    if let Some(credentials) = &mapping.credentials
        && let Some(tokens) = &credentials.tokens
    {
        let users_id = mapping
            .of(Table::Users)
            .next()
            .map_or("id".to_owned(), |t| t.id.clone());
        deletes.push(format!(
            "DELETE p FROM {from} {users} u ON u.{tenant_column} = k.{tenant_id} STRAIGHT_JOIN {tokens} p ON p.tokenable_type = {owner} AND p.tokenable_id = u.{id} WHERE k.{key} = ?",
            tokens = sql.qualified(&tokens.table)?,
            owner = sql.literal(&tokens.owner_type)?,
            id = sql.ident(&users_id)?,
            users = sql.qualified(&credentials.users)?,
        ));
    }
    for name in mapping.target_tables().into_iter().rev() {
        if *name == mapping.tenant.table {
            continue;
        }
        let table = sql.qualified(name)?;
        for column in self_references(mapping, name) {
            let column = sql.ident(column)?;
            deletes.push(format!(
                "UPDATE {from} {table} x ON x.{tenant_column} = k.{tenant_id} SET x.{column} = NULL WHERE k.{key} = ? AND x.{column} IS NOT NULL"
            ));
        }
        deletes.push(format!(
            "DELETE x FROM {from} {table} x ON x.{tenant_column} = k.{tenant_id} WHERE k.{key} = ?"
        ));
    }
    Ok(deletes)
}

/// The columns of target table `name` that point at rows of `name` itself.
fn self_references<'m>(mapping: &'m Mapping, name: &Name) -> Vec<&'m str> {
    let mut columns = Vec::new();
    for t in mapping.tables.iter().filter(|t| t.into == *name) {
        let def = t.source.def();
        for (column, value) in t.columns.iter().flatten() {
            let Value::Column { name: source, .. } = value else {
                continue;
            };
            if *source == "id" || *source == def.tenant_column {
                continue;
            }
            let points_home = def.pointed_tables(source).into_iter().any(|parent| {
                Table::by_name(parent)
                    .and_then(|p| mapping.of(p).next())
                    .is_some_and(|p| p.into == *name)
            });
            if points_home && !columns.contains(&column.as_str()) {
                columns.push(column.as_str());
            }
        }
    }
    columns
}

#[cfg(test)]
mod tests {
    use super::*;

    fn laravel() -> Mapping {
        crate::target::builtin("laravel").expect("laravel parses")
    }

    #[test]
    fn a_staged_dump_sets_the_mappings_time_zone_first() {
        // Regression: `{timestamp}` values stored in a `timestamp without
        // time zone` or `date` column followed the server's zone.
        let plan = plan(&laravel(), NaiveDate::from_ymd_opt(2026, 11, 15).unwrap()).unwrap();
        assert_eq!(plan.prepare[0], "SET TimeZone = 'UTC';");
    }

    #[test]
    fn the_tenant_upsert_only_updates_the_row_with_its_key() {
        // Regression: an id the sequence handed out that a real team held
        // (explicit ids from a seeder) let the upsert take that team over.
        let plan = plan(&laravel(), NaiveDate::from_ymd_opt(2026, 11, 15).unwrap()).unwrap();
        let tenant = plan
            .finish
            .iter()
            .find(|s| s.starts_with("INSERT INTO teams ("))
            .expect("the teams insert");
        assert!(
            tenant.ends_with("WHERE teams.demo_key::text = EXCLUDED.demo_key::text;"),
            "{tenant}"
        );
    }

    #[test]
    fn the_reference_target_has_no_statements() {
        let reference = crate::target::builtin("reference").unwrap();
        let plan = plan(&reference, NaiveDate::from_ymd_opt(2026, 11, 15).unwrap()).unwrap();
        assert_eq!(plan, Plan::default());
    }
}

#[cfg(test)]
mod mysql_tests {
    use super::*;

    fn laravel_mysql() -> Mapping {
        crate::target::builtin("laravel-mysql").expect("laravel-mysql parses")
    }

    fn as_of() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 15).unwrap()
    }

    /// Every statement of a MySQL dump and of its deltas.
    fn statements() -> Vec<String> {
        let mapping = laravel_mysql();
        let plan = plan(&mapping, as_of()).unwrap();
        let mut all: Vec<String> = plan
            .prepare
            .into_iter()
            .chain(plan.finish)
            .chain(plan.cleanup)
            .collect();
        for &table in Table::ALL
            .iter()
            .filter(|&&t| delta_refusal(&mapping, t).is_none())
        {
            for upsert in [true, false] {
                let (before, after) =
                    delta_statements(&mapping, upsert, table, "pg_temp.delta_x", as_of()).unwrap();
                all.extend(before);
                all.extend(after);
            }
        }
        all
    }

    #[test]
    fn no_statement_opens_a_temporary_table_twice() {
        // MySQL cannot open one temporary table twice in a statement
        // (error 1137): a second pointer into the same id map would fail.
        for statement in statements() {
            let words: Vec<&str> = statement
                .split([' ', '(', ')', ','])
                .filter(|w| w.starts_with("`df_") || w.starts_with("`delta_"))
                .collect();
            let mut seen = std::collections::BTreeSet::new();
            for w in &words {
                let name = w.split('`').nth(1).unwrap_or(w);
                // A column named like a table does not count: only `FROM`
                // and `JOIN` targets are opened, and those are bare names.
                if statement.contains(&format!("FROM `{name}`"))
                    || statement.contains(&format!("JOIN `{name}`"))
                {
                    seen.insert(name.to_owned());
                }
            }
            for name in &seen {
                let opened = statement.matches(&format!("FROM `{name}`")).count()
                    + statement.matches(&format!("JOIN `{name}`")).count();
                assert!(
                    opened <= 1,
                    "`{name}` opened {opened} times in: {statement}"
                );
            }
        }
    }

    #[test]
    fn no_postgresql_syntax_reaches_a_mysql_statement() {
        for statement in statements() {
            for pg in [
                "::",
                "pg_temp",
                "nextval",
                "ON CONFLICT",
                "AT TIME ZONE",
                "\"",
                "demoforge.ids",
            ] {
                assert!(!statement.contains(pg), "{pg} in: {statement}");
            }
        }
    }

    #[test]
    fn ids_are_taken_above_the_tail_once_per_target_table() {
        // Regression: invoices and bills both go into `documents`; their
        // ranges overlapped when the second read the same maximum.
        let plan = plan(&laravel_mysql(), as_of()).unwrap();
        let locks = plan
            .finish
            .iter()
            .filter(|s| s.starts_with("SELECT `id` INTO @df_max FROM `documents`"))
            .count();
        assert_eq!(locks, 1);
        // Regression: a locking read of the last row held every tenant's
        // inserts into the table (and the newest team's row) until commit.
        assert!(plan.finish.iter().all(|s| !s.contains("FOR UPDATE")));
        let bills = plan
            .finish
            .iter()
            .find(|s| s.starts_with("INSERT INTO `df_ids_purchasing_bills`"))
            .unwrap();
        let invoices = plan
            .finish
            .iter()
            .find(|s| s.starts_with("INSERT INTO `df_ids_sales_invoices`"))
            .unwrap();
        let var = |s: &str| {
            s.split("@df_next_")
                .nth(1)
                .unwrap()
                .split(' ')
                .next()
                .unwrap()
                .to_owned()
        };
        assert_eq!(var(bills), var(invoices), "one counter per target table");
    }

    #[test]
    fn the_dump_is_one_transaction_for_the_stock_client() {
        let plan = plan(&laravel_mysql(), as_of()).unwrap();
        assert!(plan.prepare.contains(&MYSQL_BEGIN.to_owned()));
        assert_eq!(plan.cleanup.last().map(String::as_str), Some(MYSQL_COMMIT));
    }

    #[test]
    fn self_references_are_unlinked_before_a_reset_deletes() {
        // Regression: InnoDB checks foreign keys row by row, so deleting a
        // team's documents failed on a credit note's link to its invoice.
        let deletes = tenant_deletes(&laravel_mysql()).unwrap();
        let unlink = deletes
            .iter()
            .position(|s| {
                s.starts_with("UPDATE `teams` k STRAIGHT_JOIN `documents` x")
                    && s.contains("SET x.`credited_document_id` = NULL")
            })
            .expect("the self-reference is unlinked");
        let delete = deletes
            .iter()
            .position(|s| s.starts_with("DELETE x FROM `teams` k STRAIGHT_JOIN `documents` x"))
            .unwrap();
        assert!(unlink < delete);
        assert!(
            deletes.iter().all(|s| s.matches('?').count() == 1),
            "{deletes:?}"
        );
    }

    #[test]
    fn reset_deletes_are_driven_from_the_tenants_row() {
        // Regression: `DELETE … WHERE team_id = (SELECT …)` and
        // `IN (SELECT …)` scan the whole table in MariaDB, locking every
        // tenant's rows (and their API tokens) until the commit.
        for statement in tenant_deletes(&laravel_mysql()).unwrap() {
            assert!(
                statement.contains("FROM `teams` k STRAIGHT_JOIN")
                    || statement.starts_with("UPDATE `teams` k STRAIGHT_JOIN"),
                "{statement}"
            );
            assert!(!statement.contains("(SELECT"), "{statement}");
        }
    }
}

#[cfg(test)]
mod delta_tests {
    use super::*;

    fn laravel() -> Mapping {
        crate::target::builtin("laravel").expect("laravel parses")
    }

    #[test]
    fn a_delta_resolves_pointers_only_within_the_pointed_tables_of_the_company() {
        // Regression: a lookup by uuid and company alone let a forged delta
        // point a row at another table's id (another team's row there).
        let as_of = NaiveDate::from_ymd_opt(2026, 11, 15).unwrap();
        let (_, after) = delta_statements(
            &laravel(),
            true,
            Table::InvoiceLines,
            "pg_temp.delta_upsert__sales__invoice_lines",
            as_of,
        )
        .unwrap();
        let upsert = after
            .iter()
            .find(|s| s.starts_with("INSERT INTO document_lines"))
            .unwrap();
        assert!(upsert.contains(".source IN ('sales.invoices')"), "{upsert}");
        assert!(
            upsert.contains(".source IN ('catalog.products')"),
            "{upsert}"
        );
        let allocate = &after[0];
        assert!(
            allocate.contains("WHERE m.company_id = s.c AND m.uuid = s.id"),
            "{allocate}"
        );
    }

    #[test]
    fn tables_a_delta_cannot_address_are_refused() {
        let laravel = laravel();
        assert!(delta_refusal(&laravel, Table::RolePermissions).is_some());
        assert!(delta_refusal(&laravel, Table::Invoices).is_none());
    }
}
