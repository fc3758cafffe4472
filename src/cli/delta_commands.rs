//! `demoforge tick` and `demoforge overlay`: small delta dumps for a live tenant.
//!
//! Input: a spec, an ISO week or overlay names. Output: a delta file (stdout or
//! `--output`, written atomically) whose `applies-to` / `results-in` states let
//! `demoforge load` apply it once, on top of the state it was made for.
//! Both compile whole scenarios in memory, so a spec whose predicted memory
//! for the command is over the limit is refused before anything is compiled.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::commands::SpecFile;
use super::exit;
use crate::model::Scenario;
use crate::model::week::{IsoWeek, tick};
use crate::render::delta::{DeltaHeader, base_dump, delta_between, state};
use crate::validate::size::delta_need;

#[derive(Debug, clap::Args)]
pub struct TickArgs {
    /// Scenario spec file.
    pub spec: PathBuf,
    /// The ISO week to add, e.g. 2026-W48.
    #[arg(long)]
    pub week: String,
    #[command(flatten)]
    pub templates: super::target_args::TargetArgs,
    /// Write the delta to this file (atomically) instead of stdout.
    #[arg(long)]
    pub output: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct OverlayArgs {
    /// Scenario spec file.
    pub spec: PathBuf,
    /// Overlays to layer on, in order: names under the spec's `overlays/`
    /// folder, or paths to `.yaml` files.
    #[arg(required = true)]
    pub names: Vec<String>,
    /// Overlays the tenant already has (applied by earlier overlay deltas).
    #[arg(long = "after", value_name = "NAME")]
    pub after: Vec<String>,
    #[command(flatten)]
    pub templates: super::target_args::TargetArgs,
    /// Write the delta to this file (atomically) instead of stdout.
    #[arg(long)]
    pub output: Option<PathBuf>,
}

pub fn tick_command(args: &TickArgs) -> ExitCode {
    let prepared = (|| {
        let week = IsoWeek::parse(&args.week).map_err(|message| {
            miette::miette!(
                code = "demoforge::tick::week",
                help = "pass the ISO week as YYYY-Www, e.g. `--week 2026-W48`",
                "invalid --week: {message}"
            )
        })?;
        output_is_a_file(args.output.as_deref())?;
        let spec = SpecFile::read(&args.spec)?;
        let tick = tick(&spec.scenario, week).map_err(|message| {
            miette::miette!(
                code = "demoforge::tick::week",
                help = "pick a week after the scenario's as_of",
                "{message}"
            )
        })?;
        spec.refuse_if_too_big(&delta_need(&spec.scenario, &tick.from, &tick.to, "tick"))?;
        Ok::<_, miette::Report>((spec.scenario, tick))
    })();
    let (base, tick) = match prepared {
        Ok(p) => p,
        Err(report) => return invalid(report),
    };
    let delta = (|| {
        let templates = delta_target(&args.templates)?;
        let base_hash = base_hash(&base, &templates)?;
        let header = DeltaHeader {
            scenario: base.slug.clone(),
            kind: "tick",
            label: tick.week.label(),
            applies_to: state(
                &base.slug,
                &tick.from.calendar.as_of.to_string(),
                &base_hash,
            ),
            results_in: state(&base.slug, &tick.to.calendar.as_of.to_string(), &base_hash),
        };
        delta_between(&tick.from, &tick.to, &templates, header).map_err(miette::Report::new)
    })();
    match delta {
        Ok(bytes) => write(&bytes, args.output.as_deref()),
        Err(report) => invalid(report),
    }
}

/// The target of a delta. A staged target's delta finds its rows by their
/// ids in `demoforge.ids`, which its last load or reset kept
/// (`render::mapped::delta_statements`).
fn delta_target(
    args: &super::target_args::TargetArgs,
) -> Result<crate::render::TemplateSet, miette::Report> {
    args.load()
}

pub fn overlay_command(args: &OverlayArgs) -> ExitCode {
    let delta = (|| {
        output_is_a_file(args.output.as_deref())?;
        let spec = SpecFile::read(&args.spec)?;
        let plain = &spec.scenario;
        let before = super::commands::layer_overlays(plain, &args.spec, &args.after)?;
        let after = super::commands::layer_overlays(&before, &args.spec, &args.names)?;
        spec.refuse_if_too_big(&delta_need(plain, &before, &after, "overlay"))?;
        let templates = delta_target(&args.templates)?;
        let base_hash = base_hash(plain, &templates)?;
        let as_of = plain.calendar.as_of.to_string();
        let named = |s: &Scenario| {
            let mut text = state(&plain.slug, &as_of, &base_hash);
            for o in &s.overlays {
                text.push('+');
                text.push_str(&o.name);
            }
            text
        };
        let header = DeltaHeader {
            scenario: plain.slug.clone(),
            kind: "overlay",
            label: args.names.join("+"),
            applies_to: named(&before),
            results_in: named(&after),
        };
        delta_between(&before, &after, &templates, header).map_err(miette::Report::new)
    })();
    match delta {
        Ok(bytes) => write(&bytes, args.output.as_deref()),
        Err(report) => invalid(report),
    }
}

/// SHA-256 (hex) of the plain scenario's base dump: what a reset loads.
fn base_hash(
    scenario: &Scenario,
    templates: &crate::render::TemplateSet,
) -> Result<String, miette::Report> {
    use sha2::{Digest, Sha256};
    let dump = base_dump(scenario, templates).map_err(miette::Report::new)?;
    Ok(Sha256::digest(&dump)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// A folder given as `--output` is refused before anything is compiled.
fn output_is_a_file(output: Option<&Path>) -> Result<(), miette::Report> {
    output.map_or(Ok(()), crate::output::check_output_file)
}

fn invalid(report: miette::Report) -> ExitCode {
    eprintln!("{report:?}");
    ExitCode::from(exit::INVALID_INPUT)
}

fn write(bytes: &[u8], output: Option<&Path>) -> ExitCode {
    let written = match output {
        Some(path) => crate::output::write_file_atomically(path, bytes),
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(bytes)
                .and_then(|()| stdout.flush())
                .map_err(|e| miette::miette!("cannot write the delta to stdout: {e}"))
        }
    };
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(report) => {
            eprintln!("{report:?}");
            ExitCode::from(exit::FAILURE)
        }
    }
}
