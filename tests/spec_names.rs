//! Names in a spec reach the dump as written: padded names are refused (see
//! `tests/specs/bad/padded_name.yaml` for the diagnostics) and the credit
//! card's `name:` names the ledger account the card books to.

use demoforge::model::{AccountPurpose, Scenario};
use demoforge::validate::compile;

const MINIMAL: &str = include_str!("specs/good/minimal.yaml");

fn with_banking(banking: &str) -> String {
    format!("{MINIMAL}    banking:\n{banking}")
}

fn card_account_name(scenario: &Scenario) -> &str {
    let company = &scenario.companies[0];
    let account = company
        .accounts
        .iter()
        .find(|a| a.purpose == Some(AccountPurpose::CreditCard))
        .expect("the chart has a credit_card account");
    &account.name
}

/// Regression: the card's name was accepted and never used.
#[test]
fn the_card_name_names_its_ledger_account() {
    let spec = with_banking("      credit_card: {name: Travel Amex, limit: 5000}\n");
    let scenario = compile("card.yaml", &spec).expect("valid spec");
    assert_eq!(card_account_name(&scenario), "Travel Amex");
    let card = scenario.companies[0].banking.credit_card.as_ref().unwrap();
    assert_eq!(card.name, "Travel Amex");
}

#[test]
fn without_a_name_the_card_takes_the_account_name() {
    let spec = with_banking("      credit_card: {limit: 5000}\n");
    let scenario = compile("card.yaml", &spec).expect("valid spec");
    let card = scenario.companies[0].banking.credit_card.as_ref().unwrap();
    assert_eq!(card.name, card_account_name(&scenario));
    assert_eq!(card.name, "Company credit card");
}

/// The shipped scenario's card name reaches the dump's chart of accounts.
#[test]
fn the_card_name_reaches_the_dump() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/demo-travel-co.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    let scenario = compile("demo-travel-co.yaml", &text).unwrap();
    assert_eq!(card_account_name(&scenario), "Company card");
    let dump =
        demoforge::cli::build_dump_bytes(path.as_ref(), &Default::default()).expect("builds");
    let dump = String::from_utf8(dump).unwrap();
    assert!(
        dump.lines().any(|l| l.contains("\t2050\tCompany card\t")),
        "account 2050 is named after the card"
    );
}

/// Names are kept verbatim, inner spaces and all; only edges are refused.
#[test]
fn names_are_kept_verbatim() {
    let spec = MINIMAL.replace("name: Demo Travel Co", "name: \"Demo  Travel\u{a0}Co\"");
    let scenario = compile("names.yaml", &spec).expect("valid spec");
    assert_eq!(scenario.companies[0].name, "Demo  Travel\u{a0}Co");
    let padded = MINIMAL.replace("name: Demo Travel Co", "name: \"Demo Travel Co \"");
    let errors = compile("names.yaml", &padded).expect_err("padded name refused");
    let text = format!("{:?}", miette::Report::new(errors));
    assert!(
        text.contains("company name starts or ends with whitespace"),
        "{text}"
    );
    assert!(text.contains("names.yaml:7:"), "{text}");
}
