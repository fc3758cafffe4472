//! Untrusted spec text stays text in every generated file.
//!
//! Regression tests for issue 13 item 1 (SQL and shell commands through
//! `psql -f` via a forged row marker or a raw header comment), and the
//! property test: seeded arbitrary strings in every spec string field are built,
//! loaded with `psql -v ON_ERROR_STOP=1 -f` and with `demoforge load`, and come
//! back byte-identical with nothing else run.

#[path = "support/lcg.rs"]
mod lcg;
mod support;

use lcg::Lcg;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::{TestDb, assert_success, demoforge};

/// A folder under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!(
            "demoforge-escaping-{tag}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A YAML double-quoted scalar holding exactly `value`: every character
/// outside YAML's printable set (and the line breaks) as an escape.
fn yaml_quoted(value: &str) -> String {
    let printable = |c: char| {
        matches!(c, '\u{20}'..='\u{7e}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}')
            || c >= '\u{10000}'
    };
    let mut out = String::from("\"");
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{feff}' | '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\U{:08x}", c as u32)),
            c if printable(c) => out.push(c),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// The values a property case puts into every string field of a spec that
/// reaches the dump.
#[derive(Debug, Clone)]
struct Fields {
    company: String,
    owner: String,
    accountant: String,
    /// The local part of the owner's email (ASCII graphic, as the spec allows).
    owner_local: String,
    account: String,
    tax_rate: String,
}

impl Fields {
    fn plain() -> Fields {
        Fields {
            company: "Escaping Co".into(),
            owner: "Olivia Owner".into(),
            accountant: "Arjun Accountant".into(),
            owner_local: "olivia".into(),
            account: "Guide fees".into(),
            tax_rate: "Outside scope".into(),
        }
    }

    fn owner_email(&self) -> String {
        format!("{}@escaping-co.example", self.owner_local)
    }
}

/// A spec with every string field of `fields`.
fn spec_with(f: &Fields) -> String {
    format!(
        "version: 1\nscenario: escaping-co\ncalendar:\n  as_of: 2026-11-15\n  months: 12\n\
         companies:\n  - name: {}\n    key: escaping-co\n    industry: travel\n\
         \x20   customers: {{count: 3}}\n    vendors: {{count: 2}}\n\
         \x20   chart_of_accounts:\n      accounts:\n        - {{code: 6700, name: {}, type: expense}}\n\
         \x20   tax_rates:\n      - {{code: STD, rate: 20%}}\n      - {{code: NONE, name: {}, kind: exempt}}\n\
         \x20   personas:\n\
         \x20     - name: {}\n        email: {}\n        role: owner\n\
         \x20     - name: {}\n        email: arjun@escaping-co.example\n        role: accountant\n",
        yaml_quoted(&f.company),
        yaml_quoted(&f.account),
        yaml_quoted(&f.tax_rate),
        yaml_quoted(&f.owner),
        yaml_quoted(&f.owner_email()),
        yaml_quoted(&f.accountant),
    )
}

/// The spec with the given company name and persona names.
fn spec(company: &str, owner: &str, accountant: &str) -> String {
    spec_with(&Fields {
        company: company.into(),
        owner: owner.into(),
        accountant: accountant.into(),
        ..Fields::plain()
    })
}

fn build(dir: &Path, spec_text: &str) -> PathBuf {
    let spec = dir.join("spec.yaml");
    std::fs::write(&spec, spec_text).expect("write spec");
    let out_dir = dir.join("out");
    let out = demoforge(&[
        "build",
        spec.to_str().expect("utf-8"),
        "--out",
        out_dir.to_str().expect("utf-8"),
    ]);
    assert_success(&out, "demoforge build");
    out_dir.join("escaping-co/base-demo.sql")
}

fn psql_file(db: &TestDb, file: &Path, cwd: &Path) -> Output {
    Command::new("psql")
        .current_dir(cwd)
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", &db.url, "-f"])
        .arg(file)
        .output()
        .expect("run psql")
}

/// Every relation outside the reference schema's schemas and the catalogs.
fn foreign_relations(db: &TestDb) -> Vec<String> {
    db.client()
        .query(
            "SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname NOT IN ('core','ledger','catalog','sales','purchasing','banking','payroll','inventory','demoforge','pg_catalog','information_schema','pg_toast') \
             AND n.nspname NOT LIKE 'pg_temp%' AND n.nspname NOT LIKE 'pg_toast_temp%'",
            &[],
        )
        .expect("list relations")
        .iter()
        .map(|r| r.get(0))
        .collect()
}

fn company_name(db: &TestDb) -> String {
    db.client()
        .query_one("SELECT name FROM core.companies", &[])
        .expect("one company")
        .get(0)
}

#[test]
fn a_forged_row_marker_in_the_company_name_runs_no_sql_or_shell() {
    let dir = TempDir::new("marker");
    let touched = dir.0.join("touched-by-psql");
    let names = [
        "Acme\u{1}0\u{1}; CREATE TABLE public.pwned(x int); --".to_owned(),
        format!("Acme\u{1}0\u{1}\\! touch {}", touched.display()),
        "Acme\n; CREATE TABLE public.pwned2(x int); --".to_owned(),
        "Acme\r\\! touch pwned-cr".to_owned(),
    ];
    for name in &names {
        let db = TestDb::new();
        db.apply_schema();
        let dump = build(&dir.0, &spec(name, "Olivia Owner", "Arjun Accountant"));
        let out = psql_file(&db, &dump, &dir.0);
        assert_success(&out, "psql -f of the dump");
        assert_eq!(foreign_relations(&db), Vec::<String>::new(), "{name:?}");
        assert!(!touched.exists(), "psql ran a shell command for {name:?}");
        assert!(!dir.0.join("pwned-cr").exists(), "{name:?}");
        assert_eq!(&company_name(&db), name);
    }
}

/// The fields as they came back from the database.
fn loaded_fields(db: &TestDb) -> Fields {
    let mut c = db.client();
    let one = |c: &mut postgres::Client, sql: &str| -> String {
        c.query_one(sql, &[])
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .get(0)
    };
    let users: Vec<(String, String)> = c
        .query(
            "SELECT name, email FROM core.users ORDER BY email <> 'arjun@escaping-co.example'",
            &[],
        )
        .expect("users")
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(users.len(), 2, "{users:?}");
    Fields {
        company: one(&mut c, "SELECT name FROM core.companies"),
        owner: users[1].0.clone(),
        accountant: users[0].0.clone(),
        owner_local: users[1]
            .1
            .strip_suffix("@escaping-co.example")
            .expect("owner email domain")
            .to_owned(),
        account: one(
            &mut c,
            "SELECT name FROM ledger.accounts WHERE code = '6700'",
        ),
        tax_rate: one(
            &mut c,
            "SELECT name FROM ledger.tax_rates WHERE code = 'NONE'",
        ),
    }
}

/// Pieces that have broken dumps, SQL or psql somewhere.
const NASTY: &[&str] = &[
    "\\! touch pwned-shell",
    "\\i /etc/passwd",
    "\\copy core.companies to 'pwned-copy'",
    "\\gexec",
    "\\.",
    "\n\\.\n",
    "\r\n",
    "\n; CREATE TABLE public.pwned(x int); --\n",
    "'); DROP TABLE core.users; --",
    "\u{1}0\u{1}",
    "\u{1}",
    "\t",
    "\\",
    "\\N",
    "\"",
    "'",
    "$$",
    "--",
    "/*",
    ";",
    "\u{7f}",
    "\u{85}",
    "\u{2028}",
    "\u{feff}",
    "\u{1b}[31m",
    "{{ 7*7 }}",
    "{% raw %}",
    "é",
    "Zürich",
    "東京",
    "🦀",
    "\u{10ffff}",
    " ",
];

/// One field value: a few nasty pieces and arbitrary characters.
fn arbitrary_text(rng: &mut Lcg) -> String {
    // Letters at both ends: validation trims names (issue 13 item 8, not
    // this test's concern), and these cases are about what lies between.
    let mut text = String::from("N");
    for _ in 0..1 + rng.below(6) {
        if rng.below(3) == 0 {
            // Any scalar value but NUL (which the spec refuses).
            let c = loop {
                let code = 1 + rng.below(0x10_ffff) as u32;
                if let Some(c) = char::from_u32(code) {
                    break c;
                }
            };
            text.push(c);
        } else {
            let piece: &&str = rng.pick(NASTY);
            text.push_str(piece);
        }
    }
    text.push('Z');
    text
}

/// An email local part: ASCII graphic characters but `@`, `<` and `>`.
fn arbitrary_local(rng: &mut Lcg) -> String {
    const CHARS: &[u8] = b"abc019!#$%&'*+-/=?^_`{|}~.;\\\"(),:[]";
    let mut local = String::from("o");
    for _ in 0..1 + rng.below(12) {
        local.push(CHARS[rng.below(CHARS.len())] as char);
    }
    local
}

fn arbitrary_fields(rng: &mut Lcg) -> Fields {
    Fields {
        company: arbitrary_text(rng),
        owner: arbitrary_text(rng),
        accountant: arbitrary_text(rng),
        owner_local: arbitrary_local(rng),
        account: arbitrary_text(rng),
        tax_rate: arbitrary_text(rng),
    }
}

fn assert_round_trip(db: &TestDb, fields: &Fields, how: &str, cwd: &Path) {
    let back = loaded_fields(db);
    assert_eq!(back.company, fields.company, "company name via {how}");
    assert_eq!(back.owner, fields.owner, "owner name via {how}");
    assert_eq!(
        back.accountant, fields.accountant,
        "accountant name via {how}"
    );
    assert_eq!(
        back.owner_local, fields.owner_local,
        "owner email via {how}"
    );
    assert_eq!(back.account, fields.account, "account name via {how}");
    assert_eq!(back.tax_rate, fields.tax_rate, "tax rate name via {how}");
    assert_eq!(foreign_relations(db), Vec::<String>::new(), "via {how}");
    for stray in ["pwned-shell", "pwned-copy"] {
        assert!(!cwd.join(stray).exists(), "{stray} written via {how}");
    }
}

#[test]
fn arbitrary_strings_in_every_field_come_back_byte_identical() {
    const CASES: usize = 6;
    let mut rng = Lcg(20_261_128);
    let dir = TempDir::new("property");
    for case in 0..CASES {
        let fields = arbitrary_fields(&mut rng);
        let dump = build(&dir.0, &spec_with(&fields));
        let copy = dir.0.join(format!("case-{case}.sql"));
        std::fs::copy(&dump, &copy).expect("keep the dump");

        let db = TestDb::new();
        db.apply_schema();
        let out = psql_file(&db, &copy, &dir.0);
        assert_success(&out, &format!("psql -f of case {case}: {fields:?}"));
        assert_round_trip(&db, &fields, &format!("psql, case {case}"), &dir.0);

        let db = TestDb::new();
        db.apply_schema();
        let out = demoforge(&[
            "load",
            copy.to_str().expect("utf-8"),
            "--database-url",
            &db.url,
        ]);
        assert_success(&out, &format!("demoforge load of case {case}: {fields:?}"));
        assert_round_trip(
            &db,
            &fields,
            &format!("demoforge load, case {case}"),
            &dir.0,
        );
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Issue 13 item 5: miette's graphical handler panicked (exit 101) on a
/// persona name with `\r`, 70,000 characters and a NUL.
#[test]
fn a_huge_name_with_cr_and_nul_is_refused_without_a_panic() {
    let dir = TempDir::new("panic");
    let name = format!("A\r{}\0", "x".repeat(70_000));
    let specs = [
        // The reported spec: a block mapping.
        spec("Escaping Co", &name, "Arjun Accountant"),
        // Flow mappings put a second problem on the same huge line.
        spec("Escaping Co", "Olivia Owner", "Arjun Accountant").replace(
            "      - name: \"Olivia Owner\"\n        email: \"olivia@escaping-co.example\"\n        role: owner\n",
            &format!("      - {{name: {}, email: olivia@gmail.com, role: owner}}\n", yaml_quoted(&name)),
        ),
        // A huge line without a NUL.
        spec("Escaping Co", &"y".repeat(70_000), "Arjun Accountant"),
        // A raw carriage return in the file, not an escape.
        spec("Escaping Co", &name, "Arjun Accountant").replace("A\\U0000000d", "A\r"),
    ];
    for (i, text) in specs.iter().enumerate() {
        assert!(
            text.contains("x".repeat(60_000).as_str()) || text.contains("yyyy"),
            "spec {i}"
        );
        assert!(
            i != 1 || text.contains("gmail.com"),
            "the flow variant applies"
        );
        assert!(
            i != 3 || text.contains("A\rx"),
            "the raw CR variant applies"
        );
        let path = dir.0.join(format!("spec-{i}.yaml"));
        std::fs::write(&path, text).expect("write spec");
        let out_dir = dir.0.join("out");
        for args in [
            vec!["validate", path.to_str().expect("utf-8")],
            vec![
                "build",
                path.to_str().expect("utf-8"),
                "--out",
                out_dir.to_str().expect("utf-8"),
            ],
        ] {
            let out = demoforge(&args);
            let err = stderr(&out);
            assert_eq!(
                out.status.code(),
                Some(1),
                "{args:?} of spec {i}:\n{}",
                &err[..err.len().min(3000)]
            );
            assert!(!err.contains("panicked"), "{args:?} of spec {i}");
            assert!(
                err.contains("spec-") && err.contains(":19:"),
                "line of the field: {}",
                &err[..err.len().min(3000)]
            );
            assert!(
                err.len() < 20_000,
                "the report echoes the huge line: {} bytes",
                err.len()
            );
        }
        assert!(!out_dir.exists(), "nothing is written");
    }
}

/// `validate` refused nothing that `build` then refused with a NUL.
#[test]
fn validate_refuses_a_nul_at_its_field_like_build() {
    let dir = TempDir::new("nul");
    let path = dir.0.join("spec.yaml");
    std::fs::write(&path, spec("Acme\0Co", "Olivia Owner", "Arjun Accountant")).expect("write");
    let out = demoforge(&["validate", path.to_str().expect("utf-8")]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("`name` contains a NUL character"), "{err}");
    assert!(err.contains("spec.yaml:7:11"), "{err}");
    assert!(err.contains("help: remove the `\\0` escape"), "{err}");
}

/// A template that prints a string without an escaping filter fails the
/// build with a clear error, and nothing is written.
#[test]
fn a_template_printing_an_unescaped_string_is_refused() {
    let dir = TempDir::new("template");
    let builtin = include_str!("../templates/reference/base-demo.sql.j2");
    let templates = dir.0.join("templates");
    std::fs::create_dir_all(&templates).expect("templates dir");
    for (i, careless) in [
        "{{ company.name }}",
        "{{ company.name | safe }}",
        "{{ company.name | upper }}",
        "{{ \"literal\" }}",
    ]
    .iter()
    .enumerate()
    {
        let custom = builtin.replace("{{ company.name | sql_comment }}", careless);
        assert_ne!(custom, builtin);
        std::fs::write(templates.join("base-demo.sql.j2"), custom).expect("write template");
        let spec_path = dir.0.join("spec.yaml");
        std::fs::write(
            &spec_path,
            spec("Escaping Co", "Olivia Owner", "Arjun Accountant"),
        )
        .expect("write spec");
        let out_dir = dir.0.join(format!("out-{i}"));
        let out = demoforge(&[
            "build",
            spec_path.to_str().expect("utf-8"),
            "--out",
            out_dir.to_str().expect("utf-8"),
            "--templates",
            templates.to_str().expect("utf-8"),
        ]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{careless}: {err}");
        assert!(
            err.contains("template base-demo.sql.j2"),
            "{careless}: {err}"
        );
        assert!(!out_dir.exists(), "{careless}: nothing is written");
    }
}

/// Item 8: `load` of a dump from another demoforge version is refused.
#[test]
fn load_refuses_a_dump_of_another_version_and_points_a_spec_to_reset() {
    let db = TestDb::new();
    db.apply_schema();
    let dir = TempDir::new("version");
    let fixture = std::fs::read_to_string(support::fixture_dump()).expect("fixture");
    let ours = format!("-- demoforge-version: {}\n", env!("CARGO_PKG_VERSION"));
    assert!(fixture.contains(&ours));
    let other = dir.0.join("other-version.sql");
    std::fs::write(
        &other,
        fixture.replace(&ours, "-- demoforge-version: 9.9.9\n"),
    )
    .expect("write");
    let out = demoforge(&[
        "load",
        other.to_str().expect("utf-8"),
        "--database-url",
        &db.url,
    ]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("written by demoforge 9.9.9"), "{err}");
    assert_eq!(db.count("SELECT count(*) FROM core.companies"), 0);

    let spec_path = dir.0.join("spec.yaml");
    std::fs::write(
        &spec_path,
        spec("Escaping Co", "Olivia Owner", "Arjun Accountant"),
    )
    .expect("write");
    let out = demoforge(&[
        "load",
        spec_path.to_str().expect("utf-8"),
        "--database-url",
        &db.url,
    ]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("scenario spec (YAML), not a dump"), "{err}");
    assert!(err.contains("demoforge reset SPEC"), "{err}");
    assert!(!err.contains("names no company"), "{err}");
}

/// Travel deltas write the same header values through the same escaper:
/// base then delta, by psql and by `demoforge load`, keep every value and run
/// nothing else.
#[test]
fn a_travel_delta_of_a_nasty_spec_loads_with_psql_and_demoforge() {
    let dir = TempDir::new("delta");
    let mut rng = Lcg(7);
    let fields = Fields {
        company: format!(
            "N\u{1}0\u{1}\\! touch pwned-shell\n; CREATE TABLE public.pwned(x int); --\r{}Z",
            arbitrary_text(&mut rng)
        ),
        ..arbitrary_fields(&mut rng)
    };
    let text = spec_with(&fields).replace("companies:", "time_travel: [\"+2 weeks\"]\ncompanies:");
    let base = build(&dir.0, &text);
    let delta = base.with_file_name("travel/+2-weeks.sql");
    let header = std::fs::read_to_string(&delta).expect("the travel delta");
    assert!(
        header
            .lines()
            .any(|l| l.starts_with("-- company: ") && l.contains("\\u{1}0\\u{1}"))
    );

    let db = TestDb::new();
    db.apply_schema();
    for file in [&base, &delta] {
        assert_success(&psql_file(&db, file, &dir.0), "psql -f of base and delta");
    }
    assert_round_trip(&db, &fields, "psql, base then delta", &dir.0);

    let db = TestDb::new();
    db.apply_schema();
    for file in [&base, &delta] {
        let out = demoforge(&[
            "load",
            file.to_str().expect("utf-8"),
            "--database-url",
            &db.url,
        ]);
        assert_success(&out, "demoforge load of base and delta");
    }
    assert_round_trip(&db, &fields, "demoforge load, base then delta", &dir.0);
}
