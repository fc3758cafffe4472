//! A builder that runs the real `demoforge` binary, in the style of just's
//! test harness: arguments, environment and output folder in, exit code and
//! output out.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub const CRATE_ROOT: &str = env!("CARGO_MANIFEST_DIR");

pub struct Demoforge {
    args: Vec<String>,
    env: Vec<(String, String)>,
    out: Option<PathBuf>,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Demoforge {
    pub fn new<const N: usize>(args: [&str; N]) -> Demoforge {
        Demoforge {
            args: args.iter().map(|a| a.to_string()).collect(),
            env: Vec::new(),
            out: None,
        }
    }

    pub fn env(mut self, key: &str, value: &str) -> Demoforge {
        self.env.push((key.into(), value.into()));
        self
    }

    pub fn out(mut self, dir: &Path) -> Demoforge {
        self.out = Some(dir.to_owned());
        self
    }

    /// Runs from the crate root with colour off, so paths and reports are stable.
    pub fn run(self) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_demoforge"));
        cmd.args(&self.args)
            .current_dir(CRATE_ROOT)
            .env("NO_COLOR", "1");
        if let Some(out) = &self.out {
            cmd.arg("--out").arg(out);
        }
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let output = cmd.output().expect("run demoforge");
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

impl Run {
    pub fn success(&self) {
        assert_eq!(
            self.code, 0,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
    }
}

/// The rows of one COPY block, split into fields (still COPY-escaped).
pub fn copy_rows(dump: &str, table: &str) -> Vec<Vec<String>> {
    let header = format!("COPY {table} (");
    let mut lines = dump.lines().skip_while(|l| !l.starts_with(&header));
    lines.next();
    lines
        .take_while(|l| *l != "\\.")
        .map(|l| l.split('\t').map(str::to_owned).collect())
        .collect()
}
