//! Writing credential plaintext: the credentials file and Postman environments.
//!
//! Input: issued credentials and where to write them. Output: files created
//! with mode 0600. Invariants: files are first written under a temporary name
//! in the target folder ([`CredentialOutputs::stage`]) and renamed into place
//! only after the database transaction commits ([`Staged::publish`]), so a
//! failed reset never replaces working credentials with ones the database
//! does not hold; staged files that are not published are removed, also when
//! publishing fails half-way.
//!
//! Before anything irreversible, [`CredentialOutputs::check`] verifies every
//! output path, the per-persona Postman files included (no file is a folder
//! and its folder exists and is writable; the Postman folder is a folder, or
//! can be created, and is writable; no two outputs share a path), and removes
//! `.NAME.tmp-PID` files left by killed runs whose process no longer exists.
//!
//! A Postman file is named after the persona's email ([`postman_paths`]);
//! personas whose emails give the same name (`a.b@x` and `a-b@x`) each get
//! their user id appended, so names are unique by construction.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use serde_json::json;

use super::credentials::{Issued, Persona};
use super::error::DbError;

#[derive(Debug, Clone, Default)]
pub struct CredentialOutputs {
    pub file: Option<PathBuf>,
    pub postman_dir: Option<PathBuf>,
    pub base_url: String,
}

/// Context written next to the credentials.
pub struct FileMeta<'a> {
    pub scenario: &'a str,
    pub credential_mode: &'a str,
    pub issued_at: String,
}

/// Temporary files waiting for the commit.
#[must_use]
pub struct Staged {
    moves: Vec<(PathBuf, PathBuf)>,
}

impl CredentialOutputs {
    pub fn is_empty(&self) -> bool {
        self.file.is_none() && self.postman_dir.is_none()
    }

    /// Run before connecting, with the personas that will get credentials: a
    /// path that cannot be written is refused while the old credentials still
    /// work.
    pub fn check(&self, personas: &[Persona]) -> Result<(), DbError> {
        if let Some(path) = &self.file {
            check_file_path(path)?;
            remove_stale_temps(&folder_of(path), |name| {
                path.file_name()
                    .is_some_and(|own| name == format!(".{}", own.to_string_lossy()))
            });
        }
        if let Some(dir) = &self.postman_dir {
            check_dir_path(dir)?;
            for path in postman_paths(dir, personas.iter()) {
                if path.is_dir() {
                    return Err(refuse(&path, "it is a folder"));
                }
            }
            remove_stale_temps(dir, |name| name.ends_with(".postman_environment.json"));
        }
        self.check_distinct(personas)
    }

    /// Two outputs on one path would share a temp file and overwrite each
    /// other; refused rather than losing one persona's credentials.
    fn check_distinct(&self, personas: &[Persona]) -> Result<(), DbError> {
        let mut seen = std::collections::BTreeSet::new();
        let postman = self
            .postman_dir
            .iter()
            .flat_map(|dir| postman_paths(dir, personas.iter()));
        for path in self.file.iter().cloned().chain(postman) {
            if !seen.insert(path.clone()) {
                return Err(refuse(&path, "two outputs would be written to this path"));
            }
        }
        Ok(())
    }

    pub fn stage(&self, meta: &FileMeta<'_>, issued: &[Issued]) -> Result<Staged, DbError> {
        let mut staged = Staged { moves: Vec::new() };
        if let Some(path) = &self.file {
            let body = credentials_json(meta, &self.base_url, issued);
            staged.add(path, &body)?;
        }
        if let Some(dir) = &self.postman_dir {
            std::fs::create_dir_all(dir).map_err(|e| write_error(dir, e))?;
            let paths = postman_paths(dir, issued.iter().map(|c| &c.persona));
            for (cred, path) in issued.iter().zip(paths) {
                staged.add(&path, &postman_json(meta, &self.base_url, cred))?;
            }
        }
        Ok(staged)
    }
}

impl Staged {
    fn add(&mut self, path: &Path, body: &serde_json::Value) -> Result<(), DbError> {
        let temp = temp_path(path);
        if let Err(e) = write_private(&temp, body) {
            // A half-written temp file is plaintext too.
            let _ = std::fs::remove_file(&temp);
            return Err(e);
        }
        self.moves.push((temp, path.to_path_buf()));
        Ok(())
    }

    /// Renames every staged file into place; returns the final paths. On a
    /// failure the files not yet renamed are removed (by `Drop`).
    pub fn publish(mut self) -> Result<Vec<PathBuf>, DbError> {
        let mut done = Vec::new();
        while !self.moves.is_empty() {
            let (temp, path) = &self.moves[0];
            std::fs::rename(temp, path).map_err(|e| write_error(path, e))?;
            done.push(self.moves.remove(0).1);
        }
        Ok(done)
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        for (temp, _) in &self.moves {
            let _ = std::fs::remove_file(temp);
        }
    }
}

/// `name` alone means the current folder.
fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn refuse(path: &Path, message: &str) -> DbError {
    DbError::Refused {
        message: format!("cannot write credentials to {}: {message}", path.display()),
        help: "pass a file path in an existing folder this user can write; nothing was written and the old credentials still work".to_owned(),
    }
}

fn check_file_path(path: &Path) -> Result<(), DbError> {
    if path.is_dir() {
        return Err(refuse(path, "it is a folder"));
    }
    if path.file_name().is_none() {
        return Err(refuse(path, "it names no file"));
    }
    let folder = folder_of(path);
    if !folder.is_dir() {
        return Err(refuse(
            path,
            &format!("the folder {} does not exist", folder.display()),
        ));
    }
    check_writable(&folder).map_err(|m| refuse(path, &m))
}

/// The folder may not exist yet (it is created), but its nearest existing
/// ancestor must be a writable folder.
fn check_dir_path(dir: &Path) -> Result<(), DbError> {
    let mut existing = dir.to_path_buf();
    while !existing.exists() {
        existing = folder_of(&existing);
    }
    if !existing.is_dir() {
        return Err(refuse(
            dir,
            &format!("{} is not a folder", existing.display()),
        ));
    }
    check_writable(&existing).map_err(|m| refuse(dir, &m))
}

/// Creates and removes a probe file: permission bits, read-only mounts and
/// ACLs all show up, which `access(2)` alone would not promise.
fn check_writable(folder: &Path) -> Result<(), String> {
    let probe = folder.join(format!(".demoforge-probe-{}", std::process::id()));
    let created = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&probe);
    match created {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            Ok(())
        }
        Err(e) => Err(format!(
            "the folder {} is not writable ({e})",
            folder.display()
        )),
    }
}

/// Removes `<prefix>.tmp-<pid>` files in `folder` whose process is gone and
/// whose prefix `owned` accepts. Best effort: a file that cannot be removed
/// is left for the operator.
fn remove_stale_temps(folder: &Path, owned: impl Fn(&str) -> bool) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some((prefix, pid)) = name.rsplit_once(".tmp-") else {
            continue;
        };
        let dead = pid
            .parse::<i32>()
            .is_ok_and(|p| p > 0 && !process_exists(p));
        if dead && prefix.starts_with('.') && owned(prefix) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

fn process_exists(pid: i32) -> bool {
    // SAFETY: signal 0 only checks for existence and permission.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "credentials".to_owned());
    path.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

/// Created with 0600 from the first byte: the mode is set by open(2), not
/// changed afterwards, so the plaintext is never readable by others.
fn write_private(path: &Path, body: &serde_json::Value) -> Result<(), DbError> {
    let _ = std::fs::remove_file(path);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| write_error(path, e))?;
    let mut text = serde_json::to_string_pretty(body).unwrap_or_default();
    text.push('\n');
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| write_error(path, e))
}

fn write_error(path: &Path, e: std::io::Error) -> DbError {
    DbError::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

fn credentials_json(meta: &FileMeta<'_>, base_url: &str, issued: &[Issued]) -> serde_json::Value {
    let personas: Vec<_> = issued
        .iter()
        .map(|c| {
            json!({
                "name": c.persona.name,
                "email": c.persona.email,
                "company_id": c.persona.company_id.to_string(),
                "password": c.password.expose(),
                "api_token": c.token.expose(),
            })
        })
        .collect();
    json!({
        "scenario": meta.scenario,
        "issued_at": meta.issued_at,
        "credential_mode": meta.credential_mode,
        "base_url": base_url,
        "personas": personas,
    })
}

/// A Postman environment: import it, then use `{{base_url}}`, `{{token}}` as a
/// Bearer token and the `X-Demo-Tenant` header with `{{x_demo_tenant}}`.
fn postman_json(meta: &FileMeta<'_>, base_url: &str, cred: &Issued) -> serde_json::Value {
    let var = |key: &str, value: &str, kind: &str| json!({ "key": key, "value": value, "type": kind, "enabled": true });
    json!({
        "id": cred.persona.user_id.to_string(),
        "name": format!("{} demo: {}", meta.scenario, cred.persona.email),
        "values": [
            var("base_url", base_url, "default"),
            var("token", cred.token.expose(), "secret"),
            var("x_demo_tenant", "true", "default"),
            var("X-Demo-Tenant", "true", "default"),
        ],
        "_postman_variable_scope": "environment",
    })
}

/// One path per persona, in order: `<slug of email>.postman_environment.json`,
/// with `-<user id>` after the slug when another persona has the same slug.
/// User ids are unique, so the names are too.
pub fn postman_paths<'a>(
    dir: &Path,
    personas: impl Iterator<Item = &'a Persona> + Clone,
) -> Vec<PathBuf> {
    let mut uses = std::collections::BTreeMap::<String, usize>::new();
    for persona in personas.clone() {
        *uses.entry(slug(&persona.email)).or_default() += 1;
    }
    personas
        .map(|persona| {
            let base = slug(&persona.email);
            let name = if uses[&base] > 1 {
                format!("{base}-{}", persona.user_id)
            } else {
                base
            };
            dir.join(format!("{name}.postman_environment.json"))
        })
        .collect()
}

fn slug(email: &str) -> String {
    email
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}
