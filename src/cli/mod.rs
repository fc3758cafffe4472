//! Command-line interface: parses arguments and wires the pipeline stages.
//!
//! Input: argv and environment. Output: an exit code. Invariant: user errors are
//! reported as miette diagnostics with a non-zero exit, never as panics.

// First, so that `say!` is in scope for the command modules below.
#[macro_use]
mod stdout;
mod args;
mod commands;
mod db_commands;
mod delta_commands;
mod export_command;
mod overlays;
mod preview_command;

use std::process::ExitCode;

use clap::Parser;

pub use args::Cli;
pub use commands::build_dump_bytes;

/// Exit codes, documented in the README.
pub mod exit {
    /// The spec or input (arguments included) is invalid; nothing was written.
    pub const INVALID_INPUT: u8 = 1;
    /// `check` found generated files that differ from a fresh build.
    pub const STALE: u8 = 2;
    /// An I/O or database failure.
    pub const FAILURE: u8 = 3;
}

pub fn main() -> ExitCode {
    install_report_hook();
    match Cli::try_parse() {
        Ok(cli) => commands::run(cli),
        Err(error) => usage_error(&error),
    }
}

/// clap exits 2 on a usage error, which is also `check`'s "stale". A bad
/// argument is invalid input (exit 1); `--help` and `--version` stay exit 0.
fn usage_error(error: &clap::Error) -> ExitCode {
    // Printing can only fail when stderr/stdout is closed; nothing to report then.
    let _ = error.print();
    if error.use_stderr() {
        ExitCode::from(exit::INVALID_INPUT)
    } else {
        ExitCode::SUCCESS
    }
}

/// Diagnostics are plain text when stderr is not a terminal, so that CI logs and
/// snapshot tests see the same bytes on every machine.
fn install_report_hook() {
    use std::io::IsTerminal;
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let _ = miette::set_hook(Box::new(move |_| {
        Box::new(
            miette::MietteHandlerOpts::new()
                .terminal_links(false)
                .color(colour)
                .unicode(colour)
                .width(100)
                .build(),
        )
    }));
}
