//! Overlays through the library: the simulation's own invariants hold with
//! every overlay, alone and composed, and each overlay shows its effect.

use std::path::Path;

use demoforge::model::{Money, Overlay, Scenario};
use demoforge::simulate::{self, Row, RowSink};
use demoforge::validate::{compile, compile_overlay};

const CRATE_ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn scenario(name: &str) -> Scenario {
    let path = Path::new(CRATE_ROOT).join("scenarios").join(name);
    let text = std::fs::read_to_string(&path).expect("read spec");
    compile(name, &text).unwrap_or_else(|e| panic!("{:?}", miette::Report::new(e)))
}

fn overlay(name: &str) -> Overlay {
    let path = Path::new(CRATE_ROOT)
        .join("scenarios/overlays")
        .join(format!("{name}.yaml"));
    let text = std::fs::read_to_string(&path).expect("read overlay");
    compile_overlay(name, &text).unwrap_or_else(|e| panic!("{:?}", miette::Report::new(e)))
}

#[derive(Default)]
struct Seen {
    locked_periods: Vec<String>,
    reconciled_last: Vec<&'static str>,
    unmatched_lines: usize,
    filed_returns: Vec<(chrono::NaiveDate, &'static str)>,
}

impl RowSink for Seen {
    fn row(&mut self, row: Row<'_>) {
        match row {
            Row::Period(p) if p.locked => self.locked_periods.push(p.name.clone()),
            Row::Reconciliation(r) => self.reconciled_last.push(r.status),
            Row::StatementLine(l) if l.reconciliation_id.is_none() => self.unmatched_lines += 1,
            Row::TaxReturn(t) => self.filed_returns.push((t.period_end, t.status)),
            _ => {}
        }
    }
}

fn run(s: &Scenario) -> (Vec<simulate::CompanyBooks>, Seen) {
    let mut seen = Seen::default();
    let books = simulate::run(s, &mut seen).unwrap_or_else(|v| panic!("{v}"));
    (books, seen)
}

fn bank_balance(books: &simulate::CompanyBooks) -> Money {
    let bank = books
        .accounts
        .iter()
        .position(|a| a.purpose == Some(demoforge::model::AccountPurpose::Bank))
        .expect("bank");
    books.balances[bank]
}

#[test]
fn cash_crunch_overdraws_the_operating_account() {
    for spec in ["demo-travel-co.yaml", "demo-supply-co.yaml"] {
        let base = scenario(spec);
        let crunch = base.with_overlays(&[overlay("cash-crunch")]).unwrap();
        let (plain, _) = run(&base);
        let (books, _) = run(&crunch);
        assert!(bank_balance(&plain[0]).0 > 0, "{spec}");
        assert!(
            bank_balance(&books[0]).0 <= -500_000,
            "{spec}: {}",
            bank_balance(&books[0])
        );
        assert!(
            books[0].receivables.total() > plain[0].receivables.total(),
            "{spec}"
        );
    }
}

#[test]
fn quarter_close_locks_reconciles_and_files() {
    for spec in ["demo-travel-co.yaml", "demo-supply-co.yaml"] {
        let base = scenario(spec);
        let closed = base.with_overlays(&[overlay("quarter-close")]).unwrap();
        let (_, plain) = run(&base);
        let (_, seen) = run(&closed);
        let month = base.calendar.as_of.format("%Y-%m").to_string();
        assert!(!plain.locked_periods.contains(&month), "{spec}");
        assert!(seen.locked_periods.contains(&month), "{spec}");
        assert_eq!(seen.reconciled_last.last(), Some(&"reconciled"), "{spec}");
        assert_eq!(seen.unmatched_lines, 0, "{spec}");
        assert!(
            seen.filed_returns.len() > plain.filed_returns.len(),
            "{spec}"
        );
    }
}

#[test]
fn overlays_compose_and_refuse_a_repeat() {
    let base = scenario("demo-travel-co.yaml");
    let both = base
        .with_overlays(&[overlay("quarter-close"), overlay("cash-crunch")])
        .unwrap();
    let (books, _) = run(&both);
    assert!(bank_balance(&books[0]).0 < 0);
    assert!(both.with_overlays(&[overlay("cash-crunch")]).is_err());
}

#[test]
fn ticks_chain_week_to_week_and_start_at_as_of() {
    use demoforge::model::week::{IsoWeek, tick};
    let base = scenario("demo-travel-co.yaml"); // as_of 2026-11-15, a Sunday
    let w47 = tick(&base, IsoWeek::parse("2026-W47").unwrap()).unwrap();
    let w48 = tick(&base, IsoWeek::parse("2026-W48").unwrap()).unwrap();
    assert_eq!(w47.from.calendar.as_of, base.calendar.as_of);
    assert_eq!(w47.to.calendar, w48.from.calendar);
    assert_eq!(w48.to.calendar.as_of.to_string(), "2026-11-29");
    assert_eq!(w48.to.calendar.start(), base.calendar.start());
    assert!(tick(&base, IsoWeek::parse("2026-W46").unwrap()).is_err());
    // The books a tick ends on simulate with every invariant intact.
    run(&w48.to);
}

/// `hledger check -s` on the export of every overlay, alone and composed.
#[test]
fn overlaid_exports_pass_hledger_check() {
    let dir = tempfile::tempdir().unwrap();
    for spec in ["demo-travel-co.yaml", "demo-supply-co.yaml"] {
        for overlays in [
            &["cash-crunch"][..],
            &["quarter-close"],
            &["quarter-close", "cash-crunch"],
        ] {
            let journal = dir.path().join("books.journal");
            let mut args = vec![
                "export".to_owned(),
                format!("scenarios/{spec}"),
                "--format".into(),
                "hledger".into(),
                "--output".into(),
                journal.display().to_string(),
            ];
            for o in overlays {
                args.extend(["--overlay".to_owned(), (*o).to_owned()]);
            }
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_demoforge"))
                .args(&args)
                .current_dir(CRATE_ROOT)
                .output()
                .expect("run demoforge");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let check = std::process::Command::new("hledger")
                .args(["-f", &journal.display().to_string(), "check", "-s"])
                .output()
                .expect("hledger is installed (scripts/test does it)");
            assert!(
                check.status.success(),
                "{spec} {overlays:?}: {}",
                String::from_utf8_lossy(&check.stderr)
            );
        }
    }
}

fn demoforge_stdout(args: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_demoforge"))
        .args(args)
        .current_dir(CRATE_ROOT)
        .env("NO_COLOR", "1")
        .output()
        .expect("run demoforge");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 delta")
}

fn header<'a>(delta: &'a str, key: &str) -> &'a str {
    delta
        .lines()
        .find_map(|l| l.strip_prefix(&format!("-- {key}: ")))
        .unwrap_or_else(|| panic!("no {key} header"))
}

#[test]
fn tick_deltas_are_deterministic_and_chain() {
    let spec = "scenarios/demo-travel-co.yaml";
    let w47 = demoforge_stdout(&["tick", spec, "--week", "2026-W47"]);
    assert_eq!(w47, demoforge_stdout(&["tick", spec, "--week", "2026-W47"]));
    let w48 = demoforge_stdout(&["tick", spec, "--week", "2026-W48"]);
    assert_eq!(header(&w47, "kind"), "tick");
    assert!(header(&w47, "applies-to").starts_with("demo-travel-co@2026-11-15#"));
    assert_eq!(header(&w47, "results-in"), header(&w48, "applies-to"));
    assert!(header(&w48, "results-in").starts_with("demo-travel-co@2026-11-29#"));
    assert!(w48.contains("INV-"), "the week has new invoices");
}

#[test]
fn overlay_deltas_name_their_overlays_in_order() {
    let spec = "scenarios/demo-travel-co.yaml";
    let both = demoforge_stdout(&["overlay", spec, "quarter-close", "cash-crunch"]);
    assert_eq!(
        both,
        demoforge_stdout(&["overlay", spec, "quarter-close", "cash-crunch"])
    );
    assert!(header(&both, "results-in").ends_with("+quarter-close+cash-crunch"));
    let second = demoforge_stdout(&["overlay", spec, "cash-crunch", "--after", "quarter-close"]);
    assert!(header(&second, "applies-to").ends_with("+quarter-close"));
    assert_eq!(header(&second, "results-in"), header(&both, "results-in"));
}
