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
use super::sql_text::{sql_ident, sql_literal};
use crate::catalog::{Table, Type};
use crate::target::{Const, DateSource, Ids, Mapping, MoneyAs, Name, TableMap, Value};

/// The temporary table mapping a staged table's uuids to their allocated
/// ids: one per table, so that each join hashes only the rows it can match.
/// (Measured on the supply co, 101k rows: per-table maps and no `ANALYZE`
/// load in 3.3–3.6 s; one shared map needed `ANALYZE` of every temporary
/// table to avoid poor joins, and took 4.1–4.5 s.)
pub fn id_map(table: Table) -> String {
    let def = table.def();
    format!("df_ids_{}_{}", def.schema(), def.name())
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
        Some(t) if mapping.of(table).count() == 1 => (
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

/// Compiles the mapping for a dump as of `as_of`.
pub fn plan(mapping: &Mapping, as_of: NaiveDate) -> Result<Plan, NulByte> {
    let mut plan = Plan::default();
    let staged: Vec<Table> = Table::ALL
        .iter()
        .copied()
        .filter(|&t| is_staged(mapping, t))
        .collect();
    if staged.is_empty() {
        return Ok(plan);
    }
    // `{timestamp}` values are timestamptz in the mapping's zone; a
    // `timestamp without time zone` or `date` column stores them in the
    // session's zone, which is therefore the mapping's.
    plan.prepare.push(format!(
        "SET TimeZone = {};",
        sql_literal(&mapping.time_zone)?
    ));
    let mut drops = Vec::new();
    for &table in &staged {
        plan.prepare.push(create_staging(table)?);
        drops.push(temp(&staging_name(table))?);
    }
    let allocated: Vec<Table> = staged
        .iter()
        .copied()
        .filter(|t| mapping.ids == Ids::Integer && t.def().column("id").is_some())
        .collect();
    for &table in &allocated {
        plan.prepare.push(format!(
            "CREATE TEMPORARY TABLE {} (uuid uuid PRIMARY KEY, id bigint NOT NULL, company_id uuid NOT NULL);",
            temp(&id_map(table))?
        ));
        drops.push(temp(&id_map(table))?);
    }
    for &table in &allocated {
        if let Some(first) = mapping.of(table).next() {
            plan.finish.push(allocate(mapping, first)?);
        }
    }
    for t in mapping.tables.iter().filter(|t| staged.contains(&t.source)) {
        plan.finish.push(insert(mapping, t, as_of)?);
    }
    plan.cleanup
        .push(format!("DROP TABLE {};", drops.join(", ")));
    Ok(plan)
}

/// `pg_temp.name`.
fn temp(name: &str) -> Result<String, NulByte> {
    Ok(format!("pg_temp.{}", sql_ident(name)?))
}

/// A target table's name, schema-qualified when the mapping says so.
pub fn qualified(name: &Name) -> Result<String, NulByte> {
    Ok(match &name.schema {
        Some(schema) => format!("{}.{}", sql_ident(schema)?, sql_ident(&name.name)?),
        None => sql_ident(&name.name)?,
    })
}

fn create_staging(table: Table) -> Result<String, NulByte> {
    let def = table.def();
    let mut columns = vec![format!("{ORD} bigint GENERATED ALWAYS AS IDENTITY")];
    for c in def.dump_columns() {
        columns.push(format!("{} {}", sql_ident(c.name)?, c.ty.sql()));
    }
    Ok(format!(
        "CREATE TEMPORARY TABLE {} ({});",
        temp(&staging_name(table))?,
        columns.join(", ")
    ))
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
    let source = temp(&staging_name(t.source))?;
    let id = if t.source == Table::Companies {
        format!(
            "coalesce((SELECT k.{id} FROM {tenant} k WHERE k.{key}::text = s.id::text), {next})",
            id = sql_ident(&t.id)?,
            tenant = qualified(&t.into)?,
            key = sql_ident(&mapping.tenant.key)?,
            next = next_id(t)?,
        )
    } else {
        next_id(t)?
    };
    // The row's company is kept beside its id, so that the tenant's map can
    // be kept (`persist_ids`) without joining the staged rows again.
    Ok(format!(
        "INSERT INTO {map} (uuid, id, company_id) SELECT s.id, {id}, s.c FROM (SELECT id, {tenant} AS c FROM {source} ORDER BY {ORD}) s;",
        map = temp(&id_map(t.source))?,
        tenant = sql_ident(t.source.def().tenant_column)?,
    ))
}

/// Builds one `INSERT … SELECT`: target columns, expressions and the joins
/// that turn uuids into ids.
struct Insert<'m> {
    mapping: &'m Mapping,
    ids: IdSource,
    columns: Vec<String>,
    exprs: Vec<String>,
    joins: Vec<String>,
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

impl Insert<'_> {
    fn push(&mut self, column: &str, expr: String) -> Result<(), NulByte> {
        self.columns.push(sql_ident(column)?);
        self.exprs.push(expr);
        Ok(())
    }

    /// A uuid column as the target sees it: the allocated id of the row it
    /// names (looked up in the id map of each table it can point into), or
    /// the uuid itself.
    fn pointer(&mut self, table: Table, column: &str) -> Result<String, NulByte> {
        let source = format!("s.{}", sql_ident(column)?);
        if self.mapping.ids == Ids::Uuid {
            return Ok(source);
        }
        if self.ids == IdSource::Persisted {
            // One lookup, scoped to the row's company and to the tables the
            // column can point into: a uuid of another table (whose integer
            // id may be another tenant's row there) resolves to nothing.
            let alias = format!("i{}", self.joins.len());
            let tenant = sql_ident(table.def().tenant_column)?;
            let tables: Result<Vec<String>, NulByte> = table
                .def()
                .pointed_tables(column)
                .into_iter()
                .map(sql_literal)
                .collect();
            self.joins.push(format!(
                "LEFT JOIN {PERSISTED_IDS} {alias} ON {alias}.company_id = s.{tenant} AND {alias}.uuid = {source} AND {alias}.source IN ({})",
                tables?.join(", ")
            ));
            return Ok(format!("{alias}.id"));
        }
        let mut ids = Vec::new();
        for parent in table.def().pointed_tables(column) {
            let Some(parent) = Table::by_name(parent) else {
                continue;
            };
            let alias = format!("i{}", self.joins.len());
            self.joins.push(format!(
                "LEFT JOIN {map} {alias} ON {alias}.uuid = {source}",
                map = temp(&id_map(parent))?
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
        &temp(&staging_name(t.source))?,
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
    let mut q = Insert {
        mapping,
        ids,
        columns: Vec::new(),
        exprs: Vec::new(),
        joins: Vec::new(),
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
    let conflict = if is_tenant {
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
        "INSERT INTO {into} ({columns}) SELECT {exprs} FROM {source} s{joins} ORDER BY s.{ORD}{conflict};",
        into = qualified(&t.into)?,
        columns = q.columns.join(", "),
        exprs = q.exprs.join(", "),
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

fn expression(
    q: &mut Insert<'_>,
    table: Table,
    value: &Value,
    as_of: NaiveDate,
) -> Result<String, NulByte> {
    let def = table.def();
    Ok(match value {
        Value::Column { name, money } => {
            let ty = def.column(name).map(|c| c.ty);
            match ty {
                Some(Type::Uuid) => q.pointer(table, name)?,
                Some(Type::Money) => money_expr(
                    &format!("s.{}", sql_ident(name)?),
                    money.unwrap_or(q.mapping.money),
                ),
                _ => format!("s.{}", sql_ident(name)?),
            }
        }
        Value::Const(c) => constant(c)?,
        Value::Timestamp { date, hour, minute } => {
            let date = match date {
                DateSource::Column(name) => format!("s.{}", sql_ident(name)?),
                DateSource::AsOf => format!("DATE {}", sql_literal(&as_of.to_string())?),
            };
            format!(
                "(({date} + TIME '{hour:02}:{minute:02}') AT TIME ZONE {})",
                sql_literal(&q.mapping.time_zone)?
            )
        }
        Value::Map { column, values } => {
            let mut arms = Vec::new();
            for (from, to) in values {
                arms.push(format!(
                    "WHEN {} THEN {}",
                    sql_literal(from)?,
                    constant(to)?
                ));
            }
            format!(
                "(CASE s.{}::text {} END)",
                sql_ident(column)?,
                arms.join(" ")
            )
        }
        Value::Signed { debit, credit } => money_expr(
            &format!("(s.{} - s.{})", sql_ident(debit)?, sql_ident(credit)?),
            q.mapping.money,
        ),
    })
}

fn money_expr(value: &str, money: MoneyAs) -> String {
    match money {
        MoneyAs::Decimal => value.to_owned(),
        MoneyAs::Cents => format!("({value} * 100)::bigint"),
    }
}

fn constant(c: &Const) -> Result<String, NulByte> {
    Ok(match c {
        Const::Null => "NULL".to_owned(),
        Const::Bool(true) => "TRUE".to_owned(),
        Const::Bool(false) => "FALSE".to_owned(),
        Const::Int(n) => n.to_string(),
        Const::Text(text) => sql_literal(text)?,
    })
}

/// After a load or reset: the tenant's uuid→id map, kept in
/// `demoforge.ids` so that a later delta can find the rows it changes.
/// Run by the loader, not part of the dump (a `psql` load keeps no map, and
/// a delta then refuses the tenant).
pub fn persist_ids(mapping: &Mapping) -> Result<Vec<String>, NulByte> {
    if mapping.ids != Ids::Integer {
        return Ok(Vec::new());
    }
    let companies = temp(&staging_name(Table::Companies))?;
    let mut statements = vec![format!(
        "DELETE FROM {PERSISTED_IDS} WHERE company_id IN (SELECT id FROM {companies})"
    )];
    for &table in Table::ALL.iter().filter(|&&t| is_staged(mapping, t)) {
        if table.def().column("id").is_none() {
            continue;
        }
        statements.push(format!(
            "INSERT INTO {PERSISTED_IDS} (company_id, source, uuid, id) SELECT company_id, {source}, uuid, id FROM {map}",
            source = sql_literal(table.def().qualified)?,
            map = temp(&id_map(table))?,
        ));
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

/// The tenant's id, found by its key: `$1` is the company's uuid as text.
/// A subquery rather than a parameter, so that the comparison has the tenant
/// column's own type (bigint or uuid) and its index is used.
pub fn tenant_id_query(mapping: &Mapping) -> Result<String, NulByte> {
    let tenant = mapping.of(Table::Companies).next();
    let id = tenant.map_or("id", |t| t.id.as_str());
    Ok(format!(
        "(SELECT k.{id} FROM {table} k WHERE k.{key}::text = $1)",
        id = sql_ident(id)?,
        table = qualified(&mapping.tenant.table)?,
        key = sql_ident(&mapping.tenant.key)?,
    ))
}

/// What a load or reset deletes before it inserts, children first: the
/// users' Sanctum tokens, then every mapped target table but the tenant's,
/// scoped by the tenant column to the tenant whose key is `$1`. The tenant's
/// own row is updated in place by the insert, so its id survives.
pub fn tenant_deletes(mapping: &Mapping) -> Result<Vec<String>, NulByte> {
    let tenant_id = tenant_id_query(mapping)?;
    let tenant_column = sql_ident(&mapping.tenant.column)?;
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
            tokens = qualified(&tokens.table)?,
            owner = sql_literal(&tokens.owner_type)?,
            id = sql_ident(&users_id)?,
            users = qualified(&credentials.users)?,
        ));
    }
    for name in mapping.target_tables().into_iter().rev() {
        if *name == mapping.tenant.table {
            continue;
        }
        deletes.push(format!(
            "DELETE FROM {} WHERE {tenant_column} = {tenant_id}",
            qualified(name)?,
        ));
    }
    Ok(deletes)
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
