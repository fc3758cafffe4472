//! Load and reset: bring a demo tenant to a dump's snapshot.
//!
//! Input: the dump's bytes, a connection URL and [`Options`]. Output: an
//! [`Outcome`]. Invariants: the dump is parsed and checked before connecting;
//! everything else runs in one transaction under the company's advisory lock:
//! refuse a non-demo company; lock every row of the tenant (`lock.rs`, so the
//! application's writes wait for the commit); if the tenant exists, stage the snapshot in temp
//! tables, summarise what testers changed, then restore the snapshot (merge,
//! or delete-and-copy on a constraint clash); otherwise COPY it in. Then
//! store fresh credential hashes and write the audit row. Credential files are
//! renamed into place only after the commit. A failure or a kill at any point
//! before the commit leaves the tenant as it was; a dry run rolls back and
//! writes no files.

use std::time::Instant;

use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::audit::{self, AuditEntry};
use super::catalog::{self, TenantTable};
use super::credentials::{self, Issued, Policy};
use super::credentials_file::{CredentialOutputs, FileMeta};
use super::error::DbError;
use super::merge::{self, Written};
use super::progress::Progress;
use super::snapshot::{self, Snapshot, TesterChanges};
use super::test_hook::pause_point;
use super::{copy, credentials_store, dump, guard, lock};

/// How the tenant was brought to the snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// The companies did not exist: the snapshot was copied in.
    Insert,
    /// Only rows that differ from the snapshot were written or deleted.
    Merge,
    /// The merge hit a constraint; the tenant was deleted and copied in.
    Full,
    /// A delta dump was applied on top of the tenant's recorded state.
    Delta,
}

impl Strategy {
    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::Insert => "insert",
            Strategy::Merge => "merge",
            Strategy::Full => "full",
            Strategy::Delta => "delta",
        }
    }
}

struct Plan {
    strategy: Strategy,
    written: Written,
    tester_changes: Option<TesterChanges>,
}

/// Merges in a savepoint; on a constraint violation, rolls the merge back and
/// replaces the whole tenant instead. Both leave exactly the snapshot: the
/// tenant was frozen before the comparison, so the application cannot change
/// it between the comparison and the commit (see `lock.rs`).
fn restore(
    tx: &mut postgres::Transaction<'_>,
    dump: &dump::Dump<'_>,
    tenant: &[TenantTable],
    snapshot: &Snapshot,
    changes: &TesterChanges,
    ids: &[Uuid],
    progress: &Progress,
) -> Result<(Strategy, Written), DbError> {
    let mut savepoint = tx
        .savepoint("demoforge_merge")
        .map_err(|e| DbError::from_pg("starting the merge", e))?;
    match merge::merge(&mut savepoint, tenant, snapshot, changes, ids) {
        Ok(written) => {
            savepoint
                .commit()
                .map_err(|e| DbError::from_pg("finishing the merge", e))?;
            pause_point("deleted");
            pause_point("copied");
            Ok((Strategy::Merge, written))
        }
        Err(e) if e.is_constraint_violation() => {
            drop(savepoint);
            progress.phase("deleting");
            let deleted = merge::delete_all(tx, tenant, ids)?;
            pause_point("deleted");
            progress.phase("copying");
            progress.add_total(dump.total_rows());
            let written = copy::copy_blocks(tx, &dump.blocks, progress)?;
            pause_point("copied");
            Ok((Strategy::Full, Written { deleted, written }))
        }
        Err(e) => Err(e),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Load,
    Reset,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Load => "load",
            Action::Reset => "reset",
        }
    }
}

pub struct Options {
    pub action: Action,
    pub operator: String,
    pub dry_run: bool,
    pub policy: Policy,
    pub outputs: CredentialOutputs,
}

#[derive(Debug)]
pub struct Outcome {
    pub action: Action,
    pub dry_run: bool,
    pub scenario: String,
    pub company_ids: Vec<Uuid>,
    pub dump_sha256: String,
    pub rows_deleted: u64,
    /// Rows written from the snapshot: all of them for a first load or a full
    /// replace, only the changed and missing ones for a merge.
    pub rows_loaded: u64,
    pub strategy: Strategy,
    pub credentials_issued: usize,
    pub credential_mode: String,
    /// `None` when the tenant did not exist before.
    pub tester_changes: Option<TesterChanges>,
    pub audit_id: Option<i64>,
    pub files_written: Vec<std::path::PathBuf>,
    pub duration_ms: u64,
    /// The server the run was connected to.
    pub server: super::connect::Server,
}

pub fn replace_tenant(
    url: &str,
    bytes: &[u8],
    options: &Options,
    progress: &Progress,
) -> Result<Outcome, DbError> {
    let started = Instant::now();
    let dump = dump::parse(bytes)?;
    if let Some(delta) = &dump.delta {
        return Err(DbError::Refused {
            message: format!(
                "this is a {} delta dump ({}), not a base dump",
                delta.kind, delta.label
            ),
            help: "apply a delta with `demoforge load DELTA` on top of the tenant it was built from; reset takes a base dump or a spec. Nothing was written.".to_owned(),
        });
    }
    let dump_sha256 = credentials::hex(&Sha256::digest(bytes));
    let run = Run {
        state: dump::base_state(&dump, &dump_sha256),
        ids: dump.header.company_ids(),
        personas: credentials::personas(&dump),
        dump,
        dump_sha256,
        options,
        started,
    };
    options.outputs.check(&run.personas)?;
    let (mut client, server) = super::connect::connect(url)?;

    // bcrypt at Laravel's cost is the slowest step for a small tenant, so the
    // hashing runs on other cores while the database deletes and copies. It
    // runs once: a retried transaction stores the same credentials.
    std::thread::scope(|scope| {
        let mut hashing = Hashing {
            running: (!options.dry_run)
                .then(|| scope.spawn(|| credentials::issue(&run.personas, &options.policy))),
            issued: Vec::new(),
        };
        let outcome = with_retries(|| attempt(&mut client, &server, &run, &mut hashing, progress))?;
        progress.finish();
        Ok(outcome)
    })
}

/// What every attempt at the transaction works from.
struct Run<'a> {
    dump: dump::Dump<'a>,
    dump_sha256: String,
    state: String,
    ids: Vec<Uuid>,
    personas: Vec<credentials::Persona>,
    options: &'a Options,
    started: Instant,
}

/// The credentials being hashed on another thread, joined at first use.
pub(super) struct Hashing<'scope> {
    pub(super) running: Option<std::thread::ScopedJoinHandle<'scope, Result<Vec<Issued>, DbError>>>,
    pub(super) issued: Vec<Issued>,
}

impl Hashing<'_> {
    pub(super) fn get(&mut self) -> Result<&[Issued], DbError> {
        if let Some(handle) = self.running.take() {
            self.issued = handle.join().map_err(|_| DbError::Credentials {
                message: "the hashing thread panicked".to_owned(),
            })??;
        }
        Ok(&self.issued)
    }
}

/// How many times a load or reset runs its transaction when PostgreSQL
/// aborts it for a deadlock or a serialization failure.
pub const MAX_ATTEMPTS: u32 = 5;

/// Runs `attempt` again, after a short pause, when PostgreSQL aborted it
/// with SQLSTATE 40P01 or 40001: the transaction was rolled back, so the
/// next attempt rebuilds everything from the start. Each retry is reported
/// on stderr; after [`MAX_ATTEMPTS`] the error names the likely cause.
pub fn with_retries<T>(mut attempt: impl FnMut() -> Result<T, DbError>) -> Result<T, DbError> {
    let mut n = 1;
    loop {
        match attempt() {
            Err(e) if e.is_transient() && n < MAX_ATTEMPTS => {
                let pause = std::time::Duration::from_millis(100 << (n - 1));
                eprintln!(
                    "demoforge: attempt {n} of {MAX_ATTEMPTS} rolled back: {e}; retrying in {} ms",
                    pause.as_millis()
                );
                std::thread::sleep(pause);
                n += 1;
            }
            Err(e) if e.is_transient() => return Err(e.gave_up_after(MAX_ATTEMPTS)),
            other => return other,
        }
    }
}

/// One whole transaction: lock, check, bring the tenant to the snapshot,
/// store credentials, audit, commit (with the credential files).
fn attempt(
    client: &mut postgres::Client,
    server: &super::connect::Server,
    run: &Run<'_>,
    hashing: &mut Hashing<'_>,
    progress: &Progress,
) -> Result<Outcome, DbError> {
    let (dump, ids, options) = (&run.dump, &run.ids, run.options);
    progress.phase("begin");
    let mut tx = client
        .transaction()
        .map_err(|e| DbError::from_pg("starting the transaction", e))?;
    progress.phase("locking");
    lock::lock_companies(&mut tx, ids)?;
    pause_point("locked");
    let existed = guard::check_companies(&mut tx, ids)?;
    let emails: Vec<String> = run.personas.iter().map(|p| p.email.clone()).collect();
    guard::check_emails(&mut tx, &emails, ids)?;
    let tenant = catalog::tenant_tables(&mut tx)?;
    guard::check_tables(dump, &tenant)?;
    progress.phase("freezing");
    lock::freeze_tenant(&mut tx, &tenant, ids)?;
    pause_point("frozen");

    let plan = bring_to_snapshot(&mut tx, dump, &tenant, ids, existed, progress)?;
    progress.phase("hashing");
    let issued = hashing.get()?;
    progress.phase("credentials");
    credentials_store::store(&mut tx, issued)?;
    pause_point("credentials");
    progress.phase("audit");

    let credential_mode = options.policy.mode_label();
    let duration_ms = u64::try_from(run.started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let scenario = dump.header.scenario().to_owned();
    let audit_id = if options.dry_run {
        None
    } else {
        Some(audit::write(
            &mut tx,
            &AuditEntry {
                action: options.action.as_str(),
                operator: &options.operator,
                scenario: &scenario,
                company_ids: ids,
                dump_sha256: &run.dump_sha256,
                rows_deleted: plan.written.deleted,
                rows_loaded: plan.written.written,
                strategy: plan.strategy.as_str(),
                credentials_issued: issued.len(),
                credential_mode: &credential_mode,
                duration_ms,
                tester_changes: plan.tester_changes.as_ref(),
                replaced_unsummarised: false,
                state: &run.state,
            },
        )?)
    };
    pause_point("audited");

    let files_written = if options.dry_run {
        tx.rollback()
            .map_err(|e| DbError::from_pg("rolling back the dry run", e))?;
        Vec::new()
    } else {
        let meta = FileMeta {
            scenario: &scenario,
            credential_mode: &credential_mode,
            issued_at: chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now())
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        };
        commit_with_files(tx, &options.outputs, &meta, issued, progress)?
    };

    Ok(Outcome {
        action: options.action,
        dry_run: options.dry_run,
        scenario,
        company_ids: ids.clone(),
        dump_sha256: run.dump_sha256.clone(),
        rows_deleted: plan.written.deleted,
        rows_loaded: plan.written.written,
        strategy: plan.strategy,
        credentials_issued: if options.dry_run {
            run.personas.len()
        } else {
            issued.len()
        },
        credential_mode,
        tester_changes: plan.tester_changes,
        audit_id,
        files_written,
        duration_ms,
        server: server.clone(),
    })
}

/// Restores an existing tenant from a staged snapshot, or copies a new one in.
fn bring_to_snapshot(
    tx: &mut postgres::Transaction<'_>,
    dump: &dump::Dump<'_>,
    tenant: &[TenantTable],
    ids: &[Uuid],
    existed: bool,
    progress: &Progress,
) -> Result<Plan, DbError> {
    progress.add_total(dump.total_rows());
    if !existed {
        progress.phase("copying");
        pause_point("deleted");
        let rows = copy::copy_blocks(tx, &dump.blocks, progress)?;
        pause_point("copied");
        return Ok(Plan {
            strategy: Strategy::Insert,
            written: Written {
                deleted: 0,
                written: rows,
            },
            tester_changes: None,
        });
    }
    progress.phase("staging");
    let snapshot = snapshot::stage(tx, &dump.blocks, progress)?;
    progress.phase("comparing");
    let changes = snapshot::summarise(tx, tenant, &snapshot, ids)?;
    pause_point("compared");
    progress.phase("merging");
    let (strategy, written) = restore(tx, dump, tenant, &snapshot, &changes, ids, progress)?;
    Ok(Plan {
        strategy,
        written,
        tester_changes: Some(changes),
    })
}

/// Stages the credential files, commits, then renames the files into place,
/// so the files on disk always match what the database holds.
pub(super) fn commit_with_files(
    tx: postgres::Transaction<'_>,
    outputs: &CredentialOutputs,
    meta: &FileMeta<'_>,
    issued: &[Issued],
    progress: &Progress,
) -> Result<Vec<std::path::PathBuf>, DbError> {
    commit_then_publish(
        || tx.commit().map_err(|e| DbError::from_pg("committing", e)),
        outputs,
        meta,
        issued,
        progress,
    )
}

/// [`commit_with_files`] for any database: `commit` commits the run.
pub(super) fn commit_then_publish(
    commit: impl FnOnce() -> Result<(), DbError>,
    outputs: &CredentialOutputs,
    meta: &FileMeta<'_>,
    issued: &[Issued],
    progress: &Progress,
) -> Result<Vec<std::path::PathBuf>, DbError> {
    let staged = outputs.stage(meta, issued)?;
    pause_point("staged");
    progress.phase("commit");
    commit()?;
    // The database already holds the new hashes: say so, because the operator
    // must run the reset again to get a matching file.
    staged.publish().map_err(|e| match e {
        DbError::Write { path, message } => DbError::Write {
            path,
            message: format!(
                "{message} (after the commit: the database has new credentials; run the reset again to get a file that matches)"
            ),
        },
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aborted(code: &str) -> DbError {
        DbError::Query {
            phase: "locking".to_owned(),
            message: "deadlock detected".to_owned(),
            help: String::new(),
            code: Some(code.to_owned()),
        }
    }

    #[test]
    fn transient_failures_are_retried_a_bounded_number_of_times() {
        let mut calls = 0;
        let result: Result<(), DbError> = with_retries(|| {
            calls += 1;
            Err(aborted("40P01"))
        });
        assert_eq!(calls, MAX_ATTEMPTS);
        let Err(DbError::Query { help, .. }) = result else {
            panic!("expected the deadlock error");
        };
        assert!(help.contains("the application held locks"), "{help}");
        assert!(help.contains("5 times"), "{help}");

        let mut calls = 0;
        let result = with_retries(|| {
            calls += 1;
            if calls < 3 {
                Err(aborted("40001"))
            } else {
                Ok(calls)
            }
        });
        assert_eq!(result.unwrap(), 3);

        let mut calls = 0;
        let result: Result<(), DbError> = with_retries(|| {
            calls += 1;
            Err(aborted("23505"))
        });
        assert!(result.is_err());
        assert_eq!(calls, 1, "other failures are not retried");
    }
}
