//! `demoforge build` and `check`, driven through the real binary.
//!
//! Covers the golden summary of the shipped scenario, determinism across time
//! zones and locales, the add-a-customer property, staleness detection, and
//! that bad input writes nothing.

mod cli;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use cli::{CRATE_ROOT, Demoforge, copy_rows};

const SHIPPED: &str = "scenarios/demo-travel-co.yaml";

#[test]
fn shipped_scenario_summary_matches_the_golden_snapshot() {
    let out = tempfile::tempdir().unwrap();
    Demoforge::new(["build", SHIPPED])
        .out(out.path())
        .run()
        .success();
    let dir = out.path().join("demo-travel-co");
    let summary = ["row-counts.csv", "trial-balance.csv", "aging.csv"]
        .map(|name| format!("== {name}\n{}", fs::read_to_string(dir.join(name)).unwrap()))
        .join("\n");
    insta::assert_snapshot!(summary);
}

#[test]
fn output_is_identical_across_time_zones_and_locales() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let specs = [
        "scenarios/demo-travel-co.yaml",
        "scenarios/demo-supply-co.yaml",
    ];
    Demoforge::new(["build", specs[0], specs[1]])
        .out(a.path())
        .env("TZ", "UTC")
        .env("LANG", "C")
        .run()
        .success();
    Demoforge::new(["build", specs[0], specs[1]])
        .out(b.path())
        .env("TZ", "Pacific/Kiritimati")
        .env("LANG", "de_DE.UTF-8")
        .env("LC_ALL", "tr_TR.UTF-8")
        .run()
        .success();
    let mut compared = 0;
    for dir in ["demo-travel-co", "demo-supply-co"] {
        for entry in fs::read_dir(a.path().join(dir)).unwrap() {
            let name = entry.unwrap().file_name();
            let x = fs::read(a.path().join(dir).join(&name)).unwrap_or_default();
            let y = fs::read(b.path().join(dir).join(&name)).unwrap_or_default();
            assert!(x == y, "{dir}/{name:?} differs between TZ/LANG settings");
            compared += 1;
        }
    }
    assert!(compared >= 10, "every generated file compared ({compared})");
}

#[test]
fn committed_dump_is_what_the_build_produces() {
    let out = tempfile::tempdir().unwrap();
    Demoforge::new(["build", SHIPPED])
        .out(out.path())
        .run()
        .success();
    let fresh = fs::read(out.path().join("demo-travel-co/base-demo.sql")).unwrap();
    let committed =
        fs::read(Path::new(CRATE_ROOT).join("generated/demo-travel-co/base-demo.sql")).unwrap();
    assert!(
        fresh == committed,
        "generated/ is stale: run `demoforge build {SHIPPED}`"
    );
}

#[test]
fn adding_a_customer_leaves_other_customers_documents_unchanged() {
    let spec = fs::read_to_string(Path::new(CRATE_ROOT).join(SHIPPED)).unwrap();
    let grown = spec.replace("count: 140", "count: 141");
    assert_ne!(spec, grown, "the shipped spec sets customers.count: 140");
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("grown.yaml"), grown).unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    Demoforge::new(["build", SHIPPED]).out(&a).run().success();
    Demoforge::new(["build", dir.path().join("grown.yaml").to_str().unwrap()])
        .out(&b)
        .run()
        .success();
    let before = fs::read_to_string(a.join("demo-travel-co/base-demo.sql")).unwrap();
    let after = fs::read_to_string(b.join("demo-travel-co/base-demo.sql")).unwrap();

    // Customers keep their names and addresses.
    let customers_before = copy_rows(&before, "sales.customers");
    let customers_after = copy_rows(&after, "sales.customers");
    assert_eq!(customers_after.len(), customers_before.len() + 1);
    assert_eq!(
        customers_before[..],
        customers_after[..customers_before.len()]
    );

    // Every invoice of an existing customer keeps its id, customer, dates and
    // amounts; only the document number (column 4) may shift.
    let without_number = |rows: Vec<Vec<String>>| -> BTreeMap<String, Vec<String>> {
        rows.into_iter()
            .map(|mut r| {
                r.remove(4);
                (r[0].clone(), r)
            })
            .collect()
    };
    let invoices_before = without_number(copy_rows(&before, "sales.invoices"));
    let invoices_after = without_number(copy_rows(&after, "sales.invoices"));
    let new_customer = customers_after.last().unwrap()[0].clone();
    for (id, row) in &invoices_before {
        assert_eq!(invoices_after.get(id), Some(row), "invoice {id} changed");
    }
    let added: Vec<_> = invoices_after
        .keys()
        .filter(|id| !invoices_before.contains_key(*id))
        .collect();
    assert!(!added.is_empty(), "the new customer has invoices");
    assert!(
        added
            .iter()
            .all(|id| invoices_after[*id][2] == new_customer)
    );

    // Their lines and payments are unchanged too (payment references quote
    // invoice numbers, so compare everything but the reference).
    let lines_before = copy_rows(&before, "sales.invoice_lines");
    let lines_after = copy_rows(&after, "sales.invoice_lines");
    for line in &lines_before {
        assert!(
            lines_after.contains(line),
            "invoice line {} changed",
            line[0]
        );
    }
    let strip_reference = |mut r: Vec<String>| {
        r.pop();
        r
    };
    let payments_after: Vec<_> = copy_rows(&after, "sales.customer_payments")
        .into_iter()
        .map(strip_reference)
        .collect();
    for payment in copy_rows(&before, "sales.customer_payments")
        .into_iter()
        .map(strip_reference)
    {
        assert!(
            payments_after.contains(&payment),
            "payment {} changed",
            payment[0]
        );
    }
}

#[test]
fn check_passes_on_fresh_output_and_reports_stale_tables() {
    let out = tempfile::tempdir().unwrap();
    Demoforge::new(["build", SHIPPED])
        .out(out.path())
        .run()
        .success();
    let fresh = Demoforge::new(["check", SHIPPED]).out(out.path()).run();
    fresh.success();
    assert!(fresh.stdout.contains("ok       "), "{}", fresh.stdout);

    let dump = out.path().join("demo-travel-co/base-demo.sql");
    let text = fs::read_to_string(&dump).unwrap();
    let vendor_line = text
        .lines()
        .find(|l| l.contains("\tV-00003\t"))
        .unwrap()
        .to_owned();
    fs::write(
        &dump,
        text.replace(&vendor_line, &vendor_line.replace("V-00003", "V-99999")),
    )
    .unwrap();

    let stale = Demoforge::new(["check", SHIPPED]).out(out.path()).run();
    assert_eq!(stale.code, 2, "{}", stale.stderr);
    assert!(
        stale.stdout.contains("base-demo.sql: +1 -1 lines"),
        "{}",
        stale.stdout
    );
    assert!(
        stale.stdout.contains("tables: purchasing.vendors"),
        "{}",
        stale.stdout
    );
    assert!(
        stale.stdout.contains("- ") && stale.stdout.contains("V-99999"),
        "{}",
        stale.stdout
    );
    assert!(stale.stderr.contains("stale"), "{}", stale.stderr);
}

#[test]
fn check_reports_missing_output() {
    let out = tempfile::tempdir().unwrap();
    let run = Demoforge::new(["check", SHIPPED]).out(out.path()).run();
    assert_eq!(run.code, 2);
    assert!(run.stdout.contains("missing  "), "{}", run.stdout);
}

#[test]
fn a_bad_spec_among_good_ones_writes_nothing() {
    let out = tempfile::tempdir().unwrap();
    let run = Demoforge::new(["build", SHIPPED, "tests/specs/bad/unknown_field.yaml"])
        .out(out.path())
        .run();
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("did you mean `customers`?"),
        "{}",
        run.stderr
    );
    assert_eq!(
        fs::read_dir(out.path()).unwrap().count(),
        0,
        "nothing may be written"
    );
}

#[test]
fn a_nul_byte_in_a_value_is_refused_and_nothing_is_written() {
    let spec = fs::read_to_string(Path::new(CRATE_ROOT).join(SHIPPED)).unwrap();
    let bad = spec.replace(
        "- name: Demo Travel Co",
        "- name: \"Demo\\0Travel Co\"\n    key: demo-travel-co",
    );
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("nul.yaml"), bad).unwrap();
    let out = dir.path().join("out");
    let run = Demoforge::new(["build", dir.path().join("nul.yaml").to_str().unwrap()])
        .out(&out)
        .run();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("NUL"), "{}", run.stderr);
    assert!(!out.exists(), "nothing may be written");
}

#[test]
fn a_custom_template_folder_overrides_the_layout() {
    let dir = tempfile::tempdir().unwrap();
    let builtin =
        fs::read_to_string(Path::new(CRATE_ROOT).join("templates/reference/base-demo.sql.j2"))
            .unwrap();
    let custom = builtin.replace(
        "COPY {{ table.schema | sql_ident }}",
        "COPY {{ table.schema | replace(\"sales\", \"crm\") | sql_ident }}",
    );
    fs::write(dir.path().join("base-demo.sql.j2"), custom).unwrap();
    let out = dir.path().join("out");
    Demoforge::new([
        "build",
        SHIPPED,
        "--templates",
        dir.path().to_str().unwrap(),
    ])
    .out(&out)
    .run()
    .success();
    let dump = fs::read_to_string(out.join("demo-travel-co/base-demo.sql")).unwrap();
    assert!(
        dump.contains("COPY crm.customers (id, company_id"),
        "renamed target"
    );
    assert!(!dump.contains("COPY sales.customers"));
}

#[test]
fn a_broken_template_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("base-demo.sql.j2"), "{% for x in %}").unwrap();
    let out = dir.path().join("out");
    let run = Demoforge::new([
        "build",
        SHIPPED,
        "--templates",
        dir.path().to_str().unwrap(),
    ])
    .out(&out)
    .run();
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("template base-demo.sql.j2"),
        "{}",
        run.stderr
    );
    assert!(!out.exists());
}

#[test]
fn schema_prints_the_reference_ddl() {
    let run = Demoforge::new(["schema"]).run();
    run.success();
    assert!(
        run.stdout
            .contains("CREATE TABLE IF NOT EXISTS core.companies")
    );
    assert!(
        run.stdout
            .contains("is_demo boolean NOT NULL DEFAULT false")
    );
}

/// Regression: `demoforge check | head -1` panicked with "failed printing to
/// stdout: Broken pipe" once the reader closed the pipe.
#[test]
fn a_closed_stdout_pipe_is_not_a_panic() {
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_demoforge"))
        .args(["check", SHIPPED])
        .current_dir(CRATE_ROOT)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader goes away before anything is printed
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(output.status.code(), Some(0), "{stderr}");
}

/// Every shipped scenario meets every realism target it sets, within ±10%
/// (tolerances are in targets.csv, beside the dump).
#[test]
fn shipped_scenarios_meet_their_realism_targets() {
    let specs = fs::read_dir(Path::new(CRATE_ROOT).join("scenarios")).unwrap();
    let mut checked = 0;
    for spec in specs
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
    {
        let out = tempfile::tempdir().unwrap();
        Demoforge::new(["build", spec.to_str().unwrap()])
            .out(out.path())
            .run()
            .success();
        let slug_dir = fs::read_dir(out.path())
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        let targets = fs::read_to_string(slug_dir.join("targets.csv")).unwrap();
        for line in targets.lines().skip(1) {
            assert!(
                !line.ends_with(",NO"),
                "{}: target missed: {line}",
                spec.display()
            );
            checked += usize::from(line.ends_with(",yes"));
        }
    }
    assert!(checked >= 6, "targets were checked ({checked})");
}

/// Regression: two specs with the same `scenario` slug silently overwrote
/// each other's output; now the build refuses before writing anything.
#[test]
fn two_specs_with_the_same_slug_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.yaml");
    fs::copy(Path::new(CRATE_ROOT).join(SHIPPED), &copy).unwrap();
    let out = dir.path().join("out");
    let run = Demoforge::new(["build", SHIPPED, copy.to_str().unwrap()])
        .out(&out)
        .run();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("both write generated/demo-travel-co"),
        "{}",
        run.stderr
    );
    assert!(!out.exists(), "nothing may be written");
}

/// Regression: a travel offset's text went into its file name and label, so
/// `"+1\n\u2028weeks"` (valid: any whitespace may separate amount and unit)
/// wrote a file name split over two lines. Names and labels now come from the
/// canonical offset.
#[test]
fn a_travel_offset_with_odd_whitespace_gets_its_canonical_file_name() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("odd.yaml");
    let minimal = fs::read_to_string(Path::new(CRATE_ROOT).join("tests/specs/good/minimal.yaml"))
        .unwrap()
        .replace(
            "calendar:",
            "time_travel: [\"+1\\n\\u2028weeks\", \"+2 \\t days\"]\ncalendar:",
        );
    fs::write(&spec, minimal).unwrap();
    let out = dir.path().join("out");
    Demoforge::new(["build", spec.to_str().unwrap()])
        .out(&out)
        .run()
        .success();
    let mut names: Vec<String> = fs::read_dir(out.join("demo-travel-co/travel"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["+1-week.sql", "+2-days.sql"]);
    let delta = fs::read_to_string(out.join("demo-travel-co/travel/+1-week.sql")).unwrap();
    assert!(delta.contains("\n-- label: +1 week\n"), "{}", &delta[..400]);
}
