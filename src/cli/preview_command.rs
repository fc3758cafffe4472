//! `demoforge preview`: the books as of any date, computed without a database.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use super::exit;
use crate::report::preview::{Format, Preview, parse_at};

#[derive(Debug, clap::Args)]
pub struct PreviewArgs {
    /// Scenario spec file.
    pub spec: PathBuf,
    /// Report as of this date (YYYY-MM-DD) or an offset from the spec's
    /// as_of: +6m, +6 months, +2w, +10d, +1y, -3m. Default: the spec's as_of.
    #[arg(long, allow_hyphen_values = true)]
    pub at: Option<String>,
    /// table for terminals, json for CI, html for one self-contained page with charts.
    #[arg(long, value_enum, default_value = "table")]
    pub format: PreviewFormat,
    /// Write the report to this file (atomically) instead of stdout.
    #[arg(long)]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum PreviewFormat {
    Table,
    Json,
    Html,
}

fn compute(args: &PreviewArgs) -> Result<Preview, miette::Report> {
    let scenario = super::commands::compile_spec(&args.spec)?;
    let at = match &args.at {
        None => None,
        Some(text) => {
            let spec = parse_at(text).map_err(|e| miette::miette!("{e}"))?;
            let as_of = scenario.calendar.as_of;
            Some(
                spec.resolve(as_of)
                    .ok_or_else(|| miette::miette!("--at {text:?} is out of range"))?,
            )
        }
    };
    Preview::compute(&scenario, at).map_err(miette::Report::new)
}

pub fn run(args: &PreviewArgs) -> ExitCode {
    let preview = match compute(args) {
        Ok(preview) => preview,
        Err(report) => {
            eprintln!("{report:?}");
            return ExitCode::from(exit::INVALID_INPUT);
        }
    };
    let text = preview.render(match args.format {
        PreviewFormat::Table => Format::Table,
        PreviewFormat::Json => Format::Json,
        PreviewFormat::Html => Format::Html,
    });
    let written = match &args.output {
        Some(path) => crate::output::write_file_atomically(path, text.as_bytes()),
        None => {
            let mut stdout = std::io::stdout().lock();
            match stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
            {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => other.map_err(|e| miette::miette!("cannot write the preview: {e}")),
            }
        }
    };
    match written {
        Ok(()) => {
            if let Some(path) = &args.output {
                eprintln!("{}: wrote {}", preview.scenario, path.display());
            }
            ExitCode::SUCCESS
        }
        Err(report) => {
            eprintln!("{report:?}");
            ExitCode::from(exit::FAILURE)
        }
    }
}
