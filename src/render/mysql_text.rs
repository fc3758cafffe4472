//! The escaping functions of a MySQL/MariaDB dump, and its row format.
//!
//! Input: strings (names, constants, field values) and rows in the COPY text
//! format the table store holds ([`super::copy_text`]). Output: text that,
//! placed in its context of a MySQL statement, means exactly that value, and
//! the reverse for rows ([`values_to_copy`]), so that `check` and the loader
//! read a MySQL dump back into the same rows.
//!
//! Invariants: one function per context, each independent of the session's
//! `sql_mode` and of how the stock client (`mariadb`, `mysql`) splits
//! statements: that client treats a backslash inside a quoted string as an
//! escape unless the server says `NO_BACKSLASH_ESCAPES`, and reads its own
//! commands (`\!`, `delimiter`) outside strings, so no output of ours puts a
//! backslash or a control character between quotes:
//!
//! - [`mysql_ident`]: `` `name` `` with a backtick doubled (the client never
//!   treats a backslash inside backticks as an escape).
//! - [`mysql_literal`]: `'…'` with `'` doubled when the value has no
//!   backslash and no control character; otherwise `_utf8mb4 X'…'`, the
//!   value's UTF-8 bytes in hex, a string of that character set.
//! - [`copy_to_values`]: one row as `(v, v, …)`: `NULL`, a bare number, `1`
//!   or `0` for a boolean, or a [`mysql_literal`].
//!
//! NUL is refused, as in PostgreSQL text: both databases' dumps hold the same
//! values.

use std::fmt::Write as _;

use super::copy_text::NulByte;
use crate::catalog::Type;

/// An identifier in backticks.
pub fn mysql_ident(name: &str) -> Result<String, NulByte> {
    refuse_nul(name)?;
    Ok(format!("`{}`", name.replace('`', "``")))
}

fn refuse_nul(value: &str) -> Result<(), NulByte> {
    match value.contains('\0') {
        true => Err(NulByte::of(value)),
        false => Ok(()),
    }
}

/// Whether a value must be written in hex rather than between quotes.
fn needs_hex(value: &str) -> bool {
    value
        .chars()
        .any(|c| c == '\\' || c.is_control() || c == '\u{2028}' || c == '\u{2029}')
}

/// A string literal that means `value` whatever the session's `sql_mode`.
pub fn mysql_literal(value: &str) -> Result<String, NulByte> {
    refuse_nul(value)?;
    let mut out = String::with_capacity(value.len() + 2);
    push_literal(&mut out, value);
    Ok(out)
}

/// Appends the literal of a value known to hold no NUL.
fn push_literal(out: &mut String, value: &str) {
    if needs_hex(value) {
        out.push_str("_utf8mb4 X'");
        for b in value.as_bytes() {
            let _ = write!(out, "{b:02x}");
        }
        out.push('\'');
    } else {
        out.push('\'');
        for c in value.chars() {
            if c == '\'' {
                out.push('\'');
            }
            out.push(c);
        }
        out.push('\'');
    }
}

/// The head of a table's `INSERT` batches into `into` (its staging table):
/// `INSERT INTO `into` (`column`, …) VALUES`, the catalog's dump columns.
pub fn insert_head(table: crate::catalog::Table, into: &str) -> Result<String, NulByte> {
    let names: Result<Vec<String>, NulByte> = table
        .def()
        .dump_columns()
        .map(|c| mysql_ident(c.name))
        .collect();
    Ok(format!(
        "INSERT INTO {} ({}) VALUES",
        mysql_ident(into)?,
        names?.join(", ")
    ))
}

/// A row the store holds that is not valid COPY text for its columns.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a row cannot be written for MySQL: {0}")]
pub struct BadRow(pub String);

/// Appends `(v, …)` for one COPY text line (without its newline), whose
/// fields have the catalog types `types`.
pub fn copy_to_values(line: &[u8], types: &[Type], out: &mut String) -> Result<(), BadRow> {
    let fields: Vec<&[u8]> = line.split(|&b| b == b'\t').collect();
    if fields.len() != types.len() {
        return Err(BadRow(format!(
            "{} fields for {} columns",
            fields.len(),
            types.len()
        )));
    }
    out.push('(');
    for (i, (field, ty)) in fields.iter().zip(types).enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        push_value(out, field, *ty)?;
    }
    out.push(')');
    Ok(())
}

fn push_value(out: &mut String, field: &[u8], ty: Type) -> Result<(), BadRow> {
    if field == b"\\N" {
        out.push_str("NULL");
        return Ok(());
    }
    let text = unescape_copy(field)?;
    match ty {
        Type::Boolean => out.push_str(match text.as_str() {
            "t" => "1",
            "f" => "0",
            other => return Err(BadRow(format!("`{other}` is not a boolean"))),
        }),
        Type::SmallInt | Type::Integer | Type::Money | Type::Numeric(..) => {
            if !is_number(&text) {
                return Err(BadRow(format!("`{text}` is not a number")));
            }
            out.push_str(&text);
        }
        _ => push_literal(out, &text),
    }
    Ok(())
}

/// `-?[0-9]+(\.[0-9]+)?`: the numbers demoforge writes, and nothing MySQL
/// would read as an expression (`13-9`, `--4`).
fn is_number(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = match digits.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (digits, None),
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    all_digits(whole) && fraction.is_none_or(all_digits)
}

/// A uuid as demoforge writes it: lower-case hex in the 8-4-4-4-12 form.
/// MySQL compares demoforge's uuid columns byte by byte (`ascii_bin`), so an
/// upper-case one would name another company.
fn is_canonical_uuid(text: &str) -> bool {
    text.len() == 36
        && text.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_digit() || (b'a'..=b'f').contains(&b),
        })
}

/// A COPY text field's value.
fn unescape_copy(field: &[u8]) -> Result<String, BadRow> {
    let mut out = Vec::with_capacity(field.len());
    let mut bytes = field.iter();
    while let Some(&b) = bytes.next() {
        if b != b'\\' {
            out.push(b);
            continue;
        }
        out.push(match bytes.next() {
            Some(b'\\') => b'\\',
            Some(b't') => b'\t',
            Some(b'n') => b'\n',
            Some(b'r') => b'\r',
            _ => return Err(BadRow("an unknown COPY escape".to_owned())),
        });
    }
    String::from_utf8(out).map_err(|_| BadRow("a field is not UTF-8".to_owned()))
}

/// Reads one `(v, …)` row written by [`copy_to_values`] back into its COPY
/// text line (without a newline), so that a MySQL dump is compared and
/// checked as the same rows as a PostgreSQL one. `None` for anything
/// [`copy_to_values`] cannot have written.
pub fn values_to_copy(row: &str, types: &[Type]) -> Option<Vec<u8>> {
    let mut rest = row.strip_prefix('(')?.strip_suffix(')')?;
    let mut out = Vec::with_capacity(row.len());
    for (i, ty) in types.iter().enumerate() {
        if i > 0 {
            rest = rest.strip_prefix(", ")?;
            out.push(b'\t');
        }
        let (value, after) = read_value(rest)?;
        rest = after;
        match value {
            None => out.extend_from_slice(b"\\N"),
            Some(text) => {
                let text = match (ty, text.as_str()) {
                    (Type::Boolean, "1") => "t".to_owned(),
                    (Type::Boolean, "0") => "f".to_owned(),
                    (Type::Boolean, _) => return None,
                    (Type::SmallInt | Type::Integer | Type::Money | Type::Numeric(..), t)
                        if !is_number(t) =>
                    {
                        return None;
                    }
                    (Type::Uuid, t) if !is_canonical_uuid(t) => return None,
                    _ => text,
                };
                super::copy_text::push_text(&mut out, &text).ok()?;
            }
        }
    }
    rest.is_empty().then_some(out)
}

/// One value at the start of `text`: `NULL`, a bare number, `'…'` or
/// `_utf8mb4 X'…'`; with the text after it.
fn read_value(text: &str) -> Option<(Option<String>, &str)> {
    if let Some(after) = text.strip_prefix("NULL") {
        return Some((None, after));
    }
    if let Some(hex) = text.strip_prefix("_utf8mb4 X'") {
        let end = hex.find('\'')?;
        // Lower-case hex digits in pairs, as `push_literal` writes them
        // (`from_str_radix` alone would take a sign).
        let digits = &hex[..end];
        if digits.len() % 2 != 0
            || !digits
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return None;
        }
        let bytes = (0..end)
            .step_by(2)
            .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
            .collect::<Option<Vec<u8>>>()?;
        return Some((Some(String::from_utf8(bytes).ok()?), &hex[end + 1..]));
    }
    if let Some(quoted) = text.strip_prefix('\'') {
        let mut value = String::new();
        let mut chars = quoted.char_indices();
        while let Some((i, c)) = chars.next() {
            if c != '\'' {
                value.push(c);
                continue;
            }
            if quoted[i + 1..].starts_with('\'') {
                value.push('\'');
                chars.next();
                continue;
            }
            return Some((Some(value), &quoted[i + 1..]));
        }
        return None;
    }
    let end = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
        .unwrap_or(text.len());
    (end > 0).then(|| (Some(text[..end].to_owned()), &text[end..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NASTY: &[&str] = &[
        "plain",
        "O'Brien",
        "back\\slash",
        "ends in a backslash\\",
        "tab\there",
        "new\nline",
        "carriage\rreturn",
        "\\N",
        "café – ünïcode",
        "emoji 🚀🇬🇧",
        "`backtick`",
        "semi; -- comment",
        "delimiter //",
        "\u{2028}separator",
        "",
    ];

    #[test]
    fn literals_quote_safe_text_and_hex_the_rest() {
        assert_eq!(mysql_literal("O'Brien").unwrap(), "'O''Brien'");
        assert_eq!(mysql_literal("a\\b").unwrap(), "_utf8mb4 X'615c62'");
        assert_eq!(mysql_literal("a\nb").unwrap(), "_utf8mb4 X'610a62'");
        assert!(mysql_literal("a\0b").is_err());
        for value in NASTY {
            let literal = mysql_literal(value).unwrap();
            let quoted = literal.strip_prefix('\'').unwrap_or("");
            assert!(
                !quoted.contains('\\') && !quoted.chars().any(char::is_control),
                "{literal}"
            );
        }
    }

    #[test]
    fn identifiers_double_backticks() {
        assert_eq!(mysql_ident("teams").unwrap(), "`teams`");
        assert_eq!(mysql_ident("a`b").unwrap(), "`a``b`");
        assert!(mysql_ident("a\0").is_err());
    }

    #[test]
    fn rows_round_trip_through_values() {
        let types = [
            Type::Text,
            Type::Boolean,
            Type::Money,
            Type::Uuid,
            Type::Date,
        ];
        for value in NASTY {
            let mut copy = Vec::new();
            super::super::copy_text::push_text(&mut copy, value).unwrap();
            copy.extend_from_slice(b"\tt\t-12.50\t\\N\t2026-02-28");
            let mut values = String::new();
            copy_to_values(&copy, &types, &mut values).unwrap();
            assert_eq!(
                values_to_copy(&values, &types).as_deref(),
                Some(&copy[..]),
                "{values}"
            );
        }
    }

    #[test]
    fn values_are_typed() {
        let mut out = String::new();
        copy_to_values(
            b"t\tf\t\\N\t42\t3.5000\tx",
            &[
                Type::Boolean,
                Type::Boolean,
                Type::Text,
                Type::Integer,
                Type::Numeric(7, 4),
                Type::Text,
            ],
            &mut out,
        )
        .unwrap();
        assert_eq!(out, "(1, 0, NULL, 42, 3.5000, 'x')");
    }

    #[test]
    fn a_number_column_refuses_text() {
        let mut out = String::new();
        let err = copy_to_values(b"1); DROP TABLE x; --", &[Type::Integer], &mut out);
        assert!(err.is_err());
    }

    #[test]
    fn forged_rows_are_not_read() {
        let types = [Type::Text];
        assert_eq!(values_to_copy("('a'), ('b')", &types), None);
        assert_eq!(values_to_copy("('a' OR 1)", &types), None);
        assert_eq!(values_to_copy("(1 + 1)", &[Type::Integer]), None);
        // Regression: these passed the check and failed, or meant something
        // else, only once the server read them.
        assert_eq!(values_to_copy("(13-9)", &[Type::Integer]), None);
        assert_eq!(values_to_copy("(--4)", &[Type::Integer]), None);
        assert_eq!(values_to_copy("(1.)", &[Type::Money]), None);
        assert_eq!(values_to_copy("(_utf8mb4 X'+7+2')", &types), None);
        assert_eq!(values_to_copy("(_utf8mb4 X'4A')", &types), None);
        assert_eq!(
            values_to_copy("('C1995342-F78B-519B-98EC-746252E5EB7D')", &[Type::Uuid]),
            None
        );
        assert!(
            values_to_copy("('c1995342-f78b-519b-98ec-746252e5eb7d')", &[Type::Uuid]).is_some()
        );
        assert_eq!(
            values_to_copy("(-12.50)", &[Type::Money]).as_deref(),
            Some(&b"-12.50"[..])
        );
    }
}
