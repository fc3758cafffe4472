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
pub mod target_args;

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
        Box::new(NeverPanics {
            fancy: miette::MietteHandlerOpts::new()
                .terminal_links(false)
                .color(colour)
                .unicode(colour)
                .width(100)
                // Paths, URLs and state strings (`slug@2026-01-31#…`) stay on
                // one line: wrap only at spaces, never inside a word.
                .break_words(false)
                .word_splitter(textwrap::WordSplitter::NoHyphenation)
                .build(),
        })
    }));
}

/// The graphical handler, with the narratable one as a last resort: miette's
/// graphical renderer has panicked on inputs (a label past column 65,535).
/// Spec reports cut long lines first (`Problems::fit_for_display`), so the
/// fallback is for what that does not foresee: a report must never crash.
struct NeverPanics {
    fancy: miette::MietteHandler,
}

impl miette::ReportHandler for NeverPanics {
    fn debug(
        &self,
        diagnostic: &dyn miette::Diagnostic,
        f: &mut std::fmt::Formatter<'_>,
    ) -> std::fmt::Result {
        match render_quietly(&self.fancy, diagnostic) {
            Some(text) => f.write_str(&text),
            None => {
                miette::ReportHandler::debug(&miette::NarratableReportHandler::new(), diagnostic, f)
            }
        }
    }
}

/// `handler`'s rendering of `diagnostic`, or `None` if it panicked (with the
/// panic message kept off stderr).
fn render_quietly(
    handler: &dyn miette::ReportHandler,
    diagnostic: &dyn miette::Diagnostic,
) -> Option<String> {
    struct Render<'a>(&'a dyn miette::ReportHandler, &'a dyn miette::Diagnostic);
    impl std::fmt::Display for Render<'_> {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            self.0.debug(self.1, f)
        }
    }
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let rendered = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        Render(handler, diagnostic).to_string()
    }));
    std::panic::set_hook(previous);
    rendered.ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A label past column 65,535, which miette's graphical handler cannot draw.
    #[derive(Debug, thiserror::Error, miette::Diagnostic)]
    #[error("far away")]
    struct FarLabel {
        #[source_code]
        src: String,
        #[label("here")]
        at: miette::SourceSpan,
    }

    #[test]
    fn a_report_renders_even_where_the_graphical_handler_panics() {
        let src = format!("a: {}bad\n", "x".repeat(70_000));
        let at = miette::SourceSpan::new((src.len() - 4).into(), 3);
        let handler = NeverPanics {
            fancy: miette::MietteHandlerOpts::new()
                .color(false)
                .unicode(false)
                .build(),
        };
        let diagnostic = FarLabel { src, at };
        assert!(render_quietly(&handler.fancy, &diagnostic).is_none());
        let text = render_quietly(&handler, &diagnostic).expect("the fallback renders");
        assert!(
            text.contains("far away"),
            "{}",
            &text[..text.len().min(500)]
        );
    }
}
