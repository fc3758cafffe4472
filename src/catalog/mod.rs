//! The table catalog: every table of demoforge's model, declared once.
//!
//! Input: nothing (pure, `const` data in [`reference`]). Output: for each
//! table its qualified name, its columns in dump order with a logical type
//! and nullability, its primary key, its tenant column and its parent foreign
//! keys. Everything else that names a table's shape derives from here: the
//! [`Table`] enum the simulation emits rows for, the dump's `COPY` column
//! lists (`render::tables`), delta keys (`render::delta`), the schema
//! template's tenant-table list (`render::schema_sql`) and the loader's
//! credential columns (`db::tables`).
//!
//! Invariants, each checked by a test: every parent exists and comes before
//! its children in [`Table::ALL`] (the dump's block order); every key and
//! foreign-key column exists; `render::tables::encode` writes exactly
//! `columns.len()` fields per row (unit test over a compiled scenario); and the
//! reference DDL (`templates/reference/schema.sql.j2`) agrees with the catalog
//! on a real PostgreSQL (`tests/catalog.rs`).
//!
//! Not to be confused with `simulate::catalog` (the chart of accounts and tax
//! codes) or `db::catalog` (a live database's tenant tables, read from its
//! system catalog).

mod reference;

pub use reference::{API_TOKENS, TABLES};

/// Every table the dump fills, in foreign-key order: the dump's block order.
/// `TABLES[t.index()]` is the declaration of `t`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Table {
    Companies,
    Users,
    Roles,
    RolePermissions,
    Memberships,
    Accounts,
    TaxRates,
    FiscalYears,
    Periods,
    BankAccounts,
    Products,
    Customers,
    Vendors,
    Employees,
    Invoices,
    InvoiceLines,
    CustomerPayments,
    PaymentAllocations,
    Bills,
    BillLines,
    VendorPayments,
    VendorPaymentAllocations,
    PayrollRuns,
    Payslips,
    TaxReturns,
    JournalEntries,
    JournalLines,
    Reconciliations,
    StatementLines,
    StockMovements,
}

impl Table {
    pub const ALL: [Table; 30] = [
        Table::Companies,
        Table::Users,
        Table::Roles,
        Table::RolePermissions,
        Table::Memberships,
        Table::Accounts,
        Table::TaxRates,
        Table::FiscalYears,
        Table::Periods,
        Table::BankAccounts,
        Table::Products,
        Table::Customers,
        Table::Vendors,
        Table::Employees,
        Table::Invoices,
        Table::InvoiceLines,
        Table::CustomerPayments,
        Table::PaymentAllocations,
        Table::Bills,
        Table::BillLines,
        Table::VendorPayments,
        Table::VendorPaymentAllocations,
        Table::PayrollRuns,
        Table::Payslips,
        Table::TaxReturns,
        Table::JournalEntries,
        Table::JournalLines,
        Table::Reconciliations,
        Table::StatementLines,
        Table::StockMovements,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    /// The table's declaration.
    pub fn def(self) -> &'static TableDef {
        &TABLES[self.index()]
    }

    /// The dumped table with this qualified name.
    pub fn by_name(qualified: &str) -> Option<Table> {
        Table::ALL
            .into_iter()
            .find(|t| t.def().qualified == qualified)
    }
}

/// A column's type as PostgreSQL spells it (`format_type`), which is also
/// how the dump encodes it in COPY text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    Uuid,
    Text,
    /// `char(n)`: country (2) and currency (3) codes, token hashes (64).
    Char(u8),
    Date,
    SmallInt,
    Integer,
    Boolean,
    /// `numeric(18, 2)`: money, from integer minor units.
    Money,
    /// `numeric(p, s)` other than money, e.g. a tax rate's percent.
    Numeric(u8, u8),
    /// `text[]`.
    TextArray,
    /// `timestamptz`: only in tables the loader fills, never in a dump.
    Timestamptz,
}

impl Type {
    /// The type as PostgreSQL's `format_type(atttypid, atttypmod)` prints it.
    pub fn sql(self) -> String {
        match self {
            Type::Uuid => "uuid".into(),
            Type::Text => "text".into(),
            Type::Char(n) => format!("character({n})"),
            Type::Date => "date".into(),
            Type::SmallInt => "smallint".into(),
            Type::Integer => "integer".into(),
            Type::Boolean => "boolean".into(),
            Type::Money => "numeric(18,2)".into(),
            Type::Numeric(p, s) => format!("numeric({p},{s})"),
            Type::TextArray => "text[]".into(),
            Type::Timestamptz => "timestamp with time zone".into(),
        }
    }
}

/// Who fills a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fill {
    /// The simulation: a field of the dump.
    Dump,
    /// A credential the loader issues: in the dump but always NULL, never
    /// overwritten by a delta, ignored when comparing a tenant.
    Credential,
    /// The database: a stored generated column, never in a dump.
    Generated,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub name: &'static str,
    pub ty: Type,
    pub nullable: bool,
    pub fill: Fill,
}

impl Column {
    /// Whether the dump carries a field for this column.
    pub fn in_dump(&self) -> bool {
        self.fill != Fill::Generated
    }
}

/// A foreign key to a parent table's primary key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForeignKey {
    pub column: &'static str,
    /// The parent's qualified name.
    pub parent: &'static str,
    /// `true`: `(tenant column, column)` references the parent's
    /// `(company_id, id)`, so a row can only point into its own company.
    /// `false`: `column` alone references the parent's `id`.
    pub scoped: bool,
}

impl ForeignKey {
    /// The referencing columns, as the DDL lists them.
    pub fn columns(&self, table: &TableDef) -> Vec<&'static str> {
        if self.scoped {
            vec![table.tenant_column, self.column]
        } else {
            vec![self.column]
        }
    }

    /// The referenced columns of the parent.
    pub fn parent_columns(&self) -> Vec<&'static str> {
        if self.scoped {
            vec!["company_id", "id"]
        } else {
            vec!["id"]
        }
    }
}

/// One table's declaration.
#[derive(Debug, Clone, Copy)]
pub struct TableDef {
    /// `schema.table`.
    pub qualified: &'static str,
    /// Columns in dump order; generated columns (never dumped) come last.
    pub columns: &'static [Column],
    pub primary_key: &'static [&'static str],
    /// The column that scopes a row to a company: `id` for companies.
    pub tenant_column: &'static str,
    pub parents: &'static [ForeignKey],
    /// Whether the dump carries the table (`core.api_tokens` is filled only
    /// by the loader).
    pub dumped: bool,
}

impl TableDef {
    pub fn schema(&self) -> &'static str {
        self.split().0
    }

    /// The table's name within its schema.
    pub fn name(&self) -> &'static str {
        self.split().1
    }

    fn split(&self) -> (&'static str, &'static str) {
        let q: &'static str = self.qualified;
        q.split_once('.').unwrap_or(("public", q))
    }

    /// The columns the dump's `COPY` lists, in order.
    pub fn dump_columns(&self) -> impl Iterator<Item = &'static Column> + use<> {
        let columns: &'static [Column] = self.columns;
        columns.iter().filter(|c| c.in_dump())
    }

    /// How many fields each of the table's dump rows has.
    pub fn dump_width(&self) -> usize {
        self.dump_columns().count()
    }

    pub fn column(&self, name: &str) -> Option<&'static Column> {
        let columns: &'static [Column] = self.columns;
        columns.iter().find(|c| c.name == name)
    }

    /// The tables a uuid column can point into: the table itself for `id`,
    /// the companies for the tenant column, its declared parent, or every
    /// parent of the generated `source_*_id` columns for a polymorphic
    /// `source_id`, and the companies (an opening balance's source is its
    /// company).
    pub fn pointed_tables(&self, column: &str) -> Vec<&'static str> {
        if column == "id" {
            return vec![self.qualified];
        }
        if column == self.tenant_column {
            return vec![Table::Companies.def().qualified];
        }
        let direct: Vec<&'static str> = self
            .parents
            .iter()
            .filter(|p| p.column == column)
            .map(|p| p.parent)
            .collect();
        if !direct.is_empty() || column != "source_id" {
            return direct;
        }
        self.parents
            .iter()
            .filter(|p| {
                self.column(p.column)
                    .is_some_and(|c| c.fill == Fill::Generated)
            })
            .map(|p| p.parent)
            .chain(std::iter::once(Table::Companies.def().qualified))
            .collect()
    }

    /// Whether the row-level-security policy and the `keep_company` trigger
    /// scope this table by `company_id` (companies are scoped by their `id`,
    /// which the schema handles apart).
    pub fn is_tenant_table(&self) -> bool {
        self.tenant_column == "company_id"
    }
}

/// Every declared table: the dumped ones in dump order, then the ones only
/// the loader fills. Parents come before children.
pub fn all() -> impl Iterator<Item = &'static TableDef> {
    TABLES.iter().chain(std::iter::once(&API_TOKENS))
}

/// The declaration of a table by its qualified name.
pub fn by_name(qualified: &str) -> Option<&'static TableDef> {
    all().find(|t| t.qualified == qualified)
}

/// The dumped table whose dump columns are exactly `columns`, in order: how
/// a dump whose template renamed the table is matched to its declaration.
pub fn by_dump_columns<S: AsRef<str>>(columns: &[S]) -> Option<&'static TableDef> {
    TABLES.iter().find(|t| {
        t.dump_width() == columns.len()
            && t.dump_columns()
                .zip(columns)
                .all(|(c, n)| c.name == n.as_ref())
    })
}

#[cfg(test)]
mod tests;
