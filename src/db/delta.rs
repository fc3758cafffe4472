//! Applying a delta dump (travel, tick or overlay) on top of a loaded tenant.
//!
//! Input: the delta's bytes, a connection URL and the operator. Output: an
//! [`Outcome`] with strategy `delta`. Invariants: the delta is parsed and
//! checked before connecting (every row carries a company of its header);
//! then, in one transaction under the company's advisory lock, the companies
//! must exist, be demo companies and be recorded in `demoforge.loads` in the
//! delta's `applies-to` state, or nothing is written (exit code 4). The rows,
//! the new state (`results-in`) and the audit row commit together, so a delta
//! applied twice is refused by the same rule. Credentials are left as they are.
//! A transaction PostgreSQL aborts for a deadlock runs again, up to 5 times.
//! A refusal names the situation ([`explain`]): already applied, an overlay
//! that must come first, a tenant past or behind the delta's week, another
//! base build; with the fix for that situation.

use std::time::Instant;

use sha2::{Digest, Sha256};

use super::audit::{self, AuditEntry};
use super::error::DbError;
use super::progress::Progress;
use super::replace::{Action, Outcome, Strategy, with_retries};
use super::{catalog, copy, credentials, dump, guard, lock};

pub fn apply_delta(
    url: &str,
    bytes: &[u8],
    operator: &str,
    progress: &Progress,
    mapping: Option<(&crate::target::Mapping, &str)>,
) -> Result<Outcome, DbError> {
    let started = Instant::now();
    let dump = dump::parse_for(bytes, mapping)?;
    let Some(delta) = dump.delta.clone() else {
        return Err(DbError::Refused {
            message: "this is a base dump, not a delta".to_owned(),
            help: "load base dumps with `demoforge load` or `demoforge reset`".to_owned(),
        });
    };
    let dump_sha256 = credentials::hex(&Sha256::digest(bytes));
    let ids = dump.header.company_ids();
    let (mut client, server) = super::connect::connect(url)?;
    // A deadlock or serialization failure rolls everything back: run the
    // whole transaction again (see `replace::with_retries`).
    let outcome = with_retries(|| -> Result<Outcome, DbError> {
        progress.phase("begin");
        let mut tx = client
            .transaction()
            .map_err(|e| DbError::from_pg("starting the transaction", e))?;
        if let Some((mapping, _)) = mapping {
            // As for a mapped load: literals read as written, `{timestamp}`
            // values in the mapping's zone, the mapping fits the tables.
            tx.batch_execute("SET LOCAL standard_conforming_strings = on")
                .map_err(|e| DbError::from_pg("setting standard_conforming_strings", e))?;
            tx.execute(
                "SELECT set_config('TimeZone', $1, true)",
                &[&mapping.time_zone],
            )
            .map_err(|e| DbError::from_pg("setting the time zone", e))?;
            super::mapped::check_mapping(&mut tx, mapping)?;
            // A delta updates rows one by one: a renumbering (an overlay)
            // passes through duplicates that are gone by the commit, where
            // deferrable unique constraints are checked.
            tx.batch_execute("SET CONSTRAINTS ALL DEFERRED")
                .map_err(|e| DbError::from_pg("deferring constraints", e))?;
        }
        progress.phase("locking");
        lock::lock_companies(&mut tx, &ids)?;
        let exists = match mapping {
            Some((mapping, _)) => super::mapped::check_tenants(&mut tx, mapping, &ids)?,
            None => guard::check_companies(&mut tx, &ids)?,
        };
        if !exists {
            return Err(refusal(explain(None, &delta.applies_to, &delta.results_in)));
        }
        let credential_mode = check_state(&mut tx, &ids, &delta)?;
        if mapping.is_none() {
            let tenant = catalog::tenant_tables(&mut tx)?;
            guard::check_tables(&dump, &tenant)?;
        }

        progress.add_total(dump.total_rows());
        progress.phase("applying");
        let (mut deleted, mut written) = (0, 0);
        for block in &dump.blocks {
            let op = block.op.expect("delta blocks have an op");
            let phase = format!("applying the delta to {}", block.table);
            let mapped = match mapping {
                Some((mapping, name)) => Some(crate::render::delta::MappedDelta {
                    mapping,
                    name,
                    as_of: mapped_as_of(&dump)?,
                }),
                None => None,
            };
            let (before, after) = crate::render::delta::section_statements(
                op,
                &block.table,
                &block.columns,
                mapped.as_ref(),
            )
            .map_err(|e| DbError::Refused {
                message: e.to_string(),
                help: "rebuild the delta for this target; nothing was written".to_owned(),
            })?;
            for statement in &before {
                tx.batch_execute(statement)
                    .map_err(|e| DbError::from_pg(&phase, e))?;
            }
            let temp = crate::render::delta::temp_table(op, &block.table);
            copy::copy_block_into(&mut tx, block, &temp, progress)?;
            let mut changed = 0;
            for (i, statement) in after.iter().enumerate() {
                let rows = tx
                    .execute(statement.as_str(), &[])
                    .map_err(|e| DbError::from_pg(&phase, e))?;
                // The reference's first statement writes the rows; a staged
                // target's rows are written by its statements into the
                // target's own tables (not the id map, not the temp table).
                let counts = match mapped {
                    None => i == 0,
                    Some(_) => {
                        (statement.starts_with("INSERT INTO ")
                            || statement.starts_with("DELETE FROM "))
                            && !statement.starts_with("DELETE FROM demoforge.ids ")
                            && !statement.starts_with("INSERT INTO demoforge.ids ")
                    }
                };
                if counts {
                    changed += rows;
                }
            }
            match op {
                dump::Op::Remove => deleted += changed,
                dump::Op::Upsert => written += changed,
            }
        }

        progress.phase("audit");
        let scenario = dump.header.scenario().to_owned();
        let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let audit_id = audit::write(
            &mut tx,
            &AuditEntry {
                action: Action::Load.as_str(),
                operator,
                scenario: &scenario,
                company_ids: &ids,
                dump_sha256: &dump_sha256,
                rows_deleted: deleted,
                rows_loaded: written,
                strategy: Strategy::Delta.as_str(),
                credentials_issued: 0,
                credential_mode: &credential_mode,
                duration_ms,
                tester_changes: None,
                replaced_unsummarised: false,
                state: &delta.results_in,
            },
        )?;
        progress.phase("commit");
        tx.commit().map_err(|e| DbError::from_pg("committing", e))?;
        Ok(Outcome {
            action: Action::Load,
            dry_run: false,
            scenario,
            company_ids: ids.clone(),
            dump_sha256: dump_sha256.clone(),
            rows_deleted: deleted,
            rows_loaded: written,
            strategy: Strategy::Delta,
            credentials_issued: 0,
            credential_mode,
            tester_changes: None,
            audit_id: Some(audit_id),
            files_written: Vec::new(),
            duration_ms,
            server: server.clone(),
        })
    })?;
    progress.finish();
    Ok(outcome)
}

/// The as-of date of a staged target's delta (its `-- as-of:` line, which
/// `dump::parse_for` has checked).
fn mapped_as_of(dump: &dump::Dump<'_>) -> Result<chrono::NaiveDate, DbError> {
    dump.header
        .get("as-of")
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .ok_or_else(|| DbError::Refused {
            message: "the delta has no as-of date".to_owned(),
            help: "rebuild the delta with `demoforge tick|overlay|build --target`".to_owned(),
        })
}

/// Every company must be recorded in `applies_to`; returns the credential
/// mode of the last load, which a delta keeps.
fn check_state(
    tx: &mut postgres::Transaction<'_>,
    ids: &[uuid::Uuid],
    delta: &dump::DeltaInfo,
) -> Result<String, DbError> {
    let mut mode = String::new();
    for id in ids {
        let row = tx
            .query_opt(
                "SELECT state, credential_mode FROM demoforge.loads WHERE company_id = $1 FOR UPDATE",
                &[id],
            )
            .map_err(|e| DbError::from_pg("reading the tenant's state", e))?;
        let (state, credential_mode): (Option<String>, String) = match row {
            Some(row) => (row.get(0), row.get(1)),
            None => (None, String::new()),
        };
        if state.as_deref() != Some(delta.applies_to.as_str()) {
            let current = Some(state.as_deref().unwrap_or(""));
            let (message, help) = explain(current, &delta.applies_to, &delta.results_in);
            return Err(refusal((format!("company {id}: {message}"), help)));
        }
        mode = credential_mode;
    }
    Ok(mode)
}

fn refusal((message, help): (String, String)) -> DbError {
    DbError::Refused {
        message,
        help: format!("{help}. Nothing was written."),
    }
}

/// A state string split into its base (`scenario@as_of#hash`) and overlays.
struct State<'a> {
    scenario: &'a str,
    as_of: &'a str,
    hash: &'a str,
    overlays: Vec<&'a str>,
}

fn split_state(text: &str) -> State<'_> {
    let mut parts = text.split('+');
    let base = parts.next().unwrap_or("");
    let (scenario, rest) = base.split_once('@').unwrap_or((base, ""));
    let (as_of, hash) = rest.split_once('#').unwrap_or((rest, ""));
    State {
        scenario,
        as_of,
        hash,
        overlays: parts.collect(),
    }
}

/// The refusal's message and fix for a tenant at `current` (`None`: no
/// tenant; empty: no recorded state) and a delta from `applies_to` to
/// `results_in`. States are quoted whole, so they are never cut mid-token.
pub fn explain(current: Option<&str>, applies_to: &str, results_in: &str) -> (String, String) {
    let needs = format!("the delta applies to state {applies_to}");
    let Some(current) = current else {
        return (
            format!("the tenant does not exist in this database; {needs}"),
            "check --database-url, then load or reset the base dump the delta was built from (generated/<scenario>/base-demo.sql) and apply the delta once".to_owned(),
        );
    };
    if current.is_empty() {
        return (
            format!(
                "the tenant has no recorded state (loaded before states were recorded); {needs}"
            ),
            "reset the tenant to the base dump the delta was built from, then apply the delta"
                .to_owned(),
        );
    }
    if current == results_in {
        return (
            format!(
                "this delta was already applied: the tenant is at state {current}, which is what it results in ({needs})"
            ),
            "nothing to do; to apply it again, reset the tenant to the base dump first".to_owned(),
        );
    }
    let (have, want) = (split_state(current), split_state(applies_to));
    let situation = format!("the tenant is at state {current}, but {needs}");
    let help = if have.scenario != want.scenario {
        format!(
            "the tenant is scenario {}, the delta is for {}: check --database-url and the delta file",
            have.scenario, want.scenario
        )
    } else if have.hash != want.hash {
        "the tenant was loaded from another build of the base dump (the hash after # differs): rebuild the delta from the spec and templates that built the tenant, or reset the tenant to this spec's base dump and apply the delta".to_owned()
    } else if have.as_of != want.as_of {
        week_help(&have, &want)
    } else {
        overlay_help(&have.overlays, &want.overlays)
    };
    (situation, help)
}

fn week_help(have: &State<'_>, want: &State<'_>) -> String {
    if have.as_of < want.as_of {
        format!(
            "the tenant's books end on {}, the delta starts from {}: apply the ticks for the weeks in between first, in order",
            have.as_of, want.as_of
        )
    } else {
        format!(
            "the tenant's books already end on {}, after the {} this delta starts from: it was applied or overtaken; reset to the base dump to start over",
            have.as_of, want.as_of
        )
    }
}

fn overlay_help(have: &[&str], want: &[&str]) -> String {
    let after = |names: &[&str]| -> String {
        names
            .iter()
            .map(|n| format!("--after {n}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    if want.starts_with(have) {
        format!(
            "overlay {} must come first: apply its overlay delta, or rebuild this delta {}",
            want[have.len()..].join(", then "),
            if have.is_empty() {
                "without --after".to_owned()
            } else {
                format!("with {}", after(have))
            }
        )
    } else if have.starts_with(want) {
        format!(
            "the tenant already has overlay {}: rebuild this delta with {}",
            have[want.len()..].join(" and "),
            after(have)
        )
    } else {
        format!(
            "the tenant has overlays [{}], the delta expects [{}]: rebuild it with {}, or reset the tenant and apply the overlays in order",
            have.join(", "),
            want.join(", "),
            after(have)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::explain;

    const BASE: &str = "acme@2026-01-31#0123456789abcdef";

    fn help(current: Option<&str>, applies_to: &str, results_in: &str) -> String {
        let (message, help) = explain(current, applies_to, results_in);
        assert!(
            message.contains(&format!("applies to state {applies_to}")),
            "{message}"
        );
        help
    }

    #[test]
    fn each_refusal_names_its_situation_and_fix() {
        let twice = explain(Some(&format!("{BASE}+a")), BASE, &format!("{BASE}+a"));
        assert!(twice.0.contains("already applied"), "{twice:?}");
        assert!(twice.1.starts_with("nothing to do"), "{twice:?}");

        let h = help(Some(BASE), &format!("{BASE}+a+b"), &format!("{BASE}+a+b+c"));
        assert!(h.starts_with("overlay a, then b must come first"), "{h}");
        assert!(h.contains("without --after"), "{h}");

        let h = help(Some(&format!("{BASE}+a")), BASE, &format!("{BASE}+b"));
        assert!(
            h.contains("already has overlay a: rebuild this delta with --after a"),
            "{h}"
        );

        let h = help(
            Some(&format!("{BASE}+b")),
            &format!("{BASE}+a"),
            &format!("{BASE}+a+c"),
        );
        assert!(h.contains("[b], the delta expects [a]"), "{h}");

        let later = "acme@2026-02-07#0123456789abcdef";
        let h = help(Some(BASE), later, "acme@2026-02-14#0123456789abcdef");
        assert!(h.contains("weeks in between"), "{h}");
        let h = help(Some("acme@2026-02-14#0123456789abcdef"), later, "x");
        assert!(h.contains("already end on 2026-02-14"), "{h}");

        let h = help(Some("acme@2026-01-31#ffffffffffffffff"), BASE, "x");
        assert!(h.contains("another build of the base dump"), "{h}");
        let h = help(Some("other@2026-01-31#0123456789abcdef"), BASE, "x");
        assert!(h.contains("scenario other"), "{h}");

        assert!(help(None, BASE, "x").contains("load or reset the base dump"));
        assert!(explain(Some(""), BASE, "x").0.contains("no recorded state"));
    }
}
