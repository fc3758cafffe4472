//! Scenario spec parsing: YAML text to raw types that remember their spans.
//!
//! Input: the spec's file name and text. Output: raw, unvalidated types, or
//! every problem found at once as [`SpecErrors`].
//! Invariant: never panics on any input.

mod decode;
mod document;
pub mod numbers;
mod problem;
pub mod raw;
mod source;
pub mod text;

use miette::{Diagnostic, NamedSource};
use thiserror::Error;

pub use decode::Decoder;
pub use problem::{Kind, Problem, Problems};
pub use raw::Spanned;
pub use source::SourceMap;

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

/// Parses YAML text into a raw scenario. Structural problems (syntax, unknown
/// keys, missing fields, wrong types, malformed scalars) go into `problems`;
/// the raw scenario holds whatever could be read, so that validation can still
/// find the semantic problems in the rest of the file.
pub fn parse(text: &str, problems: &mut Problems) -> Option<raw::RawScenario> {
    let source = SourceMap::new(text);
    let options = marked_yaml::LoaderOptions::default()
        .error_on_duplicate_keys(true)
        .prevent_coercion(true);
    match marked_yaml::parse_yaml_with_options(0, text, options) {
        Ok(node) => {
            let mut decoder = Decoder::new(&source, problems);
            document::scenario(&mut decoder, &node)
        }
        Err(error) => {
            problems.push(decode::load_error(&source, &error));
            None
        }
    }
}
