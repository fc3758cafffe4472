//! The tenant tables of the target database, in foreign-key order.
//!
//! Input: a connection. Output: every ordinary or partitioned table that has
//! a `company_id` column, plus `core.companies`, sorted so that a table comes
//! after every table it references ([`TenantTable`] list). Invariants: read
//! from the catalog, so tables the application adds are deleted and compared
//! too, and a schema change needs no demoforge change; `demoforge`'s own
//! schema and system schemas are never included; the order is deterministic.

use std::collections::{BTreeMap, BTreeSet};

use postgres::GenericClient;

use super::error::DbError;
use super::tables;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantTable {
    /// Qualified name, `schema.table`.
    pub name: String,
    /// `id` for `core.companies`, `company_id` elsewhere.
    pub company_column: &'static str,
}

const TABLES_SQL: &str = "\
    SELECT n.nspname || '.' || c.relname \
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
    WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition \
      AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'demoforge') \
      AND n.nspname NOT LIKE 'pg\\_%' \
      AND (EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid \
                   AND a.attname = 'company_id' AND NOT a.attisdropped) \
           OR (n.nspname = 'core' AND c.relname = 'companies'))";

const EDGES_SQL: &str = "\
    SELECT cn.nspname || '.' || cc.relname, pn.nspname || '.' || pc.relname \
    FROM pg_constraint k \
    JOIN pg_class cc ON cc.oid = k.conrelid JOIN pg_namespace cn ON cn.oid = cc.relnamespace \
    JOIN pg_class pc ON pc.oid = k.confrelid JOIN pg_namespace pn ON pn.oid = pc.relnamespace \
    WHERE k.contype = 'f'";

/// Parents first. The reverse is a valid delete order.
pub fn tenant_tables(client: &mut impl GenericClient) -> Result<Vec<TenantTable>, DbError> {
    let fail = |e| DbError::from_pg("reading the tenant tables from the catalog", e);
    let names: Vec<String> = client
        .query(TABLES_SQL, &[])
        .map_err(fail)?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let edges: Vec<(String, String)> = client
        .query(EDGES_SQL, &[])
        .map_err(fail)?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    Ok(parents_first(&names, &edges)
        .into_iter()
        .map(|name| TenantTable {
            company_column: tables::company_column(&name),
            name,
        })
        .collect())
}

/// Kahn's algorithm, taking ready tables by name so the order is stable.
/// Self-references are ignored (one DELETE handles them); tables left in a
/// cycle come last by name, and the database reports the violation if any.
fn parents_first(names: &[String], edges: &[(String, String)]) -> Vec<String> {
    let known: BTreeSet<&str> = names.iter().map(String::as_str).collect();
    let mut parents: BTreeMap<&str, BTreeSet<&str>> =
        known.iter().map(|n| (*n, BTreeSet::new())).collect();
    for (child, parent) in edges {
        if child != parent && known.contains(child.as_str()) && known.contains(parent.as_str()) {
            if let Some(set) = parents.get_mut(child.as_str()) {
                set.insert(parent.as_str());
            }
        }
    }
    let mut order: Vec<String> = Vec::with_capacity(names.len());
    loop {
        let ready: Vec<&str> = parents
            .iter()
            .filter(|(_, p)| p.is_empty())
            .map(|(n, _)| *n)
            .collect();
        if ready.is_empty() {
            break;
        }
        for name in ready {
            parents.remove(name);
            for set in parents.values_mut() {
                set.remove(name);
            }
            order.push(name.to_owned());
        }
    }
    order.extend(parents.keys().map(|n| (*n).to_owned()));
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| (*x).to_owned()).collect()
    }

    fn e(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    #[test]
    fn parents_come_before_children_and_outsiders_are_ignored() {
        let names = s(&[
            "sales.lines",
            "core.companies",
            "sales.invoices",
            "a.unrelated",
        ]);
        let edges = e(&[
            ("sales.lines", "sales.invoices"),
            ("sales.invoices", "core.companies"),
            ("sales.invoices", "sales.invoices"),
            ("sales.lines", "public.outside"),
        ]);
        let order = parents_first(&names, &edges);
        assert_eq!(
            order,
            s(&[
                "a.unrelated",
                "core.companies",
                "sales.invoices",
                "sales.lines"
            ])
        );
    }

    #[test]
    fn a_cycle_still_lists_every_table() {
        let names = s(&["x.a", "x.b", "x.c"]);
        let edges = e(&[("x.a", "x.b"), ("x.b", "x.a")]);
        assert_eq!(parents_first(&names, &edges), s(&["x.c", "x.a", "x.b"]));
    }
}
