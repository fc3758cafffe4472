//! Issuing credentials for every persona: a password and one API token.
//!
//! Input: the personas (the dump's `core.users` rows) and a policy: OS
//! randomness, or HMAC-SHA256 derivation from a secret and a rotation period.
//! Output: plaintext (wrapped in [`Secret`]) with its bcrypt and sha256 hashes.
//! Invariants: the same secret, persona and period give the same plaintext;
//! bcrypt hashes use Laravel's `$2y$` prefix and cost 10 by default; the token
//! hash is Sanctum's, the sha256 hex of the part after `|`. Plaintext never
//! reaches Debug output.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::dump::{Dump, unescape};
use super::error::DbError;

/// Laravel's default bcrypt cost.
pub const DEFAULT_BCRYPT_COST: u32 = 10;
const PASSWORD_LEN: usize = 20;
/// Sanctum's `Str::random(40)`.
const TOKEN_LEN: usize = 40;
const ALPHABET: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// A user of the demo tenant who gets credentials.
#[derive(Debug, Clone)]
pub struct Persona {
    pub user_id: Uuid,
    pub company_id: Uuid,
    pub name: String,
    pub email: String,
}

/// Plaintext that must not be logged: Debug shows a placeholder.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(text: &str) -> Secret {
        Secret(text.to_owned())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

#[derive(Debug, Clone)]
pub enum Source {
    Random,
    Derived { secret: Secret, period: String },
}

#[derive(Debug, Clone)]
pub struct Policy {
    pub source: Source,
    pub bcrypt_cost: u32,
}

impl Policy {
    /// Recorded in the audit log: which kind of credentials, never the secret.
    pub fn mode_label(&self) -> String {
        match &self.source {
            Source::Random => "random".to_owned(),
            Source::Derived { period, .. } => format!("derived:{period}"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Issued {
    pub persona: Persona,
    pub password: Secret,
    pub password_hash: String,
    pub token_id: Uuid,
    /// `<token id>|<40 characters>`, what a client sends as Bearer token.
    pub token: Secret,
    pub token_hash: String,
}

/// The personas of a dump, in dump order.
pub fn personas(dump: &Dump<'_>) -> Vec<Persona> {
    let Some(block) = dump.block("core.users") else {
        return Vec::new();
    };
    let cols = ["id", "company_id", "name", "email"].map(|c| block.column_index(c));
    let [Some(id), Some(company), Some(name), Some(email)] = cols else {
        return Vec::new();
    };
    block
        .rows()
        .filter_map(|fields| persona_from_fields(&fields, [id, company, name, email]))
        .collect()
}

/// A persona from a `core.users` row's COPY fields, given the positions of
/// its id, company id, name and email; `None` when one cannot be read.
pub fn persona_from_fields(fields: &[&[u8]], at: [usize; 4]) -> Option<Persona> {
    let [id, company, name, email] = at;
    let text = |i: usize| fields.get(i).and_then(|f| unescape(f));
    Some(Persona {
        user_id: Uuid::parse_str(&text(id)?).ok()?,
        company_id: Uuid::parse_str(&text(company)?).ok()?,
        name: text(name).unwrap_or_default(),
        email: text(email)?,
    })
}

/// Issues credentials for all personas. bcrypt at Laravel's cost takes tens
/// of milliseconds per password, so hashing is spread over every core but one:
/// that one is left to PostgreSQL, which usually runs on the same machine and
/// is busy with the COPY while this runs.
pub fn issue(personas: &[Persona], policy: &Policy) -> Result<Vec<Issued>, DbError> {
    let workers =
        std::thread::available_parallelism().map_or(1, |n| n.get().saturating_sub(1).max(1));
    let chunk = personas.len().div_ceil(workers).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = personas
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|p| issue_one(p, policy))
                        .collect::<Result<Vec<_>, _>>()
                })
            })
            .collect();
        let mut issued = Vec::with_capacity(personas.len());
        for handle in handles {
            let part = handle.join().map_err(|_| DbError::Credentials {
                message: "a hashing thread panicked".to_owned(),
            })??;
            issued.extend(part);
        }
        Ok(issued)
    })
}

fn issue_one(persona: &Persona, policy: &Policy) -> Result<Issued, DbError> {
    let mut bytes = ByteSource::new(&policy.source, &persona.email);
    let password = bytes.text("password", PASSWORD_LEN)?;
    let token_secret = bytes.text("token", TOKEN_LEN)?;
    let token_id = bytes.uuid("token-id")?;
    let password_hash = bcrypt::hash_with_result(&password, policy.bcrypt_cost)
        .map_err(|e| DbError::Credentials {
            message: e.to_string(),
        })?
        .format_for_version(bcrypt::Version::TwoY);
    let token_hash = hex(&Sha256::digest(token_secret.as_bytes()));
    Ok(Issued {
        persona: persona.clone(),
        password: Secret(password),
        password_hash,
        token_id,
        token: Secret(format!("{token_id}|{token_secret}")),
        token_hash,
    })
}

/// Where credential bytes come from: the OS, or an HMAC stream keyed by the
/// secret and labelled by purpose, persona and period.
struct ByteSource<'a> {
    source: &'a Source,
    email: &'a str,
}

impl<'a> ByteSource<'a> {
    fn new(source: &'a Source, email: &'a str) -> ByteSource<'a> {
        ByteSource { source, email }
    }

    fn block(&self, purpose: &str, counter: u32) -> Result<[u8; 32], DbError> {
        match self.source {
            Source::Random => {
                let mut buf = [0u8; 32];
                getrandom::fill(&mut buf).map_err(|e| DbError::Credentials {
                    message: e.to_string(),
                })?;
                Ok(buf)
            }
            Source::Derived { secret, period } => {
                let mut mac =
                    Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes()).map_err(|e| {
                        DbError::Credentials {
                            message: e.to_string(),
                        }
                    })?;
                // NUL separators: no email or period can make two labels equal.
                for part in ["demoforge/v1", purpose, self.email, period] {
                    mac.update(part.as_bytes());
                    mac.update(&[0]);
                }
                mac.update(&counter.to_be_bytes());
                Ok(mac.finalize().into_bytes().into())
            }
        }
    }

    /// Characters from [`ALPHABET`] by rejection sampling, so each is uniform.
    fn text(&mut self, purpose: &str, len: usize) -> Result<String, DbError> {
        let mut out = String::with_capacity(len);
        let mut counter = 0;
        while out.len() < len {
            for b in self.block(purpose, counter)? {
                if (b as usize) < ALPHABET.len() * 4 && out.len() < len {
                    out.push(ALPHABET[b as usize % ALPHABET.len()] as char);
                }
            }
            counter += 1;
        }
        Ok(out)
    }

    fn uuid(&mut self, purpose: &str) -> Result<Uuid, DbError> {
        let block = self.block(purpose, 0)?;
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&block[..16]);
        Ok(uuid::Builder::from_random_bytes(bytes).into_uuid())
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn persona(email: &str) -> Persona {
        Persona {
            user_id: Uuid::nil(),
            company_id: Uuid::nil(),
            name: "Ann".to_owned(),
            email: email.to_owned(),
        }
    }

    fn derived(secret: &str, period: &str) -> Policy {
        Policy {
            source: Source::Derived {
                secret: Secret(secret.to_owned()),
                period: period.to_owned(),
            },
            bcrypt_cost: 4,
        }
    }

    #[test]
    fn derived_credentials_are_stable_within_a_period_and_rotate_after() {
        let p = [persona("ann@example.test")];
        let a = issue(&p, &derived("s", "2026-11")).unwrap();
        let b = issue(&p, &derived("s", "2026-11")).unwrap();
        let c = issue(&p, &derived("s", "2026-12")).unwrap();
        let d = issue(&p, &derived("other", "2026-11")).unwrap();
        assert_eq!(a[0].password, b[0].password);
        assert_eq!(a[0].token, b[0].token);
        assert_ne!(a[0].password, c[0].password);
        assert_ne!(a[0].token, c[0].token);
        assert_ne!(a[0].password, d[0].password);
    }

    #[test]
    fn random_credentials_differ_each_time_and_hashes_verify() {
        let p = [persona("ann@example.test"), persona("ben@example.test")];
        let policy = Policy {
            source: Source::Random,
            bcrypt_cost: 4,
        };
        let a = issue(&p, &policy).unwrap();
        let b = issue(&p, &policy).unwrap();
        assert_eq!(a.len(), 2);
        assert_ne!(a[0].password, b[0].password);
        assert_ne!(a[0].password, a[1].password);
        let issued = &a[0];
        assert_eq!(issued.password.expose().len(), PASSWORD_LEN);
        assert!(issued.password_hash.starts_with("$2y$04$"));
        assert!(bcrypt::verify(issued.password.expose(), &issued.password_hash).unwrap());
        let (id, plain) = issued.token.expose().split_once('|').unwrap();
        assert_eq!(id, issued.token_id.to_string());
        assert_eq!(plain.len(), TOKEN_LEN);
        assert_eq!(issued.token_hash, hex(&Sha256::digest(plain.as_bytes())));
        assert_eq!(issued.token_hash.len(), 64);
    }

    #[test]
    fn debug_output_hides_plaintext() {
        let a = issue(&[persona("ann@example.test")], &derived("s", "p")).unwrap();
        let shown = format!("{a:?}");
        assert!(!shown.contains(a[0].password.expose()));
        assert!(!shown.contains(a[0].token.expose()));
    }
}
