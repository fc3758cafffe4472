//! The catalog's internal consistency. Its agreement with the reference DDL
//! is checked on a real database in `tests/catalog.rs`, and with the encoder
//! in `render::tables`.

use std::collections::BTreeSet;

use super::*;

fn snake_case(camel: &str) -> String {
    let mut out = String::new();
    for (i, ch) in camel.chars().enumerate() {
        if ch.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(ch.to_ascii_lowercase());
    }
    out
}

#[test]
fn each_table_variant_indexes_its_own_declaration() {
    for t in Table::ALL {
        let def = t.def();
        let variant = snake_case(&format!("{t:?}"));
        // `PayrollRuns` is `payroll.runs`: the schema prefixes the name.
        let prefixed = format!("{}_{}", def.schema(), def.name());
        assert!(
            variant == def.name() || variant == prefixed,
            "{t:?} is declared as {}",
            def.qualified
        );
        assert!(def.dumped, "{t:?} must be dumped");
    }
    assert!(!API_TOKENS.dumped);
}

#[test]
fn names_are_unique() {
    let names: BTreeSet<&str> = all().map(|t| t.qualified).collect();
    assert_eq!(names.len(), all().count());
    for t in all() {
        let columns: BTreeSet<&str> = t.columns.iter().map(|c| c.name).collect();
        assert_eq!(columns.len(), t.columns.len(), "{}", t.qualified);
    }
}

#[test]
fn keys_and_foreign_keys_name_existing_columns() {
    for t in all() {
        assert!(!t.primary_key.is_empty(), "{} has no key", t.qualified);
        for k in t.primary_key.iter().chain([&t.tenant_column]) {
            let col = t.column(k);
            assert!(
                col.is_some(),
                "{}: key column {k} is not declared",
                t.qualified
            );
            assert!(
                col.is_some_and(|c| !c.nullable && c.in_dump()),
                "{}.{k}",
                t.qualified
            );
        }
        for fk in t.parents {
            for col in fk.columns(t) {
                assert!(
                    t.column(col).is_some(),
                    "{}: foreign-key column {col} is not declared",
                    t.qualified
                );
            }
            let parent = by_name(fk.parent)
                .unwrap_or_else(|| panic!("{}: parent {} is not declared", t.qualified, fk.parent));
            let parent_key: Vec<&str> = parent.primary_key.to_vec();
            assert_eq!(
                fk.parent_columns(),
                parent_key,
                "{} -> {}: a foreign key references the parent's primary key",
                t.qualified,
                fk.parent
            );
            let child = t.column(fk.column).map(|c| c.ty);
            assert_eq!(child, parent.column("id").map(|c| c.ty), "{}", t.qualified);
        }
    }
}

#[test]
fn parents_precede_children_in_dump_order() {
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    for t in all() {
        for fk in t.parents {
            assert!(
                fk.parent == t.qualified || seen.contains(fk.parent),
                "{} comes before its parent {}",
                t.qualified,
                fk.parent
            );
        }
        seen.insert(t.qualified);
    }
}

#[test]
fn generated_columns_come_last_and_every_tenant_table_is_scoped_by_company_id() {
    for t in all() {
        let first_generated = t.columns.iter().position(|c| !c.in_dump());
        if let Some(i) = first_generated {
            assert!(
                t.columns[i..].iter().all(|c| !c.in_dump()),
                "{}",
                t.qualified
            );
        }
        let expected = if t.qualified == "core.companies" {
            "id"
        } else {
            "company_id"
        };
        assert_eq!(t.tenant_column, expected, "{}", t.qualified);
    }
}

#[test]
fn dump_column_lists_identify_their_table() {
    for t in Table::ALL {
        let names: Vec<&str> = t.def().dump_columns().map(|c| c.name).collect();
        let found = by_dump_columns(&names).map(|d| d.qualified);
        assert_eq!(found, Some(t.def().qualified));
    }
    assert!(by_dump_columns(&["id", "nope"]).is_none());
}

#[test]
fn types_print_as_postgres_formats_them() {
    assert_eq!(Type::Money.sql(), "numeric(18,2)");
    assert_eq!(Type::Numeric(7, 4).sql(), "numeric(7,4)");
    assert_eq!(Type::Char(3).sql(), "character(3)");
    assert_eq!(Type::TextArray.sql(), "text[]");
}
