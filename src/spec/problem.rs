//! One reportable problem in a spec, and the collector that gathers them.
//!
//! Input: a kind, a span and texts. Output: miette diagnostics.
//! Invariant: every problem carries a span inside the spec text and a stable
//! diagnostic code (`demoforge::spec::<kind>`), which the docs list.
//! [`Problems::fit_for_display`] shortens long source lines so that a report
//! always renders: miette's graphical handler panics on a label past column
//! 65,535 (a format width limit), and a huge line helps nobody anyway.

use std::fmt::Display;

use miette::{Diagnostic, LabeledSpan, SourceSpan};
use thiserror::Error;

/// The class of a problem; each has a stable diagnostic code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    YamlSyntax,
    DuplicateKey,
    UnknownField,
    MissingField,
    WrongType,
    InvalidValue,
    ImpossibleDate,
    OutOfRange,
    DanglingReference,
    DuplicateName,
    AbsurdSize,
    RealEmailDomain,
    SuperAdminRole,
    MissingRole,
    PercentWithoutSign,
    SharesNot100,
}

impl Kind {
    pub const ALL: [Kind; 16] = [
        Kind::YamlSyntax,
        Kind::DuplicateKey,
        Kind::UnknownField,
        Kind::MissingField,
        Kind::WrongType,
        Kind::InvalidValue,
        Kind::ImpossibleDate,
        Kind::OutOfRange,
        Kind::DanglingReference,
        Kind::DuplicateName,
        Kind::AbsurdSize,
        Kind::RealEmailDomain,
        Kind::SuperAdminRole,
        Kind::MissingRole,
        Kind::PercentWithoutSign,
        Kind::SharesNot100,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Kind::YamlSyntax => "demoforge::spec::yaml_syntax",
            Kind::DuplicateKey => "demoforge::spec::duplicate_key",
            Kind::UnknownField => "demoforge::spec::unknown_field",
            Kind::MissingField => "demoforge::spec::missing_field",
            Kind::WrongType => "demoforge::spec::wrong_type",
            Kind::InvalidValue => "demoforge::spec::invalid_value",
            Kind::ImpossibleDate => "demoforge::spec::impossible_date",
            Kind::OutOfRange => "demoforge::spec::out_of_range",
            Kind::DanglingReference => "demoforge::spec::dangling_reference",
            Kind::DuplicateName => "demoforge::spec::duplicate_name",
            Kind::AbsurdSize => "demoforge::spec::absurd_size",
            Kind::RealEmailDomain => "demoforge::spec::real_email_domain",
            Kind::SuperAdminRole => "demoforge::spec::super_admin_role",
            Kind::MissingRole => "demoforge::spec::missing_role",
            Kind::PercentWithoutSign => "demoforge::spec::percent_without_sign",
            Kind::SharesNot100 => "demoforge::spec::shares_not_100",
        }
    }
}

/// One problem, with the span of the offending field.
#[derive(Debug, Error)]
#[error("{message}")]
pub struct Problem {
    pub kind: Kind,
    pub message: String,
    pub span: SourceSpan,
    pub label: String,
    pub help: Option<String>,
}

// Written by hand rather than derived because the code depends on `kind`,
// which the derive macro only accepts as a literal.
impl Diagnostic for Problem {
    fn code<'a>(&'a self) -> Option<Box<dyn Display + 'a>> {
        Some(Box::new(self.kind.code()))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn Display + 'a>> {
        self.help
            .as_ref()
            .map(|help| Box::new(help) as Box<dyn Display + 'a>)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let label = LabeledSpan::new_with_span(Some(self.label.clone()), self.span);
        Some(Box::new(std::iter::once(label)))
    }
}

/// Longest source line shown in a report, in bytes.
pub const MAX_SHOWN_LINE: usize = 400;

/// The largest char boundary of `text` at or below `at`.
fn floor_char_boundary(text: &str, at: usize) -> usize {
    (0..=at.min(text.len()))
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0)
}

/// Collects problems in the order they are found, which is document order for
/// structural problems and then validation order.
#[derive(Debug, Default)]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    pub fn push(&mut self, problem: Problem) {
        self.0.push(problem);
    }

    /// Records a problem; `help` is how to fix it.
    pub fn report(
        &mut self,
        kind: Kind,
        span: SourceSpan,
        message: impl Into<String>,
        label: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.0.push(Problem {
            kind,
            message: message.into(),
            span,
            label: label.into(),
            help: Some(help.into()),
        });
    }

    /// The text to show with the problems: every line longer than
    /// [`MAX_SHOWN_LINE`] bytes is cut there and marked with `…`, and spans
    /// are moved to match (a span past the cut points at the `…`). Line
    /// numbers are unchanged.
    pub fn fit_for_display(&mut self, text: &str) -> String {
        let mut shown = String::with_capacity(text.len().min(1 << 20));
        // (start in text, end of the kept part in text, start in shown)
        let mut lines: Vec<(usize, usize, usize)> = Vec::new();
        let mut start = 0;
        for line in text.split_inclusive('\n') {
            let body = line.strip_suffix('\n').unwrap_or(line);
            let kept = floor_char_boundary(body, MAX_SHOWN_LINE);
            lines.push((start, start + kept, shown.len()));
            shown.push_str(&body[..kept]);
            if kept < body.len() {
                shown.push('…');
            }
            if line.len() > body.len() {
                shown.push('\n');
            }
            start += line.len();
        }
        let map = |offset: usize| {
            let i = lines.partition_point(|l| l.0 <= offset).saturating_sub(1);
            lines.get(i).map_or(0, |&(from, kept_to, to)| {
                to + offset.min(kept_to) - from.min(offset)
            })
        };
        for problem in &mut self.0 {
            let from = map(problem.span.offset());
            let to = map(problem.span.offset() + problem.span.len()).max(from);
            problem.span = SourceSpan::new(from.into(), to - from);
        }
        shown
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem_at(offset: usize, len: usize) -> Problem {
        Problem {
            kind: Kind::InvalidValue,
            message: String::new(),
            span: SourceSpan::new(offset.into(), len),
            label: String::new(),
            help: None,
        }
    }

    #[test]
    fn long_lines_are_cut_and_spans_follow() {
        let long = "é".repeat(MAX_SHOWN_LINE);
        let text = format!("a: 1\nb: {long}\nc: 2\n");
        let c_offset = text.find("c: 2").unwrap();
        let mut problems = Problems(vec![
            problem_at(0, 1),
            problem_at(8, 4),
            problem_at(text.len() - 10, 3),
            problem_at(c_offset, 4),
        ]);
        let shown = problems.fit_for_display(&text);
        let lines: Vec<&str> = shown.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[1].ends_with('…') && lines[1].len() <= MAX_SHOWN_LINE + 3);
        let at = |p: &Problem| &shown[p.span.offset()..p.span.offset() + p.span.len()];
        assert_eq!(at(&problems.0[0]), "a");
        assert_eq!(at(&problems.0[1]), "éé");
        assert_eq!(problems.0[2].span.len(), 0);
        assert_eq!(at(&problems.0[3]), "c: 2");
    }
}
