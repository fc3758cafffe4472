//! Scenario spec parsing: YAML text to raw types that remember their spans.
//!
//! Input: the spec's file name and text. Output: raw, unvalidated types, or
//! every problem found at once as [`SpecErrors`].
//! Invariant: never panics on any input.

use miette::{Diagnostic, NamedSource, SourceSpan};
use thiserror::Error;

/// Every problem found in one spec, reported together.
#[derive(Debug, Error, Diagnostic)]
#[error("{} problem(s) in scenario spec {}", problems.len(), name)]
pub struct SpecErrors {
    pub name: String,
    #[source_code]
    pub source_code: NamedSource<String>,
    #[related]
    pub problems: Vec<Problem>,
}

/// One problem, with the span of the offending field.
#[derive(Debug, Error, Diagnostic)]
#[error("{message}")]
pub struct Problem {
    pub message: String,
    #[label("{label}")]
    pub span: SourceSpan,
    pub label: String,
    #[help]
    pub help: Option<String>,
}
