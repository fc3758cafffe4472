//! Printing to stdout without panicking when the reader goes away.
//!
//! `println!` panics on a closed pipe (`demoforge check | head`). Like other
//! Unix tools, demoforge stops quietly instead: the reader has what it wanted.

use std::io::{self, Write};

/// Writes formatted text to stdout; exits with status 0 if the pipe is closed.
pub fn write_stdout(args: std::fmt::Arguments<'_>) {
    let mut out = io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|()| out.flush()) {
        if e.kind() == io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("demoforge: cannot write to stdout: {e}");
        std::process::exit(i32::from(super::exit::FAILURE));
    }
}

/// `println!` that survives a closed pipe.
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::cli::stdout::write_stdout(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `print!` that survives a closed pipe.
macro_rules! say_raw {
    ($($arg:tt)*) => {
        $crate::cli::stdout::write_stdout(format_args!($($arg)*))
    };
}
