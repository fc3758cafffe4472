//! The command line itself: every argument has a help line, and the exit codes
//! of usage errors, `--help` and `--version` (`check`'s exit 2 for stale files
//! is tested in `tests/build.rs`).

mod cli;

use clap::CommandFactory;
use cli::Demoforge;
use demoforge::cli::Cli;

/// Every argument of `command` and of its subcommands that has no help line,
/// as `demoforge build --out`.
fn arguments_without_help(command: &clap::Command, path: &str, missing: &mut Vec<String>) {
    let path = format!("{path} {}", command.get_name());
    for arg in command.get_arguments() {
        let builtin = matches!(arg.get_id().as_str(), "help" | "version");
        if !builtin && arg.get_help().is_none() && arg.get_long_help().is_none() {
            let shown = arg
                .get_long()
                .map_or_else(|| arg.get_id().to_string(), |l| format!("--{l}"));
            missing.push(format!("{path} {shown}"));
        }
    }
    for sub in command.get_subcommands() {
        if sub.get_name() != "help" && sub.get_about().is_none() {
            missing.push(format!("{path} {} (no about)", sub.get_name()));
        }
        arguments_without_help(sub, &path, missing);
    }
}

#[test]
fn every_argument_of_every_subcommand_has_help() {
    let command = Cli::command();
    let mut missing = Vec::new();
    arguments_without_help(&command, "", &mut missing);
    assert!(
        missing.is_empty(),
        "arguments without a help line:\n{}",
        missing.join("\n")
    );
    // The walk reaches the flattened and nested arguments, not just the top.
    let build = command.find_subcommand("build").expect("build subcommand");
    assert!(build.get_arguments().any(|a| a.get_id() == "templates"));
}

#[test]
fn build_help_describes_every_flag() {
    let run = Demoforge::new(["build", "--help"]).run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    for line in run
        .stdout
        .lines()
        .filter(|l| l.trim_start().starts_with("--"))
    {
        let described = line.trim().split_once("  ").map(|(_, help)| help.trim());
        assert!(
            described.is_some_and(|h| !h.is_empty()),
            "flag without help: {line}"
        );
    }
}

/// Runs the binary with a list of arguments of any length.
fn run(args: &[&str]) -> cli::Run {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_demoforge"))
        .args(args)
        .current_dir(cli::CRATE_ROOT)
        .env("NO_COLOR", "1")
        .output()
        .expect("run demoforge");
    cli::Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

#[test]
fn a_usage_error_exits_1_not_2() {
    for args in [
        vec!["build"],
        vec!["build", "x.yaml", "--no-such-flag"],
        vec!["no-such-command"],
        vec!["export", "x.yaml", "--format", "ledger"],
    ] {
        let run = run(&args);
        assert_eq!(run.code, 1, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains("error:"), "{args:?}: {}", run.stderr);
        assert_eq!(run.stdout, "", "{args:?}");
    }
}

#[test]
fn help_and_version_exit_0_on_stdout() {
    for args in [vec!["--help"], vec!["--version"], vec!["overlay", "--help"]] {
        let run = run(&args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        assert!(!run.stdout.is_empty(), "{args:?}");
    }
    let version = Demoforge::new(["--version"]).run();
    assert_eq!(
        version.stdout.trim(),
        format!("demoforge {}", env!("CARGO_PKG_VERSION"))
    );
}

/// Regression: following the README gave `demoforge: command not found`.
/// The install step must come before the first shell line that runs
/// `demoforge`, and the first two commands stay the quick start.
#[test]
fn readme_installs_the_binary_before_using_it() {
    let readme = std::fs::read_to_string(format!("{}/README.md", cli::CRATE_ROOT)).unwrap();
    // Only the lines of ```sh blocks are commands.
    let mut in_shell = false;
    let lines: Vec<&str> = readme
        .lines()
        .filter(|l| {
            if l.starts_with("```") {
                in_shell = *l == "```sh";
                return false;
            }
            in_shell
        })
        .collect();
    let install = lines
        .iter()
        .position(|l| l.trim() == "cargo install --path .")
        .expect("README shows `cargo install --path .`");
    let first_use = lines
        .iter()
        .position(|l| l.starts_with("demoforge "))
        .expect("README runs demoforge");
    assert!(
        install < first_use,
        "`{}` runs demoforge before the install step",
        lines[first_use]
    );
    let shell: Vec<&str> = lines
        .iter()
        .filter(|l| l.starts_with("cargo run") || l.starts_with("scripts/test"))
        .take(2)
        .copied()
        .collect();
    assert!(shell[0].starts_with("cargo run --release -- build scenarios/demo-travel-co.yaml"));
    assert!(shell[1].starts_with("scripts/test"));
}

/// Regression: `overlay SPEC cash-crnch` said only "cannot read spec
/// …/cash-crnch.yaml"; it now suggests the close name and lists the others.
#[test]
fn an_unknown_overlay_gets_a_suggestion_and_the_list() {
    let typo = Demoforge::new(["overlay", "scenarios/demo-travel-co.yaml", "cash-crnch"]).run();
    assert_eq!(typo.stdout, "");
    insta::assert_snapshot!(format!("exit code: {}\n\n{}", typo.code, typo.stderr));
    // The same lookup serves `export --overlay` and `--after`.
    for args in [
        &[
            "export",
            "scenarios/demo-travel-co.yaml",
            "--format",
            "hledger",
            "--overlay",
            "quater-close",
        ][..],
        &[
            "overlay",
            "scenarios/demo-travel-co.yaml",
            "cash-crunch",
            "--after",
            "quater-close",
        ],
    ] {
        let other = run(args);
        assert_eq!(other.code, 1, "{args:?}: {}", other.stderr);
        assert!(
            other.stderr.contains("did you mean `quarter-close`?"),
            "{args:?}: {}",
            other.stderr
        );
    }
}
