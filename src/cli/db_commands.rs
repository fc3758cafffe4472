//! The database commands: `schema --apply`, `load` and `reset`.
//!
//! Input: parsed arguments and the environment (`DATABASE_URL`,
//! `DEMOFORGE_CREDENTIAL_SECRET`). Output: an exit code, a human summary or a
//! one-line JSON summary on stdout, diagnostics on stderr. Invariant: no
//! credential plaintext is ever printed.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use super::exit;
use crate::db::{
    Action, CredentialOutputs, DEFAULT_BCRYPT_COST, DbError, Options, Outcome, Policy, Progress,
    Rotation, Secret, Source,
};
use crate::target::Dialect;

/// Where `schema` applies its DDL instead of printing it.
#[derive(Debug, Args)]
pub struct SchemaTarget {
    /// Apply the schema and demoforge's bookkeeping tables to the database.
    #[arg(long, requires = "database_url")]
    pub apply: bool,
    /// Connection URL (or DATABASE_URL): postgresql://… or, for a MySQL
    /// target, mysql://user:password@host:port/database.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
}

pub fn schema_apply(templates: &super::target_args::TargetArgs, target: &SchemaTarget) -> ExitCode {
    let Some(url) = target.database_url.as_deref() else {
        return usage("--apply needs --database-url or DATABASE_URL");
    };
    let target = match templates.load().and_then(|set| {
        let ddl = crate::render::schema_sql(&set).map_err(miette::Report::new)?;
        Ok((ddl, set))
    }) {
        Ok(target) => target,
        Err(report) => {
            eprintln!("{report:?}");
            return ExitCode::from(exit::INVALID_INPUT);
        }
    };
    let (ddl, set) = target;
    if let Err(report) = check_dialect(url, Some(set.mapping())) {
        eprintln!("{report:?}");
        return ExitCode::from(exit::INVALID_INPUT);
    }
    let applied = match set.mapping().dialect {
        Dialect::Mysql => crate::db::mysql::apply_schema_mysql(url, &ddl, set.mapping()),
        Dialect::Postgres => crate::db::apply_schema(url, &ddl, set.mapping()),
    };
    match applied {
        Ok(()) => {
            say!("schema applied");
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

fn usage(message: &str) -> ExitCode {
    let report = miette::miette!(
        help = "pass --database-url postgresql://user@host/db or set DATABASE_URL",
        "{message}"
    );
    eprintln!("{report:?}");
    ExitCode::from(exit::INVALID_INPUT)
}

fn fail(e: DbError) -> ExitCode {
    let code = e.exit_code();
    eprintln!("{:?}", miette::Report::new(e));
    ExitCode::from(code)
}

/// Options shared by `load` and `reset`.
#[derive(Debug, Args)]
pub struct TenantArgs {
    /// Connection URL (or DATABASE_URL): postgresql://… or, for a MySQL
    /// target, mysql://user:password@host:port/database.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Who runs this, recorded in the audit log (or DEMOFORGE_OPERATOR).
    #[arg(long, env = "DEMOFORGE_OPERATOR")]
    pub operator: Option<String>,
    /// Write the personas' plaintext credentials here, as JSON with mode 0600.
    #[arg(long, value_name = "FILE")]
    pub credentials_out: Option<PathBuf>,
    /// Also write one Postman environment per persona into this folder (mode 0600).
    #[arg(long, value_name = "DIR")]
    pub postman_out: Option<PathBuf>,
    /// The application's base URL, written into the credentials and Postman files.
    #[arg(
        long,
        env = "DEMOFORGE_BASE_URL",
        default_value = "http://localhost:8000"
    )]
    pub base_url: String,
    /// Derive credentials from this secret and the rotation period instead of
    /// random ones. Prefer DEMOFORGE_CREDENTIAL_SECRET: argv is visible in ps.
    #[arg(long, env = "DEMOFORGE_CREDENTIAL_SECRET", hide_env_values = true)]
    pub credential_secret: Option<String>,
    /// How often derived credentials change.
    #[arg(long, value_enum, default_value_t = Rotation::Monthly)]
    pub rotation: Rotation,
    /// Print a one-line JSON summary on stdout instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct LoadArgs {
    /// A dump built by `demoforge build` (base-demo.sql).
    pub file: PathBuf,
    #[command(flatten)]
    pub templates: super::target_args::TargetArgs,
    #[command(flatten)]
    pub tenant: TenantArgs,
}

#[derive(Debug, Args)]
pub struct ResetArgs {
    /// A scenario spec (.yaml), compiled in memory, or a built dump (.sql).
    pub source: PathBuf,
    /// Show what would happen: runs everything in a transaction that is rolled back.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub templates: super::target_args::TargetArgs,
    #[command(flatten)]
    pub tenant: TenantArgs,
}

pub fn load(args: &LoadArgs) -> ExitCode {
    let bytes = match read_dump(&args.file) {
        Ok(bytes) => bytes,
        Err(report) => return report_failure(args.tenant.json, exit::INVALID_INPUT, report),
    };
    let Some(operator) = load_operator(&args.tenant) else {
        let report = miette::miette!(
            help = "pass --operator NAME (or set DEMOFORGE_OPERATOR); it goes into the audit log",
            "cannot tell who runs this load: $USER is unset and this user id has no name"
        );
        return report_failure(args.tenant.json, exit::INVALID_INPUT, report);
    };
    let target = match mapped_target(&args.templates, &bytes) {
        Ok(target) => target,
        Err(report) => return report_failure(args.tenant.json, exit::INVALID_INPUT, report),
    };
    if header_value(&bytes, "applies-to").is_some() {
        let mapped = target.as_ref().map(|(m, name)| (m, name.as_str()));
        return run_delta(&args.tenant, &bytes, &operator, mapped);
    }
    run_replace(
        &args.tenant,
        &bytes,
        Action::Load,
        operator,
        false,
        target.as_ref().map(|(m, _)| m),
    )
}

/// `--operator`, else `$USER`, else the OS user name (getuid and the
/// password database, as `whoami`); never a made-up name.
fn load_operator(tenant: &TenantArgs) -> Option<String> {
    let nonblank = |s: &String| !s.trim().is_empty();
    tenant
        .operator
        .clone()
        .filter(nonblank)
        .or_else(|| std::env::var("USER").ok().filter(nonblank))
        .or_else(crate::db::os_user_name)
}

/// `load DELTA`: applies a delta dump on top of the state it was built from.
fn run_delta(
    tenant: &TenantArgs,
    bytes: &[u8],
    operator: &str,
    mapping: Option<(&crate::target::Mapping, &str)>,
) -> ExitCode {
    let Some(url) = tenant.database_url.as_deref() else {
        let report = miette::miette!(
            help = "pass --database-url postgresql://user@host/db or set DATABASE_URL",
            "load needs a database"
        );
        return report_failure(tenant.json, exit::INVALID_INPUT, report);
    };
    if let Err(report) = check_dialect(url, mapping.map(|(m, _)| m)) {
        return report_failure(tenant.json, exit::INVALID_INPUT, report);
    }
    let progress = Progress::new(!tenant.json && std::io::stderr().is_terminal());
    let applied = match mapping {
        Some((m, name)) if m.dialect == Dialect::Mysql => {
            crate::db::mysql::apply_delta_mysql(url, bytes, operator, &progress, m, name)
        }
        _ => crate::db::apply_delta(url, bytes, operator, &progress, mapping),
    };
    match applied {
        Ok(outcome) => {
            if tenant.json {
                println!("{}", summary_json(&outcome));
            } else {
                println!(
                    "load {} (delta): deleted {} rows, wrote {} rows in {:.2}s; credentials unchanged; audit row {}",
                    outcome.scenario,
                    outcome.rows_deleted,
                    outcome.rows_loaded,
                    outcome.duration_ms as f64 / 1000.0,
                    outcome
                        .audit_id
                        .map_or_else(|| "-".to_owned(), |id| id.to_string())
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            progress.finish();
            let code = e.exit_code();
            report_failure(tenant.json, code, miette::Report::new(e))
        }
    }
}

pub fn reset(args: &ResetArgs) -> ExitCode {
    let Some(operator) = args
        .tenant
        .operator
        .clone()
        .filter(|o| !o.trim().is_empty())
    else {
        let report = miette::miette!(
            help = "pass --operator NAME (or set DEMOFORGE_OPERATOR); it goes into the audit log",
            "reset needs an operator"
        );
        return report_failure(args.tenant.json, exit::INVALID_INPUT, report);
    };
    let bytes = if is_dump(&args.source) {
        read_dump(&args.source)
    } else {
        super::build_dump_bytes(&args.source, &args.templates)
    };
    let prepared = bytes.and_then(|bytes| {
        let target = mapped_target(&args.templates, &bytes)?;
        Ok((bytes, target))
    });
    match prepared {
        Ok((bytes, target)) => run_replace(
            &args.tenant,
            &bytes,
            Action::Reset,
            operator,
            args.dry_run,
            target.as_ref().map(|(m, _)| m),
        ),
        Err(report) => report_failure(args.tenant.json, exit::INVALID_INPUT, report),
    }
}

/// The mapping of a target whose dumps are staged (not the reference's
/// plain COPY blocks), when `--target` names one. A dump built for such a
/// target says so in its header; loading it without `--target` is refused.
fn mapped_target(
    args: &super::target_args::TargetArgs,
    bytes: &[u8],
) -> Result<Option<(crate::target::Mapping, String)>, miette::Report> {
    let set = args.load()?;
    let header_target = dump_target(bytes);
    if set.is_direct() {
        if let Some(name) = header_target {
            return Err(miette::miette!(
                help = format!("pass `--target {name}` (or the folder of that target)"),
                "this dump was built for the target `{name}`: pass `--target {name}`"
            ));
        }
        return Ok(None);
    }
    Ok(Some((set.mapping().clone(), set.name().to_owned())))
}

/// The `-- target:` line of a dump's header, if any.
fn dump_target(bytes: &[u8]) -> Option<String> {
    header_value(bytes, "target")
}

/// The value of a `-- key: value` line of a dump's header, if any.
fn header_value(bytes: &[u8], key: &str) -> Option<String> {
    let prefix = format!("-- {key}: ");
    let head = &bytes[..bytes.len().min(64 * 1024)];
    String::from_utf8_lossy(head)
        .lines()
        .take_while(|l| l.starts_with("--") || l.is_empty())
        .find_map(|l| l.strip_prefix(prefix.as_str()).map(str::to_owned))
}

/// A `.sql` file is a built dump; anything else is a spec.
fn is_dump(path: &Path) -> bool {
    path.extension().is_some_and(|x| x == "sql")
}

fn read_dump(path: &Path) -> Result<Vec<u8>, miette::Report> {
    std::fs::read(path).map_err(|e| {
        miette::miette!(
            help =
                "pass a dump built by `demoforge build`, e.g. generated/<scenario>/base-demo.sql",
            "cannot read dump {}: {e}",
            path.display()
        )
    })
}

fn run_replace(
    tenant: &TenantArgs,
    bytes: &[u8],
    action: Action,
    operator: String,
    dry_run: bool,
    target: Option<&crate::target::Mapping>,
) -> ExitCode {
    let Some(url) = tenant.database_url.as_deref() else {
        let report = miette::miette!(
            help = "pass --database-url postgresql://user@host/db or set DATABASE_URL",
            "{} needs a database",
            action.as_str()
        );
        return report_failure(tenant.json, exit::INVALID_INPUT, report);
    };
    let policy = match policy(tenant) {
        Ok(policy) => policy,
        Err(report) => return report_failure(tenant.json, exit::INVALID_INPUT, report),
    };
    let options = Options {
        action,
        operator,
        dry_run,
        policy,
        outputs: CredentialOutputs {
            file: tenant.credentials_out.clone(),
            postman_dir: tenant.postman_out.clone(),
            base_url: tenant.base_url.clone(),
        },
    };
    let progress = Progress::new(!tenant.json && std::io::stderr().is_terminal());
    if let Err(report) = check_dialect(url, target) {
        return report_failure(tenant.json, exit::INVALID_INPUT, report);
    }
    let result = match target {
        Some(mapping) if mapping.dialect == Dialect::Mysql => {
            crate::db::mysql::replace_mapped_mysql(url, bytes, mapping, &options, &progress)
        }
        Some(mapping) => crate::db::replace_mapped(url, bytes, mapping, &options, &progress),
        None => crate::db::replace_tenant(url, bytes, &options, &progress),
    };
    match result {
        Ok(outcome) => {
            if tenant.json {
                println!("{}", summary_json(&outcome));
            } else {
                print_summary(&outcome, &options.outputs);
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            progress.finish();
            let code = e.exit_code();
            report_failure(tenant.json, code, miette::Report::new(e))
        }
    }
}

/// The URL's database must speak the target's dialect: a `mysql://` URL
/// takes a `dialect: mysql` target, any other URL a PostgreSQL one.
fn check_dialect(url: &str, target: Option<&crate::target::Mapping>) -> Result<(), miette::Report> {
    let dialect = target.map_or(Dialect::Postgres, |m| m.dialect);
    match (crate::db::mysql::is_mysql_url(url), dialect) {
        (true, Dialect::Postgres) => Err(miette::miette!(
            help = "pass `--target laravel-mysql` (or a target folder whose target.yaml says `dialect: mysql`) with its dump, or a postgresql:// URL",
            "--database-url names a MySQL/MariaDB server, but the target is a PostgreSQL one"
        )),
        (false, Dialect::Mysql) => Err(miette::miette!(
            help = "pass --database-url mysql://user:password@host:port/database (or set DATABASE_URL)",
            "the target is a MySQL one (`dialect: mysql`), but --database-url does not start with mysql:// or mariadb://"
        )),
        _ => Ok(()),
    }
}

/// bcrypt cost 10 is Laravel's default; DEMOFORGE_BCRYPT_COST lowers it for
/// tests only, where hashing dominates the run time.
fn policy(tenant: &TenantArgs) -> Result<Policy, miette::Report> {
    let bcrypt_cost = match std::env::var("DEMOFORGE_BCRYPT_COST") {
        Ok(text) => match text.parse::<u32>() {
            Ok(cost) if (4..=31).contains(&cost) => cost,
            _ => {
                return Err(miette::miette!(
                    help =
                        "use a whole number from 4 to 31, or unset it for Laravel's default of 10",
                    "DEMOFORGE_BCRYPT_COST={text} is not a bcrypt cost"
                ));
            }
        },
        Err(_) => DEFAULT_BCRYPT_COST,
    };
    let source = match tenant.credential_secret.as_deref() {
        Some(secret) if secret.len() < 16 => {
            return Err(miette::miette!(
                help = "use at least 16 characters, e.g. `openssl rand -hex 32`",
                "the credential secret is too short to derive credentials from"
            ));
        }
        Some(secret) => Source::Derived {
            secret: Secret::new(secret),
            period: tenant.rotation.label(crate::db::today()),
        },
        None => Source::Random,
    };
    Ok(Policy {
        source,
        bcrypt_cost,
    })
}

fn summary_json(outcome: &Outcome) -> String {
    let changes = outcome
        .tester_changes
        .as_ref()
        .map(|c| serde_json::to_value(c).unwrap_or_default());
    serde_json::json!({
        "status": "ok",
        "action": outcome.action.as_str(),
        "dry_run": outcome.dry_run,
        "scenario": outcome.scenario,
        "company_ids": outcome.company_ids.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "dump_sha256": outcome.dump_sha256,
        "rows_deleted": outcome.rows_deleted,
        "rows_loaded": outcome.rows_loaded,
        "strategy": outcome.strategy.as_str(),
        "credentials_issued": outcome.credentials_issued,
        "credential_mode": outcome.credential_mode,
        "tester_changes": changes,
        "audit_id": outcome.audit_id,
        "files_written": outcome.files_written,
        "duration_ms": outcome.duration_ms,
        "server": outcome.server,
    })
    .to_string()
}

fn print_summary(outcome: &Outcome, outputs: &CredentialOutputs) {
    let seconds = outcome.duration_ms as f64 / 1000.0;
    if outcome.dry_run {
        println!(
            "dry run of {} {}: would delete {} rows, write {} rows ({}) and issue {} credentials; nothing was changed ({seconds:.2}s)",
            outcome.action.as_str(),
            outcome.scenario,
            outcome.rows_deleted,
            outcome.rows_loaded,
            outcome.strategy.as_str(),
            outcome.credentials_issued
        );
    } else {
        println!(
            "{} {}: deleted {} rows, wrote {} rows ({}), issued {} credentials ({}) in {seconds:.2}s; audit row {}",
            outcome.action.as_str(),
            outcome.scenario,
            outcome.rows_deleted,
            outcome.rows_loaded,
            outcome.strategy.as_str(),
            outcome.credentials_issued,
            outcome.credential_mode,
            outcome
                .audit_id
                .map_or_else(|| "-".to_owned(), |id| id.to_string())
        );
    }
    match &outcome.tester_changes {
        None if outcome.strategy == crate::db::Strategy::Full => {
            println!("tester changes: not summarised for a mapped target (docs/mapping.md)")
        }
        None => println!("tester changes: none (the tenant did not exist before)"),
        Some(changes) if changes.is_empty() => {
            println!("tester changes: none since the snapshot")
        }
        Some(changes) => {
            println!("tester changes since the snapshot (added / changed / removed):");
            for (table, c) in changes {
                println!("  {table}: +{} ~{} -{}", c.added, c.changed, c.removed);
            }
        }
    }
    for path in &outcome.files_written {
        println!("wrote {} (mode 0600)", path.display());
    }
    if !outcome.dry_run && outputs.is_empty() {
        eprintln!(
            "warning: the new credentials were not written anywhere; pass --credentials-out FILE to keep them"
        );
    }
}

/// Diagnostics go to stderr; with --json, cron logs also get one JSON line.
fn report_failure(json: bool, code: u8, report: miette::Report) -> ExitCode {
    eprintln!("{report:?}");
    if json {
        let line = serde_json::json!({
            "status": "error",
            "exit_code": code,
            "error": report.to_string(),
        });
        println!("{line}");
    }
    ExitCode::from(code)
}
