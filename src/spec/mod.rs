//! Scenario spec parsing: YAML text to raw types that remember their spans.
//!
//! Input: the spec's file name and text. Output: raw, unvalidated types, or
//! every problem found at once as [`SpecErrors`].
//! Invariant: never panics on any input.

pub mod decode;
mod document;
pub mod numbers;
pub mod overlay;
mod problem;
pub mod raw;
mod source;
pub mod text;

use miette::{Diagnostic, NamedSource};
use thiserror::Error;

pub use decode::{Decoder, Entry, Map, load_error};
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
            if let Some(at) = second_document(text) {
                problems.report(
                    Kind::YamlSyntax,
                    miette::SourceSpan::new(at.into(), 3),
                    "a spec holds one YAML document, but a second one starts here",
                    "second document",
                    "remove the `---` / `...` line, or put each scenario in its own file",
                );
            }
            let mut decoder = Decoder::new(&source, problems);
            document::scenario(&mut decoder, &node)
        }
        Err(error) => {
            problems.push(decode::load_error(&source, &error));
            None
        }
    }
}

/// Byte offset of a document marker (`---` or `...`) that follows content.
/// The parser reads only the first document, so without this check the rest
/// of the file would be silently ignored.
fn second_document(text: &str) -> Option<usize> {
    let mut seen_content = false;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let is_marker = (line.starts_with("---") || line.starts_with("..."))
            && line
                .get(3..)
                .is_none_or(|rest| rest.is_empty() || rest.starts_with(char::is_whitespace));
        if is_marker && seen_content {
            return Some(offset);
        }
        let trimmed = line.trim();
        if !is_marker && !trimmed.is_empty() && !trimmed.starts_with('#') {
            seen_content = true;
        }
        offset += line.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::second_document;

    #[test]
    fn finds_a_second_document_only_after_content() {
        assert_eq!(second_document("---\na: 1\n"), None);
        assert_eq!(second_document("a: 1\n---\nb: 2\n"), Some(5));
        assert_eq!(second_document("a: 1\n...\n"), Some(5));
        assert_eq!(second_document("a: '---'\nb: ----\n"), None);
    }
}
