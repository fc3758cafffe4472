//! Load and reset: replace a demo tenant with a dump's snapshot.
//!
//! Input: the dump's bytes, a connection URL and [`Options`]. Output: an
//! [`Outcome`]. Invariants: the dump is parsed and checked before connecting;
//! everything else runs in one transaction under the company's advisory lock:
//! refuse a non-demo company, delete the tenant (children first, scoped by
//! company), reload the snapshot through COPY, issue credentials, write the
//! audit row. Credential files are renamed into place only after the commit.
//! A failure or a kill at any point before the commit leaves the tenant as it
//! was; a dry run rolls the transaction back and writes no files.

use std::time::Instant;

use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::audit::{self, AuditEntry};
use super::changes::{self, TesterChanges};
use super::credentials::{self, Issued, Policy};
use super::credentials_file::{CredentialOutputs, FileMeta};
use super::error::DbError;
use super::progress::Progress;
use super::test_hook::pause_point;
use super::{copy, credentials_store, dump, guard, lock};

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
    pub rows_loaded: u64,
    pub credentials_issued: usize,
    pub credential_mode: String,
    /// `None` when the tenant did not exist before.
    pub tester_changes: Option<TesterChanges>,
    pub audit_id: Option<i64>,
    pub files_written: Vec<std::path::PathBuf>,
    pub duration_ms: u64,
}

pub fn replace_tenant(
    url: &str,
    bytes: &[u8],
    options: &Options,
    progress: &Progress,
) -> Result<Outcome, DbError> {
    let started = Instant::now();
    let dump = dump::parse(bytes)?;
    let dump_sha256 = credentials::hex(&Sha256::digest(bytes));
    let ids = dump.header.company_ids();
    let personas = credentials::personas(&dump);
    let mut client = super::connect::connect(url)?;

    // bcrypt at Laravel's cost is the slowest step for a small tenant, so the
    // hashing runs on other cores while the database deletes and copies.
    std::thread::scope(|scope| {
        let hashing = (!options.dry_run)
            .then(|| scope.spawn(|| credentials::issue(&personas, &options.policy)));
        let join_hashing = move || -> Result<Vec<Issued>, DbError> {
            match hashing {
                Some(handle) => handle.join().map_err(|_| DbError::Credentials {
                    message: "the hashing thread panicked".to_owned(),
                })?,
                None => Ok(Vec::new()),
            }
        };

        let mut tx = client
            .transaction()
            .map_err(|e| DbError::from_pg("starting the transaction", e))?;
        progress.phase("locking");
        lock::lock_companies(&mut tx, &ids)?;
        pause_point("locked");
        let existed = guard::check_companies(&mut tx, &ids)?;

        progress.phase("deleting");
        let deleted = changes::delete_tenant(&mut tx, &dump, &ids)?;
        pause_point("deleted");

        progress.phase("copying");
        progress.set_total(dump.total_rows());
        let rows_loaded = copy::copy_blocks(&mut tx, &dump.blocks, progress)?;
        pause_point("copied");

        progress.phase("comparing");
        let tester_changes = if existed {
            Some(changes::summarise(&mut tx, &dump, &ids, &deleted)?)
        } else {
            None
        };

        progress.phase("credentials");
        let issued = join_hashing()?;
        credentials_store::store(&mut tx, &issued)?;
        pause_point("credentials");

        let credential_mode = options.policy.mode_label();
        let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
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
                    company_ids: &ids,
                    dump_sha256: &dump_sha256,
                    rows_deleted: deleted.rows,
                    rows_loaded,
                    credentials_issued: issued.len(),
                    credential_mode: &credential_mode,
                    duration_ms,
                    tester_changes: tester_changes.as_ref(),
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
            let staged = options.outputs.stage(&meta, &issued)?;
            pause_point("staged");
            tx.commit().map_err(|e| DbError::from_pg("committing", e))?;
            staged.publish()?
        };
        progress.finish();

        Ok(Outcome {
            action: options.action,
            dry_run: options.dry_run,
            scenario,
            company_ids: ids.clone(),
            dump_sha256: dump_sha256.clone(),
            rows_deleted: deleted.rows,
            rows_loaded,
            credentials_issued: if options.dry_run {
                personas.len()
            } else {
                issued.len()
            },
            credential_mode,
            tester_changes,
            audit_id,
            files_written,
            duration_ms,
        })
    })
}
