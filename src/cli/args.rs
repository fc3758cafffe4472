//! The command line's shape: subcommands, flags and their help lines.
//!
//! Input: argv (parsed by clap). Output: a [`Cli`]. Invariant: every argument
//! of every subcommand has a help line (`tests/cli_args.rs` walks the tree).

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Compile YAML scenario specs into deterministic PostgreSQL dumps of demo tenants.
#[derive(Debug, Parser)]
#[command(name = "demoforge", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Compile specs into generated/<scenario>/base-demo.sql and its companions.
    Build {
        /// Scenario spec files.
        #[arg(required = true)]
        specs: Vec<PathBuf>,
        /// Output folder.
        #[arg(long, default_value = "generated")]
        out: PathBuf,
        #[command(flatten)]
        templates: super::target_args::TargetArgs,
    },
    /// Regenerate in memory and compare with the files on disk.
    Check {
        /// Scenario spec files (default: every scenarios/*.yaml).
        specs: Vec<PathBuf>,
        /// Folder holding the generated files to compare with.
        #[arg(long, default_value = "generated")]
        out: PathBuf,
        #[command(flatten)]
        templates: super::target_args::TargetArgs,
    },
    /// Parse and validate specs only; report every problem.
    Validate {
        /// Scenario spec files or overlay files.
        #[arg(required = true)]
        specs: Vec<PathBuf>,
    },
    /// Export the ledger as an hledger or beancount journal.
    Export(super::export_command::ExportArgs),
    /// Report the books as of a date: trial balance, P&L, balance sheet, cash, aging.
    Preview(super::preview_command::PreviewArgs),
    /// Print the reference schema DDL, or apply it with --apply.
    Schema {
        #[command(flatten)]
        templates: super::target_args::TargetArgs,
        #[command(flatten)]
        target: super::db_commands::SchemaTarget,
    },
    /// Emit the delta that adds one ISO week of activity to a loaded tenant.
    Tick(super::delta_commands::TickArgs),
    /// Emit the delta that layers overlays (scenarios/overlays/NAME.yaml) onto a loaded tenant.
    Overlay(super::delta_commands::OverlayArgs),
    /// Load a dump into a database as the demo tenant, with fresh credentials.
    Load(super::db_commands::LoadArgs),
    /// Reset the demo tenant to its snapshot, with an audit row.
    Reset(super::db_commands::ResetArgs),
}
