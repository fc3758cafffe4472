//! Bounded work: the size prediction against real builds, refusals up front,
//! and builds that leave nothing behind when killed.
//!
//! The calibration compiles a range of specs in memory (the shipped ones,
//! `tests/specs/good/*`, and the `benches/scaled-x100.yaml` shape at small
//! scale, with goods-heavy, many-vendor and weekly-payroll variants) and holds
//! the predicted rows within [`LOW`, `HIGH`] times the actual rows, for the
//! base and for every time-travel target.

mod cli;

use std::fs;

use cli::CRATE_ROOT;
use demoforge::model::Scenario;
use demoforge::render::{MemoryStore, TemplateSet, compile, delta::offset_date};
use demoforge::validate::size::{company_rows, predict};

/// The stated factor: predicted rows / actual rows stays within these.
const LOW: f64 = 1.0;
const HIGH: f64 = 1.5;

fn actual_rows(scenario: &Scenario) -> u64 {
    let compiled = compile(
        scenario,
        &TemplateSet::builtin(),
        Box::new(MemoryStore::default()),
    )
    .expect("compiles");
    compiled.row_counts.iter().map(|(_, n)| n).sum()
}

fn scenario(name: &str, text: &str) -> Scenario {
    demoforge::validate::compile(name, text).unwrap_or_else(|e| panic!("{name}: {e:?}"))
}

/// The scaled benchmark's shape at `customers`/`vendors`, with substitutions.
fn scaled(customers: u32, vendors: u32, edits: &[(&str, &str)]) -> String {
    let mut text = fs::read_to_string(format!("{CRATE_ROOT}/benches/scaled-x100.yaml")).unwrap();
    text = text
        .replace("count: 14000", &format!("count: {customers}"))
        .replace("count: 3200", &format!("count: {vendors}"));
    for (from, to) in edits {
        assert!(text.contains(from), "{from} not in the bench spec");
        text = text.replacen(from, to, 1);
    }
    text
}

fn calibration_specs() -> Vec<(String, String)> {
    let mut specs = Vec::new();
    for dir in ["scenarios", "tests/specs/good"] {
        let mut paths: Vec<_> = fs::read_dir(format!("{CRATE_ROOT}/{dir}"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
            .collect();
        paths.sort();
        for p in paths {
            specs.push((p.display().to_string(), fs::read_to_string(&p).unwrap()));
        }
    }
    let travel = ("# No time_travel", "time_travel: [\"+1 year\"]\n#");
    specs.push(("scaled x2".into(), scaled(280, 64, &[])));
    specs.push(("scaled x2, +1 year".into(), scaled(280, 64, &[travel])));
    specs.push((
        "scaled, goods heavy, 12 months".into(),
        scaled(
            300,
            40,
            &[
                ("services: 16", "services: 2"),
                ("goods: 4", "goods: 30"),
                ("months: 18", "months: 12"),
            ],
        ),
    ));
    specs.push((
        "scaled, many quiet vendors".into(),
        scaled(
            200,
            2000,
            &[("bills_per_month: 1.6", "bills_per_month: 0.05")],
        ),
    ));
    specs.push((
        "scaled, busy customers, no growth".into(),
        scaled(
            60,
            20,
            &[
                ("invoices_per_month: 1.1", "invoices_per_month: 12"),
                ("growth: 18%", "growth: 0%"),
            ],
        ),
    ));
    specs
}

fn ratio(predicted: u64, actual: u64) -> f64 {
    predicted as f64 / actual as f64
}

#[test]
fn predicted_rows_are_within_the_stated_factor_of_real_builds() {
    let mut report = String::new();
    let mut bad = Vec::new();
    for (name, text) in calibration_specs() {
        let scenario = scenario(&name, &text);
        let prediction = predict(&scenario);
        let mut pairs = vec![(
            "base".to_owned(),
            prediction.base_rows,
            actual_rows(&scenario),
        )];
        for (offset, predicted) in scenario.time_travel.iter().zip(&prediction.travel_rows) {
            let to = offset_date(scenario.calendar.as_of, offset).unwrap();
            let moved = scenario.moved_to(to);
            pairs.push((offset.text.clone(), *predicted, actual_rows(&moved)));
        }
        for (what, predicted, actual) in pairs {
            let r = ratio(predicted, actual);
            report +=
                &format!("{name} {what}: predicted {predicted}, actual {actual}, ratio {r:.2}\n");
            if !(LOW..=HIGH).contains(&r) {
                bad.push(format!("{name} {what}: {r:.2}"));
            }
        }
    }
    eprintln!("{report}");
    assert!(bad.is_empty(), "outside {LOW}..={HIGH}: {bad:?}\n{report}");
}

#[test]
fn company_rows_grow_with_every_count() {
    let text = scaled(100, 20, &[]);
    let base = scenario("base", &text);
    let rows = |s: &Scenario| company_rows(&s.companies[0], s.calendar);
    for (from, to) in [
        ("count: 100", "count: 200"),
        ("count: 20\n", "count: 40\n"),
        ("months: 18", "months: 12"),
        ("invoices_per_month: 1.1", "invoices_per_month: 2"),
    ] {
        let edited = scenario(to, &text.replacen(from, to, 1));
        let (before, after) = (rows(&base), rows(&edited));
        if to.starts_with("months") {
            assert!(after < before, "{to}: {after} !< {before}");
        } else {
            assert!(after > before, "{to}: {after} !> {before}");
        }
    }
}
