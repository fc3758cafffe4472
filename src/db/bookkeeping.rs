//! DDL of demoforge's own tables, in the `demoforge` schema.
//!
//! Input: none. Output: idempotent DDL applied by `schema --apply` after the
//! reference schema. Invariant: nothing here references the tenant tables by
//! foreign key, so an audit row outlives the tenant rows it describes.
//!
//! The DDL is a constant here rather than a template because it belongs to the
//! tool, not to the application schema a team may override with `--templates`.

pub const BOOKKEEPING_SQL: &str = r#"
CREATE SCHEMA IF NOT EXISTS demoforge;

-- One row per company: which dump it was last loaded from.
CREATE TABLE IF NOT EXISTS demoforge.loads (
    company_id uuid PRIMARY KEY,
    scenario text NOT NULL,
    dump_sha256 char(64) NOT NULL,
    rows_loaded bigint NOT NULL,
    credential_mode text NOT NULL,
    loaded_at timestamptz NOT NULL,
    demoforge_version text NOT NULL
);

-- One row per load or reset, never updated.
CREATE TABLE IF NOT EXISTS demoforge.audit_log (
    id bigserial PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    action text NOT NULL CHECK (action IN ('load', 'reset')),
    operator text NOT NULL,
    scenario text NOT NULL,
    company_ids uuid[] NOT NULL,
    dump_sha256 char(64) NOT NULL,
    rows_deleted bigint NOT NULL,
    rows_loaded bigint NOT NULL,
    -- insert (first load), merge (only differing rows written) or full.
    strategy text NOT NULL,
    credentials_issued integer NOT NULL,
    credential_mode text NOT NULL,
    duration_ms bigint NOT NULL,
    tester_changes jsonb NOT NULL,
    demoforge_version text NOT NULL
);
-- The tenant's state after its last load or reset (`<scenario>@<as-of>#<hash>`):
-- a delta dump applies only on top of the state it was built from.
ALTER TABLE demoforge.loads ADD COLUMN IF NOT EXISTS state text;
CREATE INDEX IF NOT EXISTS audit_log_at ON demoforge.audit_log (at);
-- A mapped tenant's uuid -> id map, kept by its last load or reset (and
-- every delta since), so that a delta finds the rows it changes.
-- Keyed by company and uuid, and typed by the demoforge table the row came
-- from: a lookup never resolves another tenant's or another table's row.
CREATE TABLE IF NOT EXISTS demoforge.ids (
    company_id uuid NOT NULL,
    source text NOT NULL,
    uuid uuid NOT NULL,
    id bigint NOT NULL,
    PRIMARY KEY (company_id, uuid)
);
-- One index: the key serves the lookups and a reset's delete by company
-- (a second index made a laravel load about 10% slower).
"#;
