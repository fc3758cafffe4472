use std::path::Path;
use std::process::ExitCode;

use super::args::{Cli, Command};
use super::exit;
use crate::model::Scenario;

pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Validate { specs } => validate(&specs),
        Command::Schema { templates, target } if target.apply => {
            super::db_commands::schema_apply(templates.as_deref(), &target)
        }
        Command::Schema { templates, .. } => schema(templates.as_deref()),
        Command::Build { .. } | Command::Check { .. } => {
            eprintln!("not yet available");
            ExitCode::from(exit::FAILURE)
        }
    }
}

fn validate(specs: &[std::path::PathBuf]) -> ExitCode {
    let mut failed = false;
    for path in specs {
        match compile_spec(path) {
            Ok(scenario) => println!(
                "{}: ok ({} compan{})",
                path.display(),
                scenario.companies.len(),
                if scenario.companies.len() == 1 {
                    "y"
                } else {
                    "ies"
                }
            ),
            Err(report) => {
                eprintln!("{report:?}");
                failed = true;
            }
        }
    }
    if failed {
        ExitCode::from(exit::INVALID_INPUT)
    } else {
        ExitCode::SUCCESS
    }
}

/// Reads and compiles one spec; every failure becomes a printable report.
pub fn compile_spec(path: &Path) -> Result<Scenario, miette::Report> {
    let text = crate::output::read_spec(path)?;
    let name = path.display().to_string();
    crate::validate::compile(&name, &text).map_err(miette::Report::new)
}

fn schema(templates: Option<&Path>) -> ExitCode {
    let rendered = crate::output::load_templates(templates)
        .and_then(|set| crate::render::schema_sql(&set).map_err(miette::Report::new));
    match rendered {
        Ok(ddl) => {
            print!("{ddl}");
            ExitCode::SUCCESS
        }
        Err(report) => {
            eprintln!("{report:?}");
            ExitCode::from(exit::INVALID_INPUT)
        }
    }
}
