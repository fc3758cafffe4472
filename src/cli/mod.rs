//! Command-line interface: parses arguments and wires the pipeline stages.
//!
//! Input: argv and environment. Output: an exit code. Invariant: user errors are
//! reported as miette diagnostics with a non-zero exit, never as panics.

use std::process::ExitCode;

pub fn main() -> ExitCode {
    ExitCode::SUCCESS
}
