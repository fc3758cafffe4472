//! Credentials issued by load and reset: 0600 files, hashes only in the
//! database, plaintext nowhere else, derivation from a secret.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use sha2::Digest;
use support::{TestDb, assert_success, demoforge_cmd, fixture_dump};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// Every plaintext password and token in a credentials file.
fn plaintexts(creds: &serde_json::Value) -> Vec<String> {
    creds["personas"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| {
            let token = p["api_token"].as_str().unwrap();
            let (_, secret_part) = token.split_once('|').unwrap();
            [
                p["password"].as_str().unwrap().to_owned(),
                token.to_owned(),
                secret_part.to_owned(),
            ]
        })
        .collect()
}

/// Rows anywhere in the tenant and bookkeeping tables whose text holds `needle`.
fn rows_containing(db: &TestDb, needle: &str) -> i64 {
    let mut client = db.client();
    let mut tables: Vec<String> = demoforge::db::tenant_tables(&mut client)
        .expect("catalog")
        .into_iter()
        .map(|t| t.name)
        .collect();
    tables.extend([
        "demoforge.audit_log".to_owned(),
        "demoforge.loads".to_owned(),
    ]);
    tables
        .iter()
        .map(|t| {
            let sql = format!("SELECT count(*) FROM {t} x WHERE strpos(x::text, $1) > 0");
            client.query_one(&sql, &[&needle]).unwrap().get::<_, i64>(0)
        })
        .sum()
}

#[test]
fn credentials_are_private_files_and_only_hashes_reach_the_database() {
    let db = TestDb::new();
    db.apply_schema();
    let dir = tempfile::tempdir().unwrap();
    let creds = dir.path().join("creds.json");
    // A stale file readable by others must be replaced, not reused.
    std::fs::write(&creds, "old").unwrap();
    std::fs::set_permissions(&creds, std::fs::Permissions::from_mode(0o644)).unwrap();
    let postman = dir.path().join("postman");
    let out = demoforge_cmd(&[
        "load",
        fixture_dump().to_str().unwrap(),
        "--database-url",
        &db.url,
        "--credentials-out",
        creds.to_str().unwrap(),
        "--postman-out",
        postman.to_str().unwrap(),
        "--base-url",
        "https://demo.example.test",
    ])
    .env_remove("DEMOFORGE_BCRYPT_COST")
    .output()
    .unwrap();
    assert_success(&out, "load with credentials");

    assert_eq!(mode(&creds), 0o600);
    let file = read_json(&creds);
    let personas = file["personas"].as_array().unwrap();
    assert_eq!(personas.len(), 2);
    assert_eq!(file["base_url"], "https://demo.example.test");

    let mut client = db.client();
    for persona in personas {
        let email = persona["email"].as_str().unwrap();
        let row = client
            .query_one(
                "SELECT u.password_hash, t.id::text, t.token_hash::text
                 FROM core.users u JOIN core.api_tokens t ON t.user_id = u.id
                 WHERE u.email = $1",
                &[&email],
            )
            .unwrap();
        let hash: String = row.get(0);
        assert!(
            hash.starts_with("$2y$10$"),
            "Laravel's prefix and cost: {hash}"
        );
        let password = persona["password"].as_str().unwrap();
        assert!(bcrypt::verify(password, &hash).unwrap());
        let (token_id, secret_part) = persona["api_token"]
            .as_str()
            .unwrap()
            .split_once('|')
            .unwrap();
        assert_eq!(token_id, row.get::<_, String>(1));
        let sha: String = sha2::Sha256::digest(secret_part.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(sha, row.get::<_, String>(2));
    }

    let envs: Vec<_> = std::fs::read_dir(&postman)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(envs.len(), 2);
    for env in &envs {
        assert_eq!(mode(env), 0o600, "{}", env.display());
        let values = read_json(env)["values"].clone();
        let get = |key: &str| {
            values
                .as_array()
                .unwrap()
                .iter()
                .find(|v| v["key"] == key)
                .map(|v| v["value"].as_str().unwrap().to_owned())
        };
        assert_eq!(
            get("base_url").as_deref(),
            Some("https://demo.example.test")
        );
        assert_eq!(get("X-Demo-Tenant").as_deref(), Some("true"));
        assert!(get("token").unwrap().contains('|'));
    }

    let logs = [out.stdout.as_slice(), out.stderr.as_slice()].concat();
    let logs = String::from_utf8_lossy(&logs);
    let dump = std::fs::read_to_string(fixture_dump()).unwrap();
    for secret in plaintexts(&file) {
        assert_eq!(
            rows_containing(&db, &secret),
            0,
            "plaintext in the database"
        );
        assert!(!logs.contains(&secret), "plaintext in the output");
        assert!(!dump.contains(&secret), "plaintext in the dump");
    }

    // A reset issues new credentials, and again keeps plaintext out of its output.
    let out = db.reset(&["--credentials-out", creds.to_str().unwrap(), "--json"]);
    assert_success(&out, "reset");
    let second = read_json(&creds);
    assert_ne!(plaintexts(&second), plaintexts(&file));
    let logs = String::from_utf8_lossy(&[out.stdout, out.stderr].concat()).into_owned();
    for secret in plaintexts(&second) {
        assert_eq!(rows_containing(&db, &secret), 0);
        assert!(!logs.contains(&secret));
    }
    assert_eq!(mode(&creds), 0o600);
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        2,
        "no temporary files are left next to the credentials"
    );
}

#[test]
fn credentials_derived_from_a_secret_are_stable_within_the_period() {
    let db = TestDb::with_fixture_loaded();
    let dir = tempfile::tempdir().unwrap();
    let reset = |name: &str, rotation: &str| {
        let path = dir.path().join(name);
        let dump = fixture_dump();
        let out = demoforge_cmd(&[
            "reset",
            dump.to_str().unwrap(),
            "--database-url",
            &db.url,
            "--operator",
            "cron",
            "--credentials-out",
            path.to_str().unwrap(),
            "--rotation",
            rotation,
        ])
        .env(
            "DEMOFORGE_CREDENTIAL_SECRET",
            "a-long-enough-test-secret-0123456789",
        )
        .output()
        .unwrap();
        assert_success(&out, "derived reset");
        plaintexts(&read_json(&path))
    };
    let first = reset("a.json", "monthly");
    let second = reset("b.json", "monthly");
    let daily = reset("c.json", "daily");
    assert_eq!(
        first, second,
        "same secret and period give the same credentials"
    );
    assert_ne!(first, daily, "another period rotates them");

    // The hash stored by the last reset matches the derived daily password.
    let hash: String = db
        .client()
        .query_one(
            "SELECT password_hash FROM core.users WHERE email = 'ada@tiny-travel.test'",
            &[],
        )
        .unwrap()
        .get(0);
    let file = read_json(&dir.path().join("c.json"));
    let ada = file["personas"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["email"] == "ada@tiny-travel.test")
        .unwrap();
    assert!(bcrypt::verify(ada["password"].as_str().unwrap(), &hash).unwrap());
    let mode: String = db
        .client()
        .query_one(
            "SELECT credential_mode FROM demoforge.audit_log ORDER BY id DESC LIMIT 1",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(mode.starts_with("derived:"), "{mode}");
}

#[test]
fn a_short_secret_is_refused() {
    let db = TestDb::new();
    let out = demoforge_cmd(&[
        "load",
        fixture_dump().to_str().unwrap(),
        "--database-url",
        &db.url,
    ])
    .env("DEMOFORGE_CREDENTIAL_SECRET", "short")
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("too short"), "{stderr}");
}
