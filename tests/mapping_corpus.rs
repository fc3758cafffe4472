//! The target-mapping corpus, driven through the real binary.
//!
//! `mappings/bad/*.yaml`: each is copied as `target.yaml` into a folder named
//! after the file, and `demoforge build --target <folder>` must fail with
//! exit code 1, write nothing, and report every problem; the exit code and
//! the full plain-text report are snapshotted, so every message, location,
//! label and help line is reviewed. A copy of the built-in `laravel` target
//! passed as a folder must build the same bytes as `--target laravel`.

use std::path::{Path, PathBuf};
use std::process::Command;

const CRATE_ROOT: &str = env!("CARGO_MANIFEST_DIR");
const SPEC: &str = "scenarios/demo-travel-co.yaml";

/// Runs `demoforge build --target <target> <spec> --out <out>` in `dir`.
fn build(dir: &Path, target: &str, out: &Path) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_demoforge"))
        .arg("build")
        .arg("--target")
        .arg(target)
        .arg(Path::new(CRATE_ROOT).join(SPEC))
        .arg("--out")
        .arg(out)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run demoforge");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Every file under `dir`, relative to it, sorted.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("list the output").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                found.push(path.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    found.sort();
    found
}

#[test]
fn bad_mappings_report_every_problem() {
    insta::glob!("mappings/bad/*.yaml", |path| {
        let work = tempfile::tempdir().expect("temp dir");
        // The folder is named after the corpus file, so the report names
        // `<file stem>/target.yaml` on every machine.
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        assert!(
            !["reference", "laravel"].contains(&name.as_str()),
            "a corpus file must not shadow a built-in target"
        );
        let folder = work.path().join(&name);
        std::fs::create_dir(&folder).expect("target folder");
        std::fs::copy(path, folder.join("target.yaml")).expect("copy the mapping");
        let out = work.path().join("out");
        let (code, stdout, stderr) = build(work.path(), &name, &out);
        assert_eq!(stdout, "", "nothing on stdout for an invalid mapping");
        assert_eq!(
            files_under(&out),
            Vec::<PathBuf>::new(),
            "a bad mapping writes nothing"
        );
        insta::assert_snapshot!(format!("exit code: {code}\n\n{stderr}"));
    });
}

#[test]
fn a_copy_of_the_laravel_target_builds_the_same_bytes_as_the_builtin() {
    let work = tempfile::tempdir().expect("temp dir");
    // Named `laravel` too: a folder target's name is its folder's name, and
    // the dump's `-- target:` line and output folder carry it.
    let copy = work.path().join("copy").join("laravel");
    std::fs::create_dir_all(&copy).expect("copy folder");
    let shipped = Path::new(CRATE_ROOT).join("templates/laravel");
    let mut copied = Vec::new();
    for entry in std::fs::read_dir(&shipped).expect("list templates/laravel") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), copy.join(entry.file_name())).expect("copy a target file");
        copied.push(entry.file_name().to_string_lossy().into_owned());
    }
    copied.sort();
    assert!(
        copied.contains(&"target.yaml".to_owned()) && copied.contains(&"schema.sql.j2".to_owned()),
        "{copied:?}"
    );

    let from_folder = work.path().join("from-folder");
    let (code, stdout, stderr) = build(work.path(), copy.to_str().unwrap(), &from_folder);
    assert_eq!((code, stdout.as_str()), (0, ""), "{stderr}");
    let builtin = work.path().join("builtin");
    let (code, _, stderr) = build(work.path(), "laravel", &builtin);
    assert_eq!(code, 0, "{stderr}");

    // The dump and the spec's travel delta: the books reports stay beside
    // the reference dump.
    let dump = PathBuf::from("demo-travel-co/laravel/base-demo.sql");
    let travel = PathBuf::from("demo-travel-co/laravel/travel/+6-months.sql");
    assert_eq!(
        files_under(&from_folder),
        vec![dump.clone(), travel.clone()]
    );
    assert_eq!(files_under(&builtin), vec![dump.clone(), travel.clone()]);
    for file in [&dump, &travel] {
        let a = std::fs::read(from_folder.join(file)).expect("read the folder target's file");
        let b = std::fs::read(builtin.join(file)).expect("read the built-in target's file");
        assert!(
            String::from_utf8_lossy(&b).contains("\n-- target: laravel\n"),
            "{} names its target",
            file.display()
        );
        assert!(
            a == b,
            "`--target DIR` and `--target laravel` differ in {}",
            file.display()
        );
    }
}

/// Copies a built-in target folder to `dir/name`.
fn copy_target(builtin: &str, dir: &Path, name: &str) -> PathBuf {
    let to = dir.join(name);
    std::fs::create_dir_all(&to).expect("create folder");
    for entry in std::fs::read_dir(Path::new(CRATE_ROOT).join("templates").join(builtin))
        .expect("read templates")
    {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy");
    }
    to
}

#[test]
fn a_copy_of_the_reference_target_builds_its_travel_deltas() {
    // Regression: a reference-shaped folder target built its dump into
    // `<scenario>/<folder>/` but its travel deltas into `<scenario>/travel/`,
    // and the build failed.
    let dir = tempfile::tempdir().expect("temp dir");
    copy_target("reference", dir.path(), "mine");
    let out = dir.path().join("out");
    let (code, _, stderr) = build(dir.path(), "mine", &out);
    assert_eq!(code, 0, "{stderr}");
    let files = files_under(&out);
    assert!(
        files.contains(&PathBuf::from("demo-travel-co/mine/base-demo.sql")),
        "{files:?}"
    );
    assert!(
        !files.iter().any(|f| f.starts_with("demo-travel-co/travel")),
        "travel deltas are the reference build's: {files:?}"
    );
}

#[test]
fn a_target_folder_named_travel_is_refused() {
    // Regression: its files would have replaced the reference build's
    // travel deltas.
    let dir = tempfile::tempdir().expect("temp dir");
    copy_target("laravel", dir.path(), "travel");
    let out = dir.path().join("out");
    let (code, _, stderr) = build(dir.path(), "travel", &out);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("cannot be named `travel`"), "{stderr}");
    assert!(!out.exists(), "nothing written");
}
