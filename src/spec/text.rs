//! Text helpers for spec values: slugs, month names, reserved email domains and
//! "did you mean" suggestions.
//!
//! Input: strings as written in the spec. Output: normalised values or `None`.
//! Invariant: pure functions, no panics, ASCII-only rules (a slug never holds
//! anything but `a-z`, `0-9` and `-`).

/// Longest slug: also a folder name and part of database identifiers.
pub const MAX_SLUG_LEN: usize = 64;

/// `^[a-z0-9][a-z0-9-]{0,63}$`
pub fn is_slug(text: &str) -> bool {
    let bytes = text.as_bytes();
    match bytes.first() {
        Some(first) if first.is_ascii_lowercase() || first.is_ascii_digit() => {}
        _ => return false,
    }
    bytes.len() <= MAX_SLUG_LEN
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
}

/// Lowercases, turns each run of non-alphanumerics into one `-`, trims dashes
/// and cuts to [`MAX_SLUG_LEN`]. May return an empty string (e.g. for `"!!"`).
pub fn slugify(name: &str) -> String {
    let mut slug = String::new();
    let mut pending_dash = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            if pending_dash && !slug.is_empty() {
                slug.push('-');
            }
            pending_dash = false;
            slug.push(c.to_ascii_lowercase());
        } else {
            pending_dash = true;
        }
    }
    slug.truncate(MAX_SLUG_LEN);
    slug.trim_end_matches('-').to_owned()
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// Month number (1 to 12) for a full or three-letter English month name, in
/// any case.
pub fn month_from_name(text: &str) -> Option<u32> {
    let lower = text.trim().to_ascii_lowercase();
    let position = MONTHS
        .iter()
        .position(|m| *m == lower || (lower.len() == 3 && m.starts_with(lower.as_str())))?;
    u32::try_from(position).ok().map(|p| p + 1)
}

/// Top-level domains reserved by RFC 2606 and RFC 6761 that can never deliver
/// mail to a real person.
pub const RESERVED_TLDS: [&str; 3] = ["example", "invalid", "test"];

/// Whether `domain` is well formed: dot-separated labels of letters, digits and
/// inner dashes.
pub fn is_domain(domain: &str) -> bool {
    !domain.is_empty()
        && domain.len() <= 253
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// Whether a well-formed domain ends in a reserved top-level domain.
pub fn is_reserved_domain(domain: &str) -> bool {
    domain
        .rsplit('.')
        .next()
        .is_some_and(|tld| RESERVED_TLDS.contains(&tld.to_ascii_lowercase().as_str()))
}

/// Splits `local@domain`, or `None` when it does not look like an address.
pub fn split_email(email: &str) -> Option<(&str, &str)> {
    let (local, domain) = email.split_once('@')?;
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'@' && b != b'<' && b != b'>');
    (local_ok && is_domain(domain)).then_some((local, domain))
}

/// The known word closest to `word`, when it is close enough to be a likely
/// typo.
pub fn did_you_mean<'k>(word: &str, known: &[&'k str]) -> Option<&'k str> {
    known
        .iter()
        .map(|k| (strsim::normalized_damerau_levenshtein(word, k), *k))
        .filter(|(score, _)| *score >= 0.6)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k)
}

/// `` `a`, `b`, `c` `` for help lines.
pub fn quoted_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugify_collapses_and_trims() {
        assert_eq!(slugify("Demo Travel Co"), "demo-travel-co");
        assert_eq!(slugify("  Acme & Sons, Ltd.  "), "acme-sons-ltd");
        assert_eq!(slugify("Café Zürich"), "caf-z-rich");
        assert_eq!(slugify("!!!"), "");
        assert_eq!(slugify(&"a-".repeat(100)).len(), 63);
        assert!(is_slug(&slugify(&"ab ".repeat(50))));
    }

    #[test]
    fn slug_rule() {
        assert!(is_slug("demo-travel-co"));
        assert!(is_slug("0"));
        assert!(!is_slug("-x"));
        assert!(!is_slug("Demo"));
        assert!(!is_slug(""));
        assert!(!is_slug(&"a".repeat(65)));
    }

    #[test]
    fn month_names_and_abbreviations() {
        assert_eq!(month_from_name("April"), Some(4));
        assert_eq!(month_from_name("apr"), Some(4));
        assert_eq!(month_from_name("DECEMBER"), Some(12));
        assert_eq!(month_from_name("ap"), None);
        assert_eq!(month_from_name("sept"), None);
        assert_eq!(month_from_name("smarch"), None);
    }

    #[test]
    fn reserved_domains() {
        assert!(is_reserved_domain("demo-travel-co.example"));
        assert!(is_reserved_domain("example.test"));
        assert!(is_reserved_domain("x.INVALID"));
        assert!(!is_reserved_domain("gmail.com"));
        assert!(!is_reserved_domain("example.com"));
        assert_eq!(
            split_email("olivia@demo.example"),
            Some(("olivia", "demo.example"))
        );
        assert_eq!(split_email("no-at-sign"), None);
        assert_eq!(split_email("@demo.example"), None);
        assert_eq!(split_email("a@b@c.example"), None);
        assert_eq!(split_email("a@.example"), None);
    }

    #[test]
    fn suggestions_only_for_close_words() {
        let known = ["customers", "vendors", "products"];
        assert_eq!(did_you_mean("custmers", &known), Some("customers"));
        assert_eq!(did_you_mean("vendor", &known), Some("vendors"));
        assert_eq!(did_you_mean("zzz", &known), None);
        assert_eq!(did_you_mean("", &known), None);
    }
}
