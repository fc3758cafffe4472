//! Account names that both hledger and beancount accept.
//!
//! A name is `Root:Company:Leaf`: the root comes from the account kind, the
//! company component from the company name, and the leaf from code and name,
//! e.g. `Assets:Demo-Travel-Co:1000-Business-Current-Account`. Every component
//! is ASCII letters, digits and dashes and starts with a capital letter or a
//! digit, which is what beancount requires; hledger accepts any text without
//! two spaces in a row.

use std::collections::BTreeSet;

/// The top-level account for an account kind (`asset`, `liability`, ...), as
/// the simulation names kinds in its rows.
pub fn root(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "asset" => "Assets",
        "liability" => "Liabilities",
        "equity" => "Equity",
        "income" => "Income",
        "expense" => "Expenses",
        _ => return None,
    })
}

/// One account-name component from free text: runs of ASCII letters and
/// digits become words joined by dashes, each word starting with a capital.
/// Anything else (spaces, punctuation, non-ASCII letters) separates words.
pub fn component(text: &str) -> String {
    let words: Vec<String> = text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            let first = chars.next().expect("words are not empty");
            first.to_ascii_uppercase().to_string() + chars.as_str()
        })
        .collect();
    if words.is_empty() {
        "X".to_owned()
    } else {
        words.join("-")
    }
}

/// The leaf component of an account: its code, then its name.
pub fn leaf(code: &str, name: &str) -> String {
    component(&format!("{code} {name}"))
}

/// Hands out names that are unique within one set, appending `-2`, `-3`, ...
/// to a name already taken. Deterministic: depends only on the call order.
#[derive(Debug, Default)]
pub struct UniqueNames {
    taken: BTreeSet<String>,
}

impl UniqueNames {
    pub fn claim(&mut self, wanted: String) -> String {
        let mut name = wanted.clone();
        let mut n = 2;
        while self.taken.contains(&name) {
            name = format!("{wanted}-{n}");
            n += 1;
        }
        self.taken.insert(name.clone());
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Beancount's rule for a non-root component, checked independently.
    fn beancount_valid(component: &str) -> bool {
        let mut chars = component.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '-')
    }

    #[test]
    fn kinds_map_to_the_five_roots() {
        assert_eq!(root("asset"), Some("Assets"));
        assert_eq!(root("liability"), Some("Liabilities"));
        assert_eq!(root("equity"), Some("Equity"));
        assert_eq!(root("income"), Some("Income"));
        assert_eq!(root("expense"), Some("Expenses"));
        assert_eq!(root("contra"), None);
    }

    #[test]
    fn leaf_joins_code_and_capitalised_name_words() {
        assert_eq!(
            leaf("1000", "Business current account"),
            "1000-Business-Current-Account"
        );
        assert_eq!(leaf("2100", "VAT output"), "2100-VAT-Output");
        assert_eq!(component("Demo Travel Co"), "Demo-Travel-Co");
    }

    #[test]
    fn punctuation_and_non_ascii_become_separators() {
        for text in [
            "Travel & subsistence (UK)",
            "  leading and trailing  ",
            "Café — über; a:b",
            "x\"y\\z",
            "ß",
            "",
            "4100.10 Sales: goods",
        ] {
            let c = component(text);
            assert!(beancount_valid(&c), "{text:?} became {c:?}");
            assert!(!c.contains("--"), "{text:?} became {c:?}");
        }
        assert_eq!(
            component("Travel & subsistence (UK)"),
            "Travel-Subsistence-UK"
        );
        assert_eq!(component("ß"), "X");
    }

    #[test]
    fn unique_names_append_a_counter() {
        let mut names = UniqueNames::default();
        assert_eq!(names.claim("A".into()), "A");
        assert_eq!(names.claim("A".into()), "A-2");
        assert_eq!(names.claim("A".into()), "A-3");
        assert_eq!(names.claim("B".into()), "B");
    }
}
