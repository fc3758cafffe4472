use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use super::args::{Cli, Command};
use super::exit;
use crate::model::Scenario;
use crate::render::{Compiled, TemplateSet};

pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Validate { specs } => validate(&specs),
        Command::Export(args) => super::export_command::run(&args),
        Command::Preview(args) => super::preview_command::run(&args),
        Command::Schema { templates, target } if target.apply => {
            super::db_commands::schema_apply(&templates, &target)
        }
        Command::Schema { templates, .. } => schema(&templates),
        Command::Build {
            specs,
            out,
            templates,
        } => report(build(&specs, &out, &templates)),
        Command::Check {
            specs,
            out,
            templates,
        } => check(&specs, &out, &templates),
        Command::Tick(args) => super::delta_commands::tick_command(&args),
        Command::Overlay(args) => super::delta_commands::overlay_command(&args),
        Command::Load(args) => super::db_commands::load(&args),
        Command::Reset(args) => super::db_commands::reset(&args),
    }
}

fn validate(specs: &[std::path::PathBuf]) -> ExitCode {
    let mut failed = false;
    for path in specs {
        if is_overlay_file(path) {
            match compile_overlay_file(path) {
                Ok(overlay) => say!("{}: ok (overlay {})", path.display(), overlay.name),
                Err(report) => {
                    eprintln!("{report:?}");
                    failed = true;
                }
            }
            continue;
        }
        match compile_spec(path) {
            Ok(scenario) => say!(
                "{}: ok ({} compan{}; {})",
                path.display(),
                scenario.companies.len(),
                if scenario.companies.len() == 1 {
                    "y"
                } else {
                    "ies"
                },
                predicted_figures(&scenario)
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

/// The predicted rows of `build` and the peak memory of each command: `build`
/// spills to disk, the others compile in memory and refuse a spec over the
/// limit (said here, so `validate` warns before they are run).
fn predicted_figures(scenario: &Scenario) -> String {
    use crate::validate::size;
    let predicted = size::predict(scenario);
    let needs = [
        size::check_need(scenario),
        size::next_week_need(scenario),
        size::load_need(scenario, "reset SPEC"),
    ];
    let mut text = format!(
        "predicted {} rows to compile; peak memory build: {} MiB",
        predicted.compiled_rows(),
        predicted.memory >> 20
    );
    let mut over = Vec::new();
    for need in &needs {
        text.push_str(&format!("; {}: {} MiB", need.command, need.memory >> 20));
        if !need.fits() {
            over.push(need.command.to_string());
        }
    }
    if !over.is_empty() {
        text.push_str(&format!(
            "; over the {} MiB limit, {} will refuse this spec: use `build`",
            crate::model::limits::MAX_PREDICTED_MEMORY >> 20,
            over.join(", ")
        ));
    }
    text
}

/// Reads and compiles one spec; every failure becomes a printable report.
pub fn compile_spec(path: &Path) -> Result<Scenario, miette::Report> {
    compile_spec_text(path).map(|(scenario, _)| scenario)
}

/// A spec read and compiled, with its text for later diagnostics.
pub struct SpecFile {
    pub name: String,
    pub text: String,
    pub scenario: Scenario,
}

impl SpecFile {
    pub fn read(path: &Path) -> Result<SpecFile, miette::Report> {
        let (scenario, text) = compile_spec_text(path)?;
        Ok(SpecFile {
            name: path.display().to_string(),
            text,
            scenario,
        })
    }

    /// Refuses, before compiling, a command that would need more memory than
    /// the limit for this spec ([`crate::validate::size`]).
    pub fn refuse_if_too_big(
        &self,
        need: &crate::validate::size::Need,
    ) -> Result<(), miette::Report> {
        crate::validate::refuse_in_memory(&self.name, &self.text, need).map_err(miette::Report::new)
    }
}

fn compile_spec_text(path: &Path) -> Result<(Scenario, String), miette::Report> {
    let text = crate::output::read_spec(path)?;
    let name = path.display().to_string();
    let scenario = crate::validate::compile(&name, &text).map_err(miette::Report::new)?;
    Ok((scenario, text))
}

/// An overlay file starts a line with `overlay:`; a scenario spec never does.
fn is_overlay_file(path: &Path) -> bool {
    std::fs::read_to_string(path)
        .map(|text| text.lines().any(|l| l.starts_with("overlay:")))
        .unwrap_or(false)
}

/// Reads and compiles one overlay file, with the same diagnostics as specs.
pub fn compile_overlay_file(path: &Path) -> Result<crate::model::Overlay, miette::Report> {
    let text = crate::output::read_spec(path)?;
    let name = path.display().to_string();
    crate::validate::compile_overlay(&name, &text).map_err(miette::Report::new)
}

/// Where overlay `name` lives: a path as given when it ends in `.yaml`, else
/// `<spec folder>/overlays/<name>.yaml`.
pub fn overlay_path(spec: &Path, name: &str) -> PathBuf {
    if name.ends_with(".yaml") || name.ends_with(".yml") {
        PathBuf::from(name)
    } else {
        spec.parent()
            .unwrap_or(Path::new("."))
            .join("overlays")
            .join(format!("{name}.yaml"))
    }
}

/// Compiles the named overlays and layers them onto `scenario`, in order.
pub fn layer_overlays(
    scenario: &Scenario,
    spec: &Path,
    names: &[String],
) -> Result<Scenario, miette::Report> {
    let mut overlays = Vec::with_capacity(names.len());
    for name in names {
        overlays.push(compile_overlay_file(&super::overlays::locate(spec, name)?)?);
    }
    scenario
        .with_overlays(&overlays)
        .map_err(|message| miette::miette!(help = "name each overlay once", "{message}"))
}

fn schema(templates: &super::target_args::TargetArgs) -> ExitCode {
    let rendered = templates
        .load()
        .and_then(|set| crate::render::schema_sql(&set).map_err(miette::Report::new));
    match rendered {
        Ok(ddl) => {
            say_raw!("{ddl}");
            ExitCode::SUCCESS
        }
        Err(report) => {
            eprintln!("{report:?}");
            ExitCode::from(exit::INVALID_INPUT)
        }
    }
}

/// Prints a failure and maps it to its exit code.
fn report(result: Result<(), Failure>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure { report, code }) => {
            eprintln!("{report:?}");
            ExitCode::from(code)
        }
    }
}

struct Failure {
    report: miette::Report,
    code: u8,
}

impl Failure {
    fn invalid(report: miette::Report) -> Failure {
        Failure {
            report,
            code: exit::INVALID_INPUT,
        }
    }

    fn io(report: miette::Report) -> Failure {
        Failure {
            report,
            code: exit::FAILURE,
        }
    }
}

/// Compiles every spec before writing anything, so one bad spec leaves every
/// output untouched; each scenario's folder is then replaced as one unit.
/// First removes what killed builds left behind.
fn build(
    specs: &[PathBuf],
    out: &Path,
    templates: &super::target_args::TargetArgs,
) -> Result<(), Failure> {
    let templates = templates.load().map_err(Failure::invalid)?;
    crate::output::clean_stale(out).map_err(Failure::io)?;
    let mut compiled = Vec::new();
    for path in specs {
        let started = Instant::now();
        let scenario = compile_spec(path).map_err(Failure::invalid)?;
        if let Some((slug, _, _)) = compiled.iter().find(|(slug, _, _)| *slug == scenario.slug) {
            return Err(Failure::invalid(miette::miette!(
                help = "give each spec its own `scenario` slug; it names the output folder",
                "{} and an earlier spec both write generated/{slug}",
                path.display()
            )));
        }
        let store = crate::output::SpillStore::near(out).map_err(|e| {
            Failure::io(miette::miette!(
                "cannot create a temp folder in {}: {e}",
                out.display()
            ))
        })?;
        let result =
            compile_scenario(&scenario, &templates, Box::new(store)).map_err(Failure::invalid)?;
        compiled.push((scenario.slug, result, started));
    }
    crate::db::test_hook::pause_point("build-compiled");
    for (slug, mut result, started) in compiled {
        let folder = if templates.is_reference() {
            crate::output::write_scenario(out, &slug, &result.files)
        } else {
            // `<out>/<scenario>/<target>` is replaced as one unit, beside the
            // reference files.
            let parent = out.join(&slug);
            crate::output::clean_stale(&parent).map_err(Failure::io)?;
            for file in &mut result.files {
                file.path = file.path.trim_start_matches(&format!("{slug}/")).to_owned();
            }
            crate::output::write_scenario(&parent, templates.name(), &result.files)
        }
        .map_err(Failure::io)?;
        let rows: u64 = result.row_counts.iter().map(|(_, n)| n).sum();
        eprintln!(
            "{slug}: wrote {} ({rows} rows) in {} ms",
            folder.join("base-demo.sql").display(),
            started.elapsed().as_millis()
        );
    }
    Ok(())
}

/// Compiles the base dump and reports, then one travel delta per offset of
/// the spec's `time_travel`, diffed against that base.
fn compile_scenario(
    scenario: &Scenario,
    templates: &TemplateSet,
    store: Box<dyn crate::render::TableStore>,
) -> Result<Compiled, miette::Report> {
    let mut compiled =
        crate::render::compile(scenario, templates, store).map_err(miette::Report::new)?;
    if scenario.time_travel.is_empty() || (templates.is_direct() && !templates.is_reference()) {
        // A folder copy of the reference shape has no travel deltas: they
        // would go beside the reference build's (docs/mapping.md).
        return Ok(compiled);
    }
    let base = compiled
        .files
        .first()
        .expect("the dump is always the first file")
        .to_bytes()
        .map_err(|e| miette::miette!("cannot render the dump: {e}"))?;
    let deltas = match crate::render::delta::travel_deltas(scenario, &base, templates) {
        Ok(deltas) => deltas,
        // A staged target whose mapping cannot take a delta of this spec (a
        // table mapped into several, or a changed table without an id) still
        // gets its dump: the travel deltas are left out, with a warning.
        Err(e) if !templates.is_direct() => {
            eprintln!(
                "warning: no travel deltas for the target `{}`: {e}",
                templates.name()
            );
            Vec::new()
        }
        Err(e) => return Err(miette::Report::new(e)),
    };
    for (path, bytes) in deltas {
        let text = String::from_utf8(bytes)
            .map_err(|_| miette::miette!("the delta {path} is not UTF-8"))?;
        compiled.files.push(crate::render::GeneratedFile {
            path,
            content: crate::render::Content::Text(text),
        });
    }
    Ok(compiled)
}

/// Compiles in memory: for checks and loads of demo-scale scenarios.
fn compile_in_memory(
    scenario: &Scenario,
    templates: &TemplateSet,
) -> Result<Compiled, miette::Report> {
    compile_scenario(
        scenario,
        templates,
        Box::new(crate::render::MemoryStore::default()),
    )
}

/// Compiles a spec in memory and returns its base dump, for `load` and `reset`.
/// Refuses, before compiling, a spec whose base would not fit in memory.
pub fn build_dump_bytes(
    spec: &Path,
    templates: &super::target_args::TargetArgs,
) -> Result<Vec<u8>, miette::Report> {
    let templates = templates.load()?;
    let spec = SpecFile::read(spec)?;
    spec.refuse_if_too_big(&crate::validate::size::load_need(&spec.scenario, "reset"))?;
    let scenario = spec.scenario;
    let compiled = crate::render::compile(
        &scenario,
        &templates,
        Box::new(crate::render::MemoryStore::default()),
    )
    .map_err(miette::Report::new)?;
    let dump = compiled
        .files
        .first()
        .expect("the dump is always the first file");
    dump.to_bytes()
        .map_err(|e| miette::miette!("cannot render the dump: {e}"))
}

/// The shipped scenarios, when `check` is given no spec.
fn default_specs() -> Vec<PathBuf> {
    let mut specs: Vec<PathBuf> = std::fs::read_dir("scenarios")
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
                .collect()
        })
        .unwrap_or_default();
    specs.sort();
    specs
}

fn check(specs: &[PathBuf], out: &Path, templates: &super::target_args::TargetArgs) -> ExitCode {
    let specs = if specs.is_empty() {
        default_specs()
    } else {
        specs.to_vec()
    };
    if specs.is_empty() {
        eprintln!("check: no specs given and no scenarios/*.yaml found");
        return ExitCode::from(exit::INVALID_INPUT);
    }
    let templates = match templates.load() {
        Ok(t) => t,
        Err(report) => return super::commands::report(Err(Failure::invalid(report))),
    };
    let mut stale = false;
    for path in &specs {
        match check_one(path, out, &templates) {
            Ok(fresh) => stale |= !fresh,
            Err(report) => {
                eprintln!("{report:?}");
                return ExitCode::from(exit::INVALID_INPUT);
            }
        }
    }
    if stale {
        eprintln!("generated files are stale: run `demoforge build` and commit the result");
        ExitCode::from(exit::STALE)
    } else {
        ExitCode::SUCCESS
    }
}

/// True when every generated file of `path` matches the disk.
fn check_one(path: &Path, out: &Path, templates: &TemplateSet) -> Result<bool, miette::Report> {
    let spec = SpecFile::read(path)?;
    spec.refuse_if_too_big(&crate::validate::size::check_need(&spec.scenario))?;
    let scenario = spec.scenario;
    let compiled = compile_in_memory(&scenario, templates)?;
    let mut fresh = true;
    for file in &compiled.files {
        let bytes = file
            .to_bytes()
            .map_err(|e| miette::miette!("cannot render {}: {e}", file.path))?;
        let target = out.join(&file.path);
        match crate::output::compare_file(&target, &bytes) {
            None => say!("ok       {}", target.display()),
            Some(diff) => {
                fresh = false;
                print_difference(&target, &diff);
            }
        }
    }
    Ok(fresh)
}

fn print_difference(target: &Path, diff: &crate::output::FileDifference) {
    if diff.missing {
        say!(
            "missing  {} ({} lines would be written)",
            target.display(),
            diff.added
        );
        return;
    }
    say!(
        "differs  {}: +{} -{} lines",
        target.display(),
        diff.added,
        diff.removed
    );
    if !diff.tables.is_empty() {
        say!("         tables: {}", diff.tables.join(", "));
    }
    if let Some((line, old, new)) = &diff.first {
        say!("         first difference at line {line}:");
        say!("         - {}", old.as_deref().unwrap_or("(end of file)"));
        say!("         + {}", new.as_deref().unwrap_or("(end of file)"));
    }
}
