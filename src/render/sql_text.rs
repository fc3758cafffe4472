//! The escaping functions for the SQL contexts of a generated file, other
//! than COPY fields (those are [`super::copy_text::push_text`]).
//!
//! Input: any string. Output: text that, placed in its context, means exactly
//! that string and nothing else. Invariants: one function per context; none of
//! them can emit a line break into a `--` comment, end a literal early or
//! start a psql meta-command; NUL, which PostgreSQL text cannot hold, is
//! refused where it would reach the database (literal, identifier).
//!
//! - [`sql_comment`]: the value of a `-- key: value` comment line. psql ends a
//!   `--` comment at `\n` or `\r`, and everything after is SQL (or a `\`
//!   meta-command), so every control character (C0, DEL, C1) and the Unicode
//!   line and paragraph separators are written as `\u{XX}`, and a backslash as
//!   `\\`. [`unescape_comment`] reverses it.
//! - [`sql_literal`]: `'…'` with `'` doubled; the dumps set
//!   `standard_conforming_strings = on`, so a backslash is an ordinary char.
//! - [`sql_ident`]: an identifier, bare when it is a plain lower-case name
//!   that is not a reserved word, else `"…"` with `"` doubled.

use std::fmt::Write as _;

use super::copy_text::NulByte;

/// Whether `c` must be shown as `\u{XX}` in a comment.
fn hidden_in_comment(c: char) -> bool {
    c.is_control() || c == '\u{2028}' || c == '\u{2029}'
}

/// `value` for a `--` comment line: no character can end the line.
pub fn sql_comment(value: &str) -> String {
    if !value.chars().any(|c| c == '\\' || hidden_in_comment(c)) {
        return value.to_owned();
    }
    let mut out = String::with_capacity(value.len() + 8);
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            c if hidden_in_comment(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

/// The string that [`sql_comment`] escaped, or `None` for text it cannot
/// have written.
pub fn unescape_comment(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            '\\' => out.push('\\'),
            'u' => {
                let rest = chars.as_str().strip_prefix('{')?;
                let (hex, after) = rest.split_once('}')?;
                let code = u32::from_str_radix(hex, 16).ok()?;
                out.push(char::from_u32(code)?);
                chars = after.chars();
            }
            _ => return None,
        }
    }
    Some(out)
}

fn refuse_nul(value: &str) -> Result<(), NulByte> {
    match value.contains('\0') {
        true => Err(NulByte::of(value)),
        false => Ok(()),
    }
}

/// `value` as a standard SQL string literal.
pub fn sql_literal(value: &str) -> Result<String, NulByte> {
    refuse_nul(value)?;
    Ok(format!("'{}'", value.replace('\'', "''")))
}

/// PostgreSQL's reserved key words (those that cannot be a column name
/// unquoted), from the manual's appendix C.
const RESERVED: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "binary",
    "both",
    "case",
    "cast",
    "check",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "false",
    "fetch",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "group",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "intersect",
    "into",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "natural",
    "not",
    "notnull",
    "null",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "outer",
    "overlaps",
    "placing",
    "primary",
    "references",
    "returning",
    "right",
    "select",
    "session_user",
    "similar",
    "some",
    "symmetric",
    "system_user",
    "table",
    "tablesample",
    "then",
    "to",
    "trailing",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
];

fn is_plain_identifier(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b == b'_')
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !RESERVED.contains(&name)
}

/// `name` as one SQL identifier (not schema-qualified: a `.` is part of it).
pub fn sql_ident(name: &str) -> Result<String, NulByte> {
    refuse_nul(name)?;
    if is_plain_identifier(name) {
        return Ok(name.to_owned());
    }
    Ok(format!("\"{}\"", name.replace('"', "\"\"")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_cannot_end_their_line() {
        let nasty = "Acme\u{1}0\u{1}\n\\! touch x\r; DROP\u{2028}\u{85}\t";
        let shown = sql_comment(nasty);
        assert!(!shown.chars().any(hidden_in_comment), "{shown}");
        assert_eq!(
            shown,
            "Acme\\u{1}0\\u{1}\\u{a}\\\\! touch x\\u{d}; DROP\\u{2028}\\u{85}\\u{9}"
        );
        assert_eq!(unescape_comment(&shown).as_deref(), Some(nasty));
        assert_eq!(
            sql_comment("Demo Travel Co – café"),
            "Demo Travel Co – café"
        );
    }

    #[test]
    fn unescape_refuses_what_the_escaper_never_writes() {
        assert_eq!(unescape_comment("a\\"), None);
        assert_eq!(unescape_comment("a\\x"), None);
        assert_eq!(unescape_comment("a\\u{d800}"), None);
        assert_eq!(unescape_comment("a\\u{zz}"), None);
    }

    #[test]
    fn literals_double_quotes_and_refuse_nul() {
        assert_eq!(sql_literal("O'Brien \\n").unwrap(), "'O''Brien \\n'");
        assert!(sql_literal("a\0b").is_err());
    }

    #[test]
    fn identifiers_are_quoted_only_when_needed() {
        assert_eq!(sql_ident("companies").unwrap(), "companies");
        assert_eq!(sql_ident("order").unwrap(), "\"order\"");
        assert_eq!(sql_ident("Name").unwrap(), "\"Name\"");
        assert_eq!(sql_ident("a\"; DROP").unwrap(), "\"a\"\"; DROP\"");
        assert!(sql_ident("a\0").is_err());
    }
}
