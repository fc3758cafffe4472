//! One reportable problem in a spec, and the collector that gathers them.
//!
//! Input: a kind, a span and texts. Output: miette diagnostics.
//! Invariant: every problem carries a span inside the spec text and a stable
//! diagnostic code (`demoforge::spec::<kind>`), which the docs list.

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

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }
}
