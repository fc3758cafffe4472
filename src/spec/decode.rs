//! The decoder: walks a marked-yaml node tree and reads typed values with spans.
//!
//! Input: [`Node`]s and the [`SourceMap`] of their text. Output: typed values
//! wrapped in [`Spanned`], and problems for everything that cannot be read.
//! Invariant: reading never stops at the first problem: a bad value yields
//! `None` plus one problem, and the caller carries on with its siblings.
//! Every scalar is refused here if `build` could not store it (a NUL, or more
//! than [`MAX_TEXT_CHARS`] characters), so `validate` and `build` agree.

use chrono::NaiveDate;
use marked_yaml::LoadError;
use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode, MarkedSequenceNode, Node};
use miette::SourceSpan;

use super::numbers::{self, NumberError, PercentError};
use super::problem::{Kind, Problem, Problems};
use super::raw::Spanned;
use super::source::SourceMap;
use super::text::{did_you_mean, quoted_list};

/// Longest value of any spec or overlay field, in characters.
pub const MAX_TEXT_CHARS: usize = 1000;

pub struct Decoder<'s, 'p> {
    pub source: &'s SourceMap<'s>,
    pub problems: &'p mut Problems,
}

/// A value together with the span of its key, which is where a problem about
/// the value as a whole (or a missing child) is reported.
#[derive(Clone, Copy)]
pub struct Entry<'n> {
    pub key: SourceSpan,
    pub name: &'n str,
    pub node: &'n Node,
}

/// A mapping whose keys have been checked against the known ones.
#[derive(Clone, Copy)]
pub struct Map<'n> {
    /// Where "missing field" problems point: the mapping's own key, or the
    /// first line of a list item.
    pub at: SourceSpan,
    pub path: &'n str,
    node: &'n MarkedMappingNode,
}

impl<'s, 'p> Decoder<'s, 'p> {
    pub fn new(source: &'s SourceMap<'s>, problems: &'p mut Problems) -> Self {
        Decoder { source, problems }
    }

    pub fn report(
        &mut self,
        kind: Kind,
        span: SourceSpan,
        message: impl Into<String>,
        label: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.problems.report(kind, span, message, label, help);
    }

    /// Reads `node` as a mapping and reports every key not in `known`.
    /// `path` names the mapping in messages, e.g. `companies[0].customers`.
    pub fn map<'n>(
        &mut self,
        node: &'n Node,
        at: SourceSpan,
        path: &'n str,
        known: &[&str],
    ) -> Option<Map<'n>> {
        let Some(mapping) = node.as_mapping() else {
            self.wrong_type(node, "a mapping of fields", path);
            return None;
        };
        for key in mapping.keys() {
            if !known.contains(&key.as_str()) {
                self.unknown_key(key, path, known);
            }
        }
        Some(Map {
            at,
            path,
            node: mapping,
        })
    }

    fn unknown_key(&mut self, key: &MarkedScalarNode, path: &str, known: &[&str]) {
        let span = self.source.scalar(key);
        let name = key.as_str();
        let message = format!("unknown field `{name}` in {path}");
        match did_you_mean(name, known) {
            Some(close) => self.report(
                Kind::UnknownField,
                span,
                message,
                format!("did you mean `{close}`?"),
                format!(
                    "rename it to `{close}`; valid fields here: {}",
                    quoted_list(known)
                ),
            ),
            None => self.report(
                Kind::UnknownField,
                span,
                message,
                "unknown field",
                format!("remove it; valid fields here: {}", quoted_list(known)),
            ),
        }
    }

    /// Looks up `key`, giving the entry the span of its key.
    pub fn field<'n>(&self, map: &Map<'n>, key: &str) -> Option<Entry<'n>> {
        map.node
            .iter()
            .find(|(k, _)| k.as_str() == key)
            .map(|(k, node)| Entry {
                key: self.source.scalar(k),
                name: k.as_str(),
                node,
            })
    }

    /// Like [`Self::field`], but reports a missing field at the mapping.
    pub fn required<'n>(&mut self, map: &Map<'n>, key: &str, example: &str) -> Option<Entry<'n>> {
        let entry = self.field(map, key);
        if entry.is_none() {
            self.report(
                Kind::MissingField,
                map.at,
                format!("missing required field `{key}` in {}", map.path),
                format!("`{key}` is missing here"),
                format!("add `{key}: {example}`"),
            );
        }
        entry
    }

    pub fn list<'n>(&mut self, entry: Entry<'n>, path: &str) -> Option<&'n MarkedSequenceNode> {
        match entry.node.as_sequence() {
            Some(list) => Some(list),
            None => {
                self.wrong_type(entry.node, "a list", path);
                None
            }
        }
    }

    /// The text of a non-empty scalar, or a wrong-type problem.
    pub fn scalar<'n>(&mut self, entry: Entry<'n>, expected: &str) -> Option<Spanned<&'n str>> {
        match entry.node {
            Node::Scalar(scalar) if !is_null(scalar) => {
                let span = self.source.scalar(scalar);
                self.storable(scalar.as_str(), span, entry.name)
                    .then(|| Spanned::new(scalar.as_str(), span))
            }
            node => {
                self.wrong_type(node, expected, entry.name);
                None
            }
        }
    }

    pub fn string(&mut self, entry: Entry<'_>) -> Option<Spanned<String>> {
        self.scalar(entry, "a string")
            .map(|s| Spanned::new(s.value.to_owned(), s.span))
    }

    pub fn unsigned(&mut self, entry: Entry<'_>) -> Option<Spanned<u64>> {
        let text = self.scalar(entry, "a whole number")?;
        match numbers::parse_unsigned(text.value) {
            Ok(value) => Some(Spanned::new(value, text.span)),
            Err(NumberError::Overflow) => {
                self.report(
                    Kind::OutOfRange,
                    text.span,
                    format!("`{}` is too large for {}", text.value, entry.name),
                    "too large",
                    "use a whole number below 18446744073709551616",
                );
                None
            }
            Err(_) => {
                self.wrong_type(entry.node, "a whole number", entry.name);
                None
            }
        }
    }

    /// A whole number that may be negative, so that validation can report a
    /// negative value as out of range rather than as a wrong type.
    pub fn integer(&mut self, entry: Entry<'_>) -> Option<Spanned<i64>> {
        let text = self.scalar(entry, "a whole number")?;
        match numbers::parse_fixed(text.value, 0) {
            Ok(value) => Some(Spanned::new(value, text.span)),
            Err(NumberError::Overflow) => {
                self.report(
                    Kind::OutOfRange,
                    text.span,
                    format!("`{}` is too large for {}", text.value, entry.name),
                    "too large",
                    "use a whole number between -9223372036854775808 and 9223372036854775807",
                );
                None
            }
            Err(_) => {
                self.wrong_type(entry.node, "a whole number", entry.name);
                None
            }
        }
    }

    /// A decimal with at most `places` decimals, scaled by `10^places`.
    pub fn decimal(
        &mut self,
        entry: Entry<'_>,
        places: u32,
        example: &str,
    ) -> Option<Spanned<i64>> {
        let text = self.scalar(entry, "a decimal number")?;
        match numbers::parse_fixed(text.value, places) {
            Ok(value) => Some(Spanned::new(value, text.span)),
            Err(NumberError::TooManyDecimals { allowed }) => {
                self.report(
                    Kind::InvalidValue,
                    text.span,
                    format!(
                        "`{}` has too many decimal places for {}",
                        text.value, entry.name
                    ),
                    format!("at most {allowed} decimal places"),
                    format!("round it to {allowed} decimal places, e.g. `{example}`"),
                );
                None
            }
            Err(NumberError::Overflow) => {
                self.report(
                    Kind::OutOfRange,
                    text.span,
                    format!("`{}` is too large for {}", text.value, entry.name),
                    "too large",
                    format!("use a value such as `{example}`"),
                );
                None
            }
            Err(NumberError::NotANumber) => {
                self.wrong_type(entry.node, "a decimal number", entry.name);
                None
            }
        }
    }

    /// A percentage such as `20%`, in basis points.
    pub fn percent(&mut self, entry: Entry<'_>, example: &str) -> Option<Spanned<i64>> {
        let text = self.scalar(entry, "a percentage")?;
        let field = entry.name;
        let (kind, message, label, help) = match numbers::parse_percent(text.value) {
            Ok(value) => return Some(Spanned::new(value, text.span)),
            Err(PercentError::MissingSign) => (
                Kind::PercentWithoutSign,
                format!(
                    "`{field}` is a percentage but `{}` has no `%` sign",
                    text.value
                ),
                "missing `%`",
                format!(
                    "write it as a percentage, e.g. `{example}` (a bare number is ambiguous: is 0.2 meant as 20% or 0.2%?)"
                ),
            ),
            Err(PercentError::TooManyDecimals) => (
                Kind::InvalidValue,
                format!("`{}` has more than 2 decimal places", text.value),
                "at most 2 decimal places",
                format!("round it to 2 decimal places, e.g. `{example}`"),
            ),
            Err(PercentError::Overflow) => (
                Kind::OutOfRange,
                format!("`{}` is too large for {field}", text.value),
                "too large",
                format!("use a percentage such as `{example}`"),
            ),
            Err(PercentError::NotAPercentage) => (
                Kind::WrongType,
                format!(
                    "expected a percentage for `{field}`, found `{}`",
                    text.value
                ),
                "not a percentage",
                format!("write a percentage, e.g. `{example}`"),
            ),
        };
        self.report(kind, text.span, message, label, help);
        None
    }

    /// A calendar date written `YYYY-MM-DD`.
    pub fn date(&mut self, entry: Entry<'_>) -> Option<Spanned<NaiveDate>> {
        let text = self.scalar(entry, "a date")?;
        let Some((year, month, day)) = split_date(text.value) else {
            self.report(
                Kind::InvalidValue,
                text.span,
                format!("`{}` is not a date in the form YYYY-MM-DD", text.value),
                "not YYYY-MM-DD",
                "write the date as YYYY-MM-DD, e.g. `2026-11-15`",
            );
            return None;
        };
        match NaiveDate::from_ymd_opt(year, month, day) {
            Some(date) => Some(Spanned::new(date, text.span)),
            None => {
                self.report(
                    Kind::ImpossibleDate,
                    text.span,
                    format!("`{}` is not a day in the calendar", text.value),
                    "no such date",
                    impossible_date_help(year, month),
                );
                None
            }
        }
    }

    /// Whether `text` can reach a generated file: no NUL (PostgreSQL text
    /// cannot hold one, so `build` would fail) and at most [`MAX_TEXT_CHARS`]
    /// characters. Reports the problem otherwise.
    fn storable(&mut self, text: &str, span: SourceSpan, field: &str) -> bool {
        if text.contains('\0') {
            self.report(
                Kind::InvalidValue,
                span,
                format!(
                    "`{field}` contains a NUL character (`\\0`), which PostgreSQL text cannot hold"
                ),
                "NUL character",
                "remove the `\\0` escape from the string",
            );
            return false;
        }
        let chars = text.chars().count();
        if chars > MAX_TEXT_CHARS {
            self.report(
                Kind::AbsurdSize,
                span,
                format!("`{field}` is {chars} characters long; the limit is {MAX_TEXT_CHARS}"),
                "too long",
                format!(
                    "shorten it to at most {MAX_TEXT_CHARS} characters; names and labels are short"
                ),
            );
            return false;
        }
        true
    }

    /// "expected X, found Y" at the value.
    pub fn wrong_type(&mut self, node: &Node, expected: &str, field: &str) {
        let span = self.source.node(node);
        let found = describe(node);
        self.report(
            Kind::WrongType,
            span,
            format!("expected {expected} for `{field}`, found {found}"),
            format!("expected {expected}"),
            format!("replace it with {expected}"),
        );
    }
}

fn is_null(scalar: &MarkedScalarNode) -> bool {
    scalar.may_coerce() && matches!(scalar.as_str(), "" | "~" | "null" | "Null" | "NULL")
}

fn describe(node: &Node) -> String {
    match node {
        Node::Mapping(_) => "a mapping".to_owned(),
        Node::Sequence(_) => "a list".to_owned(),
        Node::Scalar(s) if is_null(s) => "an empty value".to_owned(),
        Node::Scalar(s) => {
            let text = s.as_str();
            let shown: String = text.chars().take(40).collect();
            let what = if !s.may_coerce() {
                "the string"
            } else if s.as_bool().is_some() {
                "the boolean"
            } else if numbers::parse_fixed(text, 18).is_ok() {
                "the number"
            } else {
                "the string"
            };
            format!("{what} `{shown}`")
        }
    }
}

fn split_date(text: &str) -> Option<(i32, u32, u32)> {
    let bytes = text.as_bytes();
    let shape_ok = bytes.len() == 10
        && bytes.get(4) == Some(&b'-')
        && bytes.get(7) == Some(&b'-')
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shape_ok {
        return None;
    }
    let year = text.get(0..4)?.parse().ok()?;
    let month = text.get(5..7)?.parse().ok()?;
    let day = text.get(8..10)?.parse().ok()?;
    Some((year, month, day))
}

fn impossible_date_help(year: i32, month: u32) -> String {
    if !(1..=12).contains(&month) {
        return "months run from 01 to 12".to_owned();
    }
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year.saturating_add(1), 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    };
    match next.and_then(|d| d.pred_opt()) {
        Some(last) => format!(
            "{} has {} days; pick a day from 01 to {}",
            last.format("%Y-%m"),
            last.format("%d"),
            last.format("%d")
        ),
        None => "pick a day that exists in that month".to_owned(),
    }
}

/// Errors found at the end of input (an unclosed bracket, say) would point
/// past the last line, where no source is shown; point at the last line with
/// content instead.
fn near_content(source: &SourceMap<'_>, span: SourceSpan) -> SourceSpan {
    let content = source.text().trim_end();
    if span.offset() < content.len() {
        return span;
    }
    let line_start = content.rfind('\n').map_or(0, |i| i + 1);
    let line = content.get(line_start..).unwrap_or("");
    let indent = line.len() - line.trim_start().len();
    SourceSpan::new((line_start + indent).into(), line.trim().len())
}

/// The parser's own error, as one problem at its position.
pub fn load_error(source: &SourceMap<'_>, error: &LoadError) -> Problem {
    let problem = |kind, span, message: String, label: &str, help: &str| Problem {
        kind,
        message,
        span,
        label: label.to_owned(),
        help: Some(help.to_owned()),
    };
    match error {
        LoadError::ScanError(marker, scan) => problem(
            Kind::YamlSyntax,
            near_content(source, source.point(Some(marker))),
            format!("YAML syntax error: {}", scan.info()),
            "the parser stopped here",
            "check indentation and quoting near this line",
        ),
        LoadError::DuplicateKey(inner) => problem(
            Kind::DuplicateKey,
            source.scalar(&inner.key),
            format!(
                "`{}` appears twice in the same mapping (first on line {})",
                inner.key.as_str(),
                inner.prev_key.span().start().map_or(0, |m| m.line())
            ),
            "duplicate key",
            "remove one of the two, or merge their contents",
        ),
        LoadError::TopLevelMustBeMapping(marker) | LoadError::TopLevelMustBeSequence(marker) => {
            problem(
                Kind::WrongType,
                source.point(Some(marker)),
                "a scenario spec must be a mapping of fields at the top level".to_owned(),
                "expected `version: 1` and friends",
                "start the file with `version: 1` on its own line",
            )
        }
        LoadError::UnexpectedAnchor(marker) => problem(
            Kind::YamlSyntax,
            source.point(Some(marker)),
            "YAML anchors and aliases are not supported in specs".to_owned(),
            "anchor",
            "write the value out in full instead of using `&anchor` / `*alias`",
        ),
        LoadError::UnexpectedTag(marker) => problem(
            Kind::YamlSyntax,
            source.point(Some(marker)),
            "YAML tags (`!tag`) are not supported in specs".to_owned(),
            "tag",
            "remove the tag; quote the value if it should be a string",
        ),
        LoadError::MappingKeyMustBeScalar(marker) => problem(
            Kind::YamlSyntax,
            source.point(Some(marker)),
            "mapping keys must be plain words".to_owned(),
            "complex key",
            "use a plain field name such as `name:` as the key",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_split_strictly() {
        assert_eq!(split_date("2026-11-15"), Some((2026, 11, 15)));
        assert_eq!(split_date("2026-2-15"), None);
        assert_eq!(split_date("2026/11/15"), None);
        assert_eq!(split_date("2026-11-1x"), None);
        assert_eq!(split_date("２０２６-11-15"), None);
    }

    #[test]
    fn impossible_date_help_names_the_month_length() {
        assert_eq!(
            impossible_date_help(2026, 2),
            "2026-02 has 28 days; pick a day from 01 to 28"
        );
        assert_eq!(impossible_date_help(2026, 13), "months run from 01 to 12");
    }
}
