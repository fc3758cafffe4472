//! `--target`: which target a command builds for, prints or loads.
//!
//! Input: `--target NAME|DIR` and its old spelling `--templates DIR`.
//! Output: the target's [`TemplateSet`] (templates and checked mapping), read
//! by `output`. Invariant: at most one of the two flags; a bad mapping is
//! reported at its line before anything is compiled or written.

use std::path::PathBuf;

use crate::render::TemplateSet;

#[derive(Debug, Clone, Default, clap::Args)]
pub struct TargetArgs {
    /// Target schema: `reference` (default), `laravel`, or a folder holding
    /// target.yaml and templates (see docs/mapping.md).
    #[arg(long, value_name = "NAME|DIR")]
    pub target: Option<String>,
    /// Old spelling of `--target DIR`: a folder whose templates replace the
    /// reference target's by file name.
    #[arg(long, value_name = "DIR", conflicts_with = "target")]
    pub templates: Option<PathBuf>,
}

impl TargetArgs {
    pub fn load(&self) -> Result<TemplateSet, miette::Report> {
        crate::output::load_target(self.target.as_deref(), self.templates.as_deref())
    }
}
