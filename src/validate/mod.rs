//! Validation: raw spec types to the [`crate::model`], with defaults applied.
//!
//! Input: raw types from [`crate::spec`]. Output: a [`Scenario`] or every
//! problem at once. Invariant: a returned `Scenario` satisfies every rule the
//! model documents.

mod activity;
mod banking;
mod catalog;
mod chart;
mod choice;
mod company;
mod inventory;
mod overlay;
mod parties;
mod payroll;
mod scenario;
pub mod size;
mod targets;
mod tax;
mod time_travel;

pub use activity::normalise as normalise_seasonality;
pub use overlay::{compile_overlay, unknown_overlay};
pub use scenario::spec_hash;
pub use time_travel::parse_offset;

use miette::{NamedSource, SourceSpan};

use crate::model::Scenario;
use crate::spec::{self, Kind, Problems, SpecErrors};

/// Specs are hand-written; anything larger is a mistake (or an attack) and
/// would only make the YAML parser slow.
pub const MAX_SPEC_BYTES: usize = 1024 * 1024;

/// Parses and validates a spec. `name` is the path shown in diagnostics.
pub fn compile(name: &str, text: &str) -> Result<Scenario, SpecErrors> {
    let mut problems = Problems::default();
    let scenario = if text.len() > MAX_SPEC_BYTES {
        problems.report(
            Kind::AbsurdSize,
            SourceSpan::new(0.into(), 0),
            format!("the spec is {} bytes; the limit is {MAX_SPEC_BYTES}", text.len()),
            "spec too large",
            "a scenario spec is a short hand-written file; describe populations with counts instead of listing them",
        );
        None
    } else {
        spec::parse(text, &mut problems)
            .and_then(|raw| scenario::scenario(&raw, text, &mut problems))
    };
    finish(
        scenario,
        problems,
        name,
        text,
        "spec",
        "docs/scenario-reference.md",
    )
}

/// Refuses, before any compile, a command that would hold more of this
/// (already valid) spec in memory than the limit allows: the same
/// `absurd_size` diagnostic as `build`'s, at the `companies` list.
pub fn refuse_in_memory(name: &str, text: &str, need: &size::Need) -> Result<(), SpecErrors> {
    if need.fits() {
        return Ok(());
    }
    let mut problems = Problems::default();
    if let Some(raw) = spec::parse(text, &mut problems) {
        size::refuse(&raw, need, &mut problems);
    }
    finish(
        None::<()>,
        problems,
        name,
        text,
        "spec",
        "docs/scenario-reference.md",
    )
}

/// The compiled value if no problem was found, else every problem, in
/// reading order, as one diagnostic. Shared by specs and overlays.
pub(crate) fn finish<T>(
    value: Option<T>,
    mut problems: Problems,
    name: &str,
    text: &str,
    what: &str,
    doc: &str,
) -> Result<T, SpecErrors> {
    match value {
        Some(value) if problems.is_empty() => Ok(value),
        _ => {
            if problems.is_empty() {
                // Unreachable by construction; kept so an error never comes
                // back empty-handed.
                problems.report(
                    Kind::InvalidValue,
                    SourceSpan::new(0.into(), 0),
                    format!("the {what} could not be compiled"),
                    "here",
                    format!("check the {what} against {doc}"),
                );
            }
            // Reading order: structural and semantic problems interleave as
            // they appear in the file, whichever stage found them.
            problems.0.sort_by_key(|p| p.span.offset());
            // A huge text is not echoed back in full: the report shows spans
            // only; long lines are cut so the report can always render.
            let shown = if text.len() > MAX_SPEC_BYTES {
                String::new()
            } else {
                problems.fit_for_display(text)
            };
            Err(SpecErrors {
                name: name.to_owned(),
                source_code: NamedSource::new(name, shown),
                problems: problems.0,
            })
        }
    }
}
