//! `demoforge export`: the ledger as an hledger or beancount journal.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;

use super::exit;
use crate::report::export::{Format, Ledger};

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// Scenario spec file.
    pub spec: PathBuf,
    /// Journal dialect.
    #[arg(long, value_enum)]
    pub format: ExportFormat,
    /// Export the books as of this date (YYYY-MM-DD) instead of the spec's
    /// as_of; the window start stays the same.
    #[arg(long, value_parser = parse_date)]
    pub at: Option<NaiveDate>,
    /// Layer these overlays (names under the spec's `overlays/` folder, or
    /// paths to `.yaml` files) onto the scenario, in order.
    #[arg(long = "overlay", value_name = "NAME")]
    pub overlays: Vec<String>,
    /// Write the journal to this file (atomically) instead of stdout.
    #[arg(long)]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ExportFormat {
    Hledger,
    Beancount,
}

fn parse_date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|e| format!("expected a date like 2026-03-31: {e}"))
}

/// A folder given as `--output` is an argument mistake: refused before the
/// ledger is compiled.
fn output_is_a_file(args: &ExportArgs) -> Result<(), miette::Report> {
    args.output
        .as_deref()
        .map_or(Ok(()), crate::output::check_output_file)
}

pub fn run(args: &ExportArgs) -> ExitCode {
    let format = match args.format {
        ExportFormat::Hledger => Format::Hledger,
        ExportFormat::Beancount => Format::Beancount,
    };
    let ledger = output_is_a_file(args)
        .and_then(|()| super::commands::compile_spec(&args.spec))
        .and_then(|scenario| super::commands::layer_overlays(&scenario, &args.spec, &args.overlays))
        .and_then(|scenario| Ledger::collect(&scenario, args.at).map_err(miette::Report::new));
    let ledger = match ledger {
        Ok(ledger) => ledger,
        Err(report) => {
            eprintln!("{report:?}");
            return ExitCode::from(exit::INVALID_INPUT);
        }
    };
    let text = ledger.render(format);
    let written = match &args.output {
        Some(path) => crate::output::write_file_atomically(path, text.as_bytes()),
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
                .map_err(|e| miette::miette!("cannot write the journal to stdout: {e}"))
        }
    };
    match written {
        Ok(()) => {
            if let Some(path) = &args.output {
                eprintln!(
                    "{}: wrote {} ({} transactions)",
                    ledger.slug,
                    path.display(),
                    ledger.transaction_count()
                );
            }
            ExitCode::SUCCESS
        }
        Err(report) => {
            eprintln!("{report:?}");
            ExitCode::from(exit::FAILURE)
        }
    }
}
