//! Positions in the spec text: marked-yaml markers to miette byte spans.
//!
//! Input: the spec text and markers (character indices). Output: byte-offset
//! [`SourceSpan`]s. Invariant: every span returned lies within the text and on
//! character boundaries, whatever marker it is given.

use marked_yaml::types::{MarkedScalarNode, Marker, Node};
use miette::SourceSpan;

pub struct SourceMap<'a> {
    text: &'a str,
    /// Byte offset of each character; `None` when the text is ASCII, where the
    /// two coincide, which saves a large table for the common case.
    char_starts: Option<Vec<usize>>,
}

impl<'a> SourceMap<'a> {
    pub fn new(text: &'a str) -> Self {
        let char_starts = if text.is_ascii() {
            None
        } else {
            Some(text.char_indices().map(|(i, _)| i).collect())
        };
        SourceMap { text, char_starts }
    }

    pub fn text(&self) -> &'a str {
        self.text
    }

    /// Byte offset of a marker, clamped to the end of the text.
    pub fn offset(&self, marker: Option<&Marker>) -> usize {
        let Some(marker) = marker else { return 0 };
        let index = marker.character();
        match &self.char_starts {
            None => index.min(self.text.len()),
            Some(starts) => starts.get(index).copied().unwrap_or(self.text.len()),
        }
    }

    /// An empty span at a marker, for errors that have a point but no extent.
    pub fn point(&self, marker: Option<&Marker>) -> SourceSpan {
        SourceSpan::new(self.offset(marker).into(), 0)
    }

    /// The scalar as written, quotes included.
    pub fn scalar(&self, node: &MarkedScalarNode) -> SourceSpan {
        let start = self.offset(node.span().start());
        let rest = self.text.get(start..).unwrap_or("");
        SourceSpan::new(start.into(), token_len(rest, node.as_str()))
    }

    /// A scalar's token, or the first line of a mapping or list: block
    /// collections end at the next dedented line, which makes a poor label.
    pub fn node(&self, node: &Node) -> SourceSpan {
        match node {
            Node::Scalar(scalar) => self.scalar(scalar),
            Node::Mapping(_) | Node::Sequence(_) => {
                // A block mapping's own marker sits at its first `:`, so
                // start from its first key instead.
                let first_key = node.as_mapping().and_then(|m| m.keys().next());
                let start = match first_key {
                    Some(key) => self.offset(key.span().start()),
                    None => self.offset(node.span().start()),
                };
                let rest = self.text.get(start..).unwrap_or("");
                SourceSpan::new(start.into(), line_len(rest))
            }
        }
    }
}

fn token_len(rest: &str, value: &str) -> usize {
    match rest.chars().next() {
        Some(quote @ ('"' | '\'')) => quoted_len(rest, quote),
        Some(_) if !value.is_empty() && rest.starts_with(value) => value.len(),
        _ => line_len(rest),
    }
}

/// Length of a quoted scalar up to its closing quote; a scalar that continues
/// on the next line is cut at the end of its first line.
fn quoted_len(rest: &str, quote: char) -> usize {
    let mut chars = rest.char_indices().skip(1).peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '\n' => return i,
            '\\' if quote == '"' => {
                chars.next();
            }
            c if c == quote => {
                // In single quotes, a doubled quote is an escaped quote.
                if quote == '\'' && chars.peek().map(|&(_, n)| n) == Some('\'') {
                    chars.next();
                } else {
                    return i + c.len_utf8();
                }
            }
            _ => {}
        }
    }
    line_len(rest)
}

fn line_len(rest: &str) -> usize {
    let line = rest.split('\n').next().unwrap_or("");
    line.trim_end().len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_lengths_cover_quotes_and_escapes() {
        assert_eq!(token_len("abc # x", "abc"), 3);
        assert_eq!(token_len("\"a\\\"b\" rest", "a\"b"), 6);
        assert_eq!(token_len("'it''s' rest", "it's"), 7);
        assert_eq!(token_len("\"open\nmore", "open more"), 5);
        assert_eq!(token_len("", ""), 0);
    }

    #[test]
    fn offsets_are_bytes_for_non_ascii_text() {
        let map = SourceMap::new("é: ü");
        let marker = Marker::new(0, 3, 1, 4);
        assert_eq!(map.offset(Some(&marker)), 4);
        let beyond = Marker::new(0, 99, 1, 1);
        assert_eq!(map.offset(Some(&beyond)), "é: ü".len());
    }
}
