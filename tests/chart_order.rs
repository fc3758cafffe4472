//! Regression: the trial balance and the balance sheet listed accounts in the
//! order the chart was assembled (defaults, then later additions such as bank
//! account 1001 at the very end), not in chart order. Both the preview (every
//! format shares one model; the JSON is checked here, the table by its
//! snapshot in `tests/preview.rs`) and the golden `trial-balance.csv`.

mod cli;

use cli::Demoforge;

const SHIPPED: &str = "scenarios/demo-travel-co.yaml";

/// Codes as numbers: every code in the shipped charts is numeric.
fn numeric(codes: &[String]) -> Vec<u64> {
    codes
        .iter()
        .map(|c| c.parse().expect("numeric code"))
        .collect()
}

fn assert_chart_order(what: &str, codes: &[String]) {
    let numbers = numeric(codes);
    let mut sorted = numbers.clone();
    sorted.sort_unstable();
    assert_eq!(numbers, sorted, "{what} is not in chart order");
}

fn codes(lines: &serde_json::Value) -> Vec<String> {
    lines
        .as_array()
        .expect("a list of lines")
        .iter()
        .map(|l| l["code"].as_str().expect("a code").to_owned())
        .collect()
}

#[test]
fn preview_trial_balance_and_balance_sheet_are_in_chart_order() {
    for at in [None, Some("+6m")] {
        let mut args = vec!["preview", SHIPPED, "--format", "json"];
        args.extend(at.iter().flat_map(|a| ["--at", *a]));
        let run = std::process::Command::new(env!("CARGO_BIN_EXE_demoforge"))
            .args(&args)
            .current_dir(cli::CRATE_ROOT)
            .output()
            .expect("run demoforge");
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let preview: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
        let company = &preview["companies"][0];
        let trial = codes(&company["trial_balance"]["lines"]);
        // The reserve account (1001) is added after the default chart: it is
        // what used to come last.
        assert!(trial.iter().any(|c| c == "1001"), "{trial:?}");
        assert_chart_order("the trial balance", &trial);
        for section in ["assets", "liabilities", "equity"] {
            let lines = codes(&company["balance_sheet"][section]);
            assert!(!lines.is_empty(), "{section}");
            assert_chart_order(section, &lines);
        }
    }
}

#[test]
fn golden_trial_balance_csv_is_in_chart_order() {
    let out = tempfile::tempdir().unwrap();
    Demoforge::new(["build", SHIPPED])
        .out(out.path())
        .run()
        .success();
    let csv = std::fs::read_to_string(out.path().join("demo-travel-co/trial-balance.csv")).unwrap();
    let codes: Vec<String> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap().to_owned())
        .filter(|c| !c.is_empty())
        .collect();
    assert!(codes.len() > 20, "{csv}");
    assert_chart_order("trial-balance.csv", &codes);
}
