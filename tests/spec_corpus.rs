//! The spec corpus, driven through the real binary.
//!
//! `specs/bad/*.yaml`: each must fail with exit code 1; the exit code and the
//! full plain-text report are snapshotted, so every message, location, label
//! and help line is reviewed. `specs/good/*.yaml`: each must pass, and a few
//! model values are checked through the library.

use std::path::Path;
use std::process::Command;

use demoforge::model::{
    AccountKind, AccountPurpose, Bp, Country, FilingFrequency, Industry, Money, PayFrequency, Role,
    TaxKind, defaults,
};
use demoforge::validate::compile;

const CRATE_ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Runs `demoforge validate <relative path>` from the crate root, so the report
/// names the file the same way on every machine.
fn validate(relative: &str) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_demoforge"))
        .arg("validate")
        .arg(relative)
        .current_dir(CRATE_ROOT)
        .env("NO_COLOR", "1")
        .output()
        .expect("run demoforge");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn relative(path: &Path) -> String {
    path.strip_prefix(CRATE_ROOT)
        .expect("corpus file under the crate root")
        .to_string_lossy()
        .replace('\\', "/")
}

#[test]
fn bad_specs_report_every_problem() {
    insta::glob!("specs/bad/*.yaml", |path| {
        let (code, stdout, stderr) = validate(&relative(path));
        assert_eq!(stdout, "", "nothing on stdout for an invalid spec");
        insta::assert_snapshot!(format!("exit code: {code}\n\n{stderr}"));
    });
}

#[test]
fn good_specs_pass_through_the_binary() {
    insta::glob!("specs/good/*.yaml", |path| {
        let (code, stdout, stderr) = validate(&relative(path));
        assert_eq!(code, 0, "{stderr}");
        assert!(stdout.contains(": ok ("), "{stdout}");
    });
}

fn compile_good(name: &str) -> demoforge::model::Scenario {
    let path = Path::new(CRATE_ROOT).join("tests/specs/good").join(name);
    let text = std::fs::read_to_string(&path).expect("read spec");
    match compile(name, &text) {
        Ok(scenario) => scenario,
        Err(errors) => panic!("{:?}", miette::Report::new(errors)),
    }
}

#[test]
fn minimal_spec_gets_a_full_company_from_defaults() {
    let text = std::fs::read_to_string(Path::new(CRATE_ROOT).join("tests/specs/good/minimal.yaml"))
        .expect("read spec");
    assert!(text.lines().count() <= 15);
    let s = compile_good("minimal.yaml");
    assert_eq!(s.slug, "demo-travel-co");
    assert_eq!(s.seed, 1);
    assert_eq!(s.calendar.months, 18);
    assert!(s.time_travel.is_empty());
    assert_eq!(s.spec_hash.len(), 64);
    let c = &s.companies[0];
    assert_eq!(c.key, "demo-travel-co");
    assert_eq!(c.country, Country::GB);
    assert_eq!(c.currency.code, "GBP");
    assert_eq!(c.industry, Industry::Travel);
    assert_eq!(c.fiscal_year_start_month, 4);
    assert_eq!(c.email_domain, "demo-travel-co.example");
    assert_eq!(c.accounts, defaults::chart_of_accounts(Country::GB));
    assert_eq!(c.tax_rates, defaults::tax_rates(Country::GB));
    let (customers, vendors, services, goods) = defaults::population(Industry::Travel);
    assert_eq!(c.customers.count, customers);
    assert_eq!(c.vendors.count, vendors);
    assert_eq!((c.catalog.services, c.catalog.goods), (services, goods));
    assert_eq!(c.catalog.standard_tax_code, "STD");
    assert_eq!(
        (c.catalog.price_min, c.catalog.price_max),
        (Money(2_000), Money(200_000))
    );
    assert_eq!(c.customers.payers.prompt.0, 6500);
    assert_eq!(c.vendors.payers.prompt.0, 8000);
    assert_eq!(c.customers.refund_rate.0, 200);
    assert_eq!(c.customers.invoices_per_month.0, 1000);
    assert_eq!(c.customers.payment_terms.len(), 1);
    assert_eq!(c.activity.growth_per_year, 1000);
    assert_eq!(
        Some(c.activity.seasonality),
        defaults::seasonality("travel")
    );
    assert_eq!(c.personas[0].role, Role::Owner);
    assert_eq!(c.banking, defaults::banking(Country::GB, &c.accounts));
    assert_eq!(c.payroll, defaults::payroll(Country::GB, Industry::Travel));
    assert_eq!(c.inventory, defaults::inventory());
    assert_eq!(c.tax_filing, defaults::tax_filing(Country::GB));
    assert_eq!(c.targets, defaults::targets());
}

#[test]
fn full_spec_applies_every_field() {
    let s = compile_good("full.yaml");
    assert_eq!(s.seed, 20_261_124);
    assert_eq!(s.calendar.months, 12);
    let offsets: Vec<&str> = s.time_travel.iter().map(|t| t.text.as_str()).collect();
    assert_eq!(offsets, ["+6 months", "+2 weeks", "+1 year", "+10 days"]);
    let c = &s.companies[0];
    assert_eq!(c.key, "demo-travel");
    assert_eq!(c.currency.code, "EUR");
    assert_eq!(c.fiscal_year_start_month, 4);
    let revenue = c.account(AccountPurpose::ServiceRevenue);
    assert_eq!(
        (revenue.code.as_str(), revenue.name.as_str()),
        ("4050", "Package holidays")
    );
    let renamed = c
        .accounts
        .iter()
        .find(|a| a.code == "4000")
        .expect("4000 kept");
    assert_eq!(
        (renamed.name.as_str(), renamed.purpose),
        ("Tour revenue", None)
    );
    assert!(
        c.accounts
            .iter()
            .any(|a| a.code == "6700" && a.purpose.is_none())
    );
    let tour = c
        .tax_rates
        .iter()
        .find(|t| t.code == "TOUR")
        .expect("TOUR added");
    assert_eq!((tour.kind, tour.rate.0), (TaxKind::Reduced, 725));
    assert_eq!(
        c.tax_rates
            .iter()
            .find(|t| t.code == "NONE")
            .map(|t| t.rate.0),
        Some(0)
    );
    assert_eq!(c.customers.invoices_per_month.0, 800);
    assert_eq!(c.vendors.bills_per_month.0, 1250);
    let terms: Vec<(u32, u32)> = c
        .customers
        .payment_terms
        .iter()
        .map(|t| (t.days, t.share.0))
        .collect();
    assert_eq!(terms, [(30, 7000), (14, 3000)]);
    assert_eq!(c.customers.refund_rate.0, 300);
    assert_eq!(
        (c.catalog.price_min, c.catalog.price_max),
        (Money(2_500), Money(240_000))
    );
    assert_eq!(c.activity.growth_per_year, 2000);

    let banking = &c.banking;
    let bank: Vec<(&str, &str, Option<Money>)> = banking
        .accounts
        .iter()
        .map(|a| (a.name.as_str(), a.account_code.as_str(), a.opening_balance))
        .collect();
    assert_eq!(
        bank,
        [
            ("Business current account", "1000", Some(Money(25_000_000))),
            ("Deposit account", "1001", Some(Money(5_000_000))),
            ("Reserve savings", "1010", None),
        ]
    );
    // The defaulted second account got a new chart account under its own name;
    // the third was linked to the spec's own asset account, not duplicated.
    let deposit = c
        .accounts
        .iter()
        .find(|a| a.code == "1001")
        .expect("1001 added");
    assert_eq!(
        (deposit.name.as_str(), deposit.kind, deposit.purpose),
        ("Deposit account", AccountKind::Asset, None)
    );
    assert_eq!(c.accounts.iter().filter(|a| a.code == "1010").count(), 1);
    assert_eq!(c.account(AccountPurpose::Bank).code, "1000");
    let card = banking.credit_card.as_ref().expect("card");
    assert_eq!(
        (card.name.as_str(), card.limit),
        ("Company card", Money(1_500_000))
    );
    assert_eq!(
        (banking.monthly_fee, banking.interest_rate),
        (Money(1_250), Bp(75))
    );

    let payroll = &c.payroll;
    assert_eq!(payroll.frequency, PayFrequency::BiWeekly);
    assert_eq!((payroll.employees, payroll.salaried), (14, Bp(7_000)));
    assert_eq!(
        (payroll.salary_min, payroll.salary_max),
        (Money(2_600_000), Money(7_500_000))
    );
    assert_eq!(
        (payroll.hourly_min, payroll.hourly_max),
        (Money(1_250), Money(2_200))
    );
    assert_eq!(payroll.hours_per_week, 40);
    assert_eq!(
        (payroll.pension_employee, payroll.pension_employer),
        (Bp(600), Bp(400))
    );

    let stock = &c.inventory;
    assert_eq!(
        (
            stock.opening_units,
            stock.reorder_cover_days,
            stock.shrinkage,
            stock.count_every_months,
            stock.cost_share
        ),
        (25, 30, Bp(50), 6, Bp(6_000))
    );
    assert_eq!(c.tax_filing.frequency, FilingFrequency::Monthly);
    assert_eq!(
        (c.targets.dso_days, c.targets.dpo_days),
        (Some(40), Some(35))
    );

    let us = &s.companies[1];
    assert_eq!(us.key, "acme-software-inc");
    assert_eq!(
        (us.country, us.currency.code.as_str()),
        (Country::US, "USD")
    );
    assert_eq!(us.fiscal_year_start_month, 10);
    assert_eq!(us.activity.growth_per_year, -1000);
    assert_eq!(us.activity.seasonality.iter().sum::<u32>(), 12_000);
    assert_eq!(us.activity.seasonality[6], 500);
    assert_eq!(us.activity.seasonality[10], 1500);
    assert_eq!(us.banking.accounts.len(), 1);
    assert_eq!(us.banking.monthly_fee, Money(1_500));
    let card = us.banking.credit_card.as_ref().expect("card");
    assert_eq!(
        (card.name.as_str(), card.limit),
        ("Company credit card", Money(500_000))
    );
    assert_eq!(us.payroll.frequency, PayFrequency::Weekly);
    // Pension keys are optional one by one: the employee rate stays the US default.
    assert_eq!(
        (us.payroll.pension_employee, us.payroll.pension_employer),
        (Bp(400), Bp(500))
    );
    assert_eq!(us.tax_filing.frequency, FilingFrequency::Monthly);
    assert_eq!((us.targets.dso_days, us.targets.dpo_days), (None, Some(20)));
}

#[test]
fn every_diagnostic_code_is_documented() {
    let docs = std::fs::read_to_string(Path::new(CRATE_ROOT).join("docs/scenario-reference.md"))
        .expect("read reference");
    for kind in demoforge::spec::Kind::ALL {
        assert!(
            docs.contains(kind.code()),
            "{} is not documented",
            kind.code()
        );
    }
}

#[test]
fn bad_overlays_report_every_problem() {
    insta::glob!("overlays/bad/*.yaml", |path| {
        let (code, stdout, stderr) = validate(&relative(path));
        assert_eq!(stdout, "", "nothing on stdout for an invalid overlay");
        insta::assert_snapshot!(format!("exit code: {code}\n\n{stderr}"));
    });
}

#[test]
fn shipped_overlays_pass_through_the_binary() {
    for name in ["cash-crunch", "quarter-close"] {
        let (code, stdout, stderr) = validate(&format!("scenarios/overlays/{name}.yaml"));
        assert_eq!(code, 0, "{stderr}");
        assert!(stdout.contains(": ok (overlay "), "{stdout}");
    }
}
