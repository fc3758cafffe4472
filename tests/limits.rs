//! Bounded work: the size prediction against real builds, refusals up front,
//! and builds that leave nothing behind when killed.
//!
//! The calibration compiles a range of specs in memory (the shipped ones,
//! `tests/specs/good/*`, and the `benches/scaled-x100.yaml` shape at small
//! scale, with goods-heavy, many-vendor and weekly-payroll variants) and holds
//! the predicted rows within [`LOW`, `HIGH`] times the actual rows, for the
//! base and for every time-travel target.

mod cli;

use std::fs;

use cli::CRATE_ROOT;
use demoforge::model::Scenario;
use demoforge::render::{MemoryStore, TemplateSet, compile, delta::offset_date};
use demoforge::validate::size::{check_need, company_rows, load_need, next_week_need, predict};

/// The stated factor: predicted rows / actual rows stays within these.
const LOW: f64 = 1.0;
const HIGH: f64 = 1.5;

fn actual_rows(scenario: &Scenario) -> u64 {
    let compiled = compile(
        scenario,
        &TemplateSet::builtin(),
        Box::new(MemoryStore::default()),
    )
    .expect("compiles");
    compiled.row_counts.iter().map(|(_, n)| n).sum()
}

fn scenario(name: &str, text: &str) -> Scenario {
    demoforge::validate::compile(name, text).unwrap_or_else(|e| panic!("{name}: {e:?}"))
}

/// The scaled benchmark's shape at `customers`/`vendors`, with substitutions.
fn scaled(customers: u32, vendors: u32, edits: &[(&str, &str)]) -> String {
    let mut text = fs::read_to_string(format!("{CRATE_ROOT}/benches/scaled-x100.yaml")).unwrap();
    text = text
        .replace("count: 14000", &format!("count: {customers}"))
        .replace("count: 3200", &format!("count: {vendors}"));
    for (from, to) in edits {
        assert!(text.contains(from), "{from} not in the bench spec");
        text = text.replacen(from, to, 1);
    }
    text
}

fn calibration_specs() -> Vec<(String, String)> {
    let mut specs = Vec::new();
    for dir in ["scenarios", "tests/specs/good"] {
        let mut paths: Vec<_> = fs::read_dir(format!("{CRATE_ROOT}/{dir}"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
            .collect();
        paths.sort();
        for p in paths {
            specs.push((p.display().to_string(), fs::read_to_string(&p).unwrap()));
        }
    }
    let travel = ("# No time_travel", "time_travel: [\"+1 year\"]\n#");
    specs.push(("scaled x2".into(), scaled(280, 64, &[])));
    specs.push(("scaled x2, +1 year".into(), scaled(280, 64, &[travel])));
    specs.push((
        "scaled, goods heavy, 12 months".into(),
        scaled(
            300,
            40,
            &[
                ("services: 16", "services: 2"),
                ("goods: 4", "goods: 30"),
                ("months: 18", "months: 12"),
            ],
        ),
    ));
    specs.push((
        "scaled, many quiet vendors".into(),
        scaled(
            200,
            2000,
            &[("bills_per_month: 1.6", "bills_per_month: 0.05")],
        ),
    ));
    specs.push((
        "scaled, busy customers, no growth".into(),
        scaled(
            60,
            20,
            &[
                ("invoices_per_month: 1.1", "invoices_per_month: 12"),
                ("growth: 18%", "growth: 0%"),
            ],
        ),
    ));
    specs
}

fn ratio(predicted: u64, actual: u64) -> f64 {
    predicted as f64 / actual as f64
}

#[test]
fn predicted_rows_are_within_the_stated_factor_of_real_builds() {
    let mut report = String::new();
    let mut bad = Vec::new();
    for (name, text) in calibration_specs() {
        let scenario = scenario(&name, &text);
        let prediction = predict(&scenario);
        let mut pairs = vec![(
            "base".to_owned(),
            prediction.base_rows,
            actual_rows(&scenario),
        )];
        for (offset, predicted) in scenario.time_travel.iter().zip(&prediction.travel_rows) {
            let to = offset_date(scenario.calendar.as_of, offset).unwrap();
            let moved = scenario.moved_to(to);
            pairs.push((offset.text.clone(), *predicted, actual_rows(&moved)));
        }
        for (what, predicted, actual) in pairs {
            let r = ratio(predicted, actual);
            report +=
                &format!("{name} {what}: predicted {predicted}, actual {actual}, ratio {r:.2}\n");
            if !(LOW..=HIGH).contains(&r) {
                bad.push(format!("{name} {what}: {r:.2}"));
            }
        }
    }
    eprintln!("{report}");
    assert!(bad.is_empty(), "outside {LOW}..={HIGH}: {bad:?}\n{report}");
}

#[test]
fn company_rows_grow_with_every_count() {
    let text = scaled(100, 20, &[]);
    let base = scenario("base", &text);
    let rows = |s: &Scenario| company_rows(&s.companies[0], s.calendar);
    for (from, to) in [
        ("count: 100", "count: 200"),
        ("count: 20\n", "count: 40\n"),
        ("months: 18", "months: 12"),
        ("invoices_per_month: 1.1", "invoices_per_month: 2"),
    ] {
        let edited = scenario(to, &text.replacen(from, to, 1));
        let (before, after) = (rows(&base), rows(&edited));
        if to.starts_with("months") {
            assert!(after < before, "{to}: {after} !< {before}");
        } else {
            assert!(after > before, "{to}: {after} !> {before}");
        }
    }
}

// ---- Killed builds leave nothing behind ----

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

/// The minimal spec with a travel offset, so a build writes a `travel/` file.
fn travel_spec(dir: &Path, name: &str, seed: u32) -> std::path::PathBuf {
    let text = fs::read_to_string(format!("{CRATE_ROOT}/tests/specs/good/minimal.yaml")).unwrap();
    let path = dir.join(name);
    fs::write(
        &path,
        format!("{text}seed: {seed}\ntime_travel: [\"+1 months\"]\n"),
    )
    .unwrap();
    path
}

/// Every file under `dir`, by relative path, with its bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(dir).unwrap().display().to_string();
                files.insert(rel, fs::read(&path).unwrap());
            }
        }
    }
    files
}

fn hidden_entries(dir: &Path) -> Vec<String> {
    tree(dir)
        .into_keys()
        .filter(|p| p.split('/').any(|part| part.starts_with('.')))
        .collect()
}

fn build(spec: &Path, out: &Path) -> cli::Run {
    cli::Demoforge::new(["build", spec.to_str().unwrap()])
        .out(out)
        .run()
}

/// Starts a build that pauses at `phase`, waits until it is there, SIGKILLs it.
fn kill_build_at(spec: &Path, out: &Path, phase: &str) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_demoforge"))
        .args([
            "build",
            spec.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .env("DEMOFORGE_TEST_PAUSE_AT", phase)
        .env("DEMOFORGE_TEST_PAUSE_SECS", "120")
        .env("NO_COLOR", "1")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let marker = format!("demoforge-test: paused at {phase}");
    let mut seen = Vec::new();
    for line in stderr.lines() {
        let line = line.unwrap();
        if line == marker {
            break;
        }
        seen.push(line);
    }
    assert!(
        child.try_wait().unwrap().is_none(),
        "the build ended before {phase}: {seen:?}"
    );
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
}

#[test]
fn a_build_killed_at_any_phase_leaves_the_previous_output_and_no_leftovers() {
    let specs = tempfile::tempdir().unwrap();
    let first = travel_spec(specs.path(), "first.yaml", 1);
    let second = travel_spec(specs.path(), "second.yaml", 2);
    let other = specs.path().join("other.yaml");
    fs::write(
        &other,
        fs::read_to_string(format!("{CRATE_ROOT}/tests/specs/good/minimal.yaml"))
            .unwrap()
            .replace("scenario: demo-travel-co", "scenario: other-co"),
    )
    .unwrap();
    for (phase, left) in [
        ("build-compiled", ".demoforge-spill-"),
        ("build-staged", ".demoforge-build-"),
        ("build-swapping", ".demoforge-old-"),
    ] {
        let out = tempfile::tempdir().unwrap();
        build(&first, out.path()).success();
        let before = tree(out.path());
        assert!(before.contains_key("demo-travel-co/travel/+1-month.sql"));

        kill_build_at(&second, out.path(), phase);
        let leftovers = hidden_entries(out.path());
        assert!(
            leftovers.iter().any(|p| p.starts_with(left)),
            "{phase}: expected a {left} folder, found {leftovers:?}"
        );

        // The next build, of another scenario, cleans up and restores.
        build(&other, out.path()).success();
        assert_eq!(hidden_entries(out.path()), Vec::<String>::new(), "{phase}");
        let mut after = tree(out.path());
        after.retain(|p, _| p.starts_with("demo-travel-co/"));
        assert!(after == before, "{phase}: the previous output changed");

        // And a build of the killed spec replaces the whole folder at once.
        build(&second, out.path()).success();
        let replaced = tree(out.path());
        assert_ne!(
            replaced["demo-travel-co/base-demo.sql"],
            before["demo-travel-co/base-demo.sql"]
        );
        assert!(replaced.contains_key("demo-travel-co/travel/+1-month.sql"));
        assert_eq!(hidden_entries(out.path()), Vec::<String>::new());
    }
}

#[test]
fn a_live_builds_work_folders_are_left_alone() {
    let specs = tempfile::tempdir().unwrap();
    let spec = travel_spec(specs.path(), "a.yaml", 1);
    let out = tempfile::tempdir().unwrap();
    // This test process is alive: its folders belong to a running build.
    let mine = out
        .path()
        .join(format!(".demoforge-build-{}-x", std::process::id()));
    fs::create_dir(&mine).unwrap();
    build(&spec, out.path()).success();
    assert!(mine.is_dir());
}

// ---- `--output name.sql`: a bare file name is written in the current folder ----

#[test]
fn export_to_a_bare_file_name_succeeds() {
    let cwd = tempfile::tempdir().unwrap();
    let spec = format!("{CRATE_ROOT}/tests/specs/good/minimal.yaml");
    let output = Command::new(env!("CARGO_BIN_EXE_demoforge"))
        .args([
            "export",
            &spec,
            "--format",
            "hledger",
            "--output",
            "books.journal",
        ])
        .current_dir(cwd.path())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let written = fs::read_to_string(cwd.path().join("books.journal")).unwrap();
    assert!(written.contains("Assets"), "{written:.200}");
    let names: Vec<_> = fs::read_dir(cwd.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["books.journal"]);
}

/// Regression: `--output <existing folder>` failed after the work with "Is a
/// directory" and a help about permissions and disk space. Now it is refused
/// before any work as an argument mistake (exit 1), with a help that says to
/// name a file, and the folder is left as it was.
#[test]
fn an_output_path_that_is_a_folder_is_refused_with_a_fitting_help() {
    let spec = format!("{CRATE_ROOT}/tests/specs/good/minimal.yaml");
    let folder = tempfile::tempdir().unwrap();
    let dir = folder.path().to_str().unwrap();
    for args in [
        vec!["export", &spec, "--format", "hledger", "--output", dir],
        vec!["tick", &spec, "--week", "2026-W48", "--output", dir],
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_demoforge"))
            .args(&args)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr).replace("\n  | ", " ");
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains("is a folder, not a file"), "{stderr}");
        assert!(stderr.contains("name a file in that folder"), "{stderr}");
        assert!(!stderr.contains("disk is not full"), "{stderr}");
        assert_eq!(fs::read_dir(folder.path()).unwrap().count(), 0, "{args:?}");
    }
}

// ---- Refused up front, by validate and build alike ----

#[test]
fn validate_and_build_refuse_an_oversized_spec_alike_and_nothing_is_written() {
    for (spec, field, numbers) in [
        (
            "tests/specs/bad/predicted_rows.yaml",
            "companies:",
            "the limits are 10000000 rows and 768 MiB",
        ),
        (
            "tests/specs/bad/travel_too_big.yaml",
            "time_travel:",
            "the limits are 10000000 rows and 768 MiB",
        ),
        (
            "tests/specs/bad/absurd_size.yaml",
            "companies:",
            "the limit is 200000",
        ),
    ] {
        let validate = cli::Demoforge::new(["validate", spec]).run();
        let out = tempfile::tempdir().unwrap();
        let started = std::time::Instant::now();
        let build = cli::Demoforge::new(["build", spec]).out(out.path()).run();
        // Refused from the counts alone: no simulation ran.
        assert!(
            started.elapsed().as_secs() < 20,
            "{spec}: took {:?}",
            started.elapsed()
        );
        assert_eq!((validate.code, build.code), (1, 1), "{spec}");
        assert_eq!(validate.stderr, build.stderr, "{spec}");
        // miette wraps long messages: join the continuation lines.
        let joined = build.stderr.replace("\n  | ", " ");
        assert!(joined.contains(numbers), "{spec}: {}", build.stderr);
        assert!(build.stderr.contains(field), "{spec}: {}", build.stderr);
        assert_eq!(fs::read_dir(out.path()).unwrap().count(), 0, "{spec}");
    }
}

#[test]
fn validate_prints_the_prediction_of_a_valid_spec() {
    let run = cli::Demoforge::new(["validate", "scenarios/demo-travel-co.yaml"]).run();
    run.success();
    let scenario = scenario(
        "scenarios/demo-travel-co.yaml",
        &fs::read_to_string(format!("{CRATE_ROOT}/scenarios/demo-travel-co.yaml")).unwrap(),
    );
    let p = predict(&scenario);
    assert!(
        run.stdout.contains(&format!(
            "predicted {} rows to compile; peak memory build: {} MiB; check: {} MiB; \
             tick/overlay: {} MiB; reset SPEC: {} MiB)",
            p.compiled_rows(),
            p.memory >> 20,
            check_need(&scenario).memory >> 20,
            next_week_need(&scenario).memory >> 20,
            load_need(&scenario, "reset SPEC").memory >> 20,
        )),
        "{}",
        run.stdout
    );
}

// ---- Commands that compile in memory: refused up front over the limit ----

/// The scaled shape at 8 000 customers: `build` takes it (3.7 million rows,
/// spilled), every in-memory command is over its memory limit.
const IN_MEMORY_TOO_BIG: (u32, u32) = (8000, 1828);

/// Regression: `check`, `tick`, `overlay` and `reset SPEC` compile whole
/// scenarios in memory, but only `build` (which spills to disk) was modelled:
/// a spec `build` takes in 35 MB made `tick` take 932 MB. Each now predicts
/// its own memory and refuses, before compiling, with the numbers, the limit
/// and the way out; exit 1 and nothing written. `validate` says which
/// command each figure is for.
#[test]
fn in_memory_commands_refuse_a_spec_over_their_memory_limit_up_front() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("big.yaml");
    fs::write(&spec, scaled(IN_MEMORY_TOO_BIG.0, IN_MEMORY_TOO_BIG.1, &[])).unwrap();
    let spec = spec.to_str().unwrap();
    let validate = cli::Demoforge::new(["validate", spec]).run();
    validate.success();
    assert!(
        validate
            .stdout
            .contains("over the 768 MiB limit, check, tick/overlay, reset SPEC will refuse"),
        "{}",
        validate.stdout
    );
    let out = dir.path().join("out");
    let delta = dir.path().join("delta.sql");
    let overlay = format!("{CRATE_ROOT}/scenarios/overlays/quarter-close.yaml");
    let no_server = format!(
        "postgresql://demo@/demo?host={}",
        dir.path().join("none").display()
    );
    let out_arg = out.to_str().unwrap();
    let delta_arg = delta.to_str().unwrap();
    for (command, args) in [
        ("check", vec!["check", spec, "--out", out_arg]),
        (
            "tick",
            vec!["tick", spec, "--week", "2026-W48", "--output", delta_arg],
        ),
        (
            "overlay",
            vec!["overlay", spec, &overlay, "--output", delta_arg],
        ),
        (
            "reset",
            vec![
                "reset",
                spec,
                "--database-url",
                &no_server,
                "--operator",
                "t",
            ],
        ),
    ] {
        let started = std::time::Instant::now();
        let output = Command::new(env!("CARGO_BIN_EXE_demoforge"))
            .args(&args)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        // Refused from the counts alone: nothing was compiled.
        assert!(
            started.elapsed().as_secs() < 20,
            "{command}: {:?}",
            started.elapsed()
        );
        let stderr = String::from_utf8_lossy(&output.stderr).replace("\n  | ", " ");
        assert_eq!(output.status.code(), Some(1), "{command}: {stderr}");
        assert!(
            stderr.contains(&format!(
                "`{command}` compiles this scenario in memory: about "
            )),
            "{stderr}"
        );
        assert!(stderr.contains("the limit is 768 MiB"), "{stderr}");
        assert!(stderr.contains("companies:"), "{command}: {stderr}");
        assert!(stderr.contains("absurd_size"), "{command}: {stderr}");
        assert!(
            !out.exists() && !delta.exists(),
            "{command} wrote something"
        );
    }
}
