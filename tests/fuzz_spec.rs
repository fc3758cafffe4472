//! A structure-aware mutation fuzzer over the spec and overlay decoders and
//! validators, and over the miette renderer of what they report.
//!
//! Input: the committed corpus in `tests/fuzz/corpus/` (the shipped scenarios
//! and overlays, `tests/specs/good` and `bad`, and inputs earlier runs found).
//! Each iteration picks a corpus input, applies one to four mutations (YAML
//! values, keys, lines, blocks spliced from another input, bytes), compiles
//! the mutant as a spec and as an overlay under `catch_unwind`, and renders
//! any diagnostic to text, because the renderer has panicked before.
//!
//! cargo-fuzz needs nightly, so there is no coverage feedback. Instead a
//! mutant is "interesting" when it produces a diagnostic shape (code and
//! message with quoted values and digits blanked) that no earlier input did;
//! interesting mutants join the in-memory corpus, and are written to the
//! corpus folder when `DEMOFORGE_FUZZ_SAVE=1` (bounded in count and size).
//!
//! Modes: by default a fixed seed and a fixed number of iterations (a few
//! seconds, so it runs in every `scripts/test`). `DEMOFORGE_FUZZ_SECONDS=600`
//! runs for that long instead (`DEMOFORGE_FUZZ_SEED` picks the seed). A panic
//! is minimised, written to `target/fuzz-crashes/`, and fails the test with
//! the input.

#[path = "support/lcg.rs"]
mod lcg;
use lcg::Lcg;
use std::collections::BTreeSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use demoforge::spec::SpecErrors;
use demoforge::validate::{compile, compile_overlay};
use miette::{GraphicalReportHandler, GraphicalTheme};

const CRATE_ROOT: &str = env!("CARGO_MANIFEST_DIR");
/// Iterations of the default (bounded) run.
const DEFAULT_ITERATIONS: u64 = 800;
/// A mutant larger than this is cut back: size is not what this fuzzer is
/// for (the size limit has its own tests), and big inputs slow every step.
const MAX_MUTANT_BYTES: usize = 192 * 1024;
/// Saved finds stay small enough to read and to keep in git.
const MAX_SAVED_BYTES: usize = 16 * 1024;
const MAX_SAVED_FILES: usize = 150;

/// Scalars that stress the number, date, percentage and text rules, the YAML
/// parser and the renderer (control characters, wide and combining text).
const VALUES: &[&str] = &[
    "0",
    "-1",
    "1",
    "18446744073709551616",
    "-9223372036854775809",
    "99999999999999999999.99",
    "0.001",
    "1e309",
    "-0",
    ".5",
    "1_000",
    "0x10",
    "100%",
    "-100%",
    "150%",
    "0.5%",
    "1.234%",
    "%",
    "2026-02-30",
    "2026-13-01",
    "0000-01-01",
    "9999-12-31",
    "2024-02-29",
    "+6 months",
    "+0 days",
    "-3 weeks",
    "+99999 years",
    "~",
    "null",
    "true",
    "''",
    "\"\"",
    "[]",
    "{}",
    "[1, 2",
    "{a: 1}",
    "*nothing",
    "&a x",
    "!!binary aGVsbG8=",
    "|\n  block",
    "\"a\\rb\"",
    "\"a\\0b\"",
    "\"\\x01\\x010\\x01\"",
    "\"tab\\there\"",
    "\"line\\nbreak\"",
    "\"\\u202eevil\"",
    "\"e\\u0301\\u0301\\u0301\"",
    "\"\u{1F600}\u{1F600}\"",
    "\"\u{5d0}\u{5d1}\u{5d2} rtl\"",
    "\" padded \"",
    "olivia@demo-travel-co.example",
    "someone@gmail.com",
    "super_admin",
    "owner",
    "monthly",
    "weekly",
    "fifo",
    "GB",
    "US",
    "ZZ",
    "EUR",
];

/// One of the mutations; each returns the new text.
fn mutate(text: &str, corpus: &[String], keys: &[String], rng: &mut Lcg) -> String {
    match rng.below(9) {
        0 | 1 => replace_value(text, rng),
        2 => replace_key(text, keys, rng),
        3 => edit_line(text, rng),
        4 => splice_block(text, corpus, rng),
        5 => long_value(text, rng),
        _ => edit_bytes(text, rng),
    }
}

fn lines(text: &str) -> Vec<&str> {
    text.split_inclusive('\n').collect()
}

/// Replaces the value after `key:` on a random line with a stress scalar.
fn replace_value(text: &str, rng: &mut Lcg) -> String {
    let mut parts = lines(text);
    let candidates: Vec<usize> = (0..parts.len())
        .filter(|&i| parts[i].contains(": "))
        .collect();
    if candidates.is_empty() {
        return edit_bytes(text, rng);
    }
    let i = *rng.pick(&candidates);
    let line = parts[i];
    let at = line.find(": ").expect("filtered on it") + 2;
    let replaced = format!("{}{}\n", &line[..at], rng.pick(VALUES));
    parts[i] = &replaced;
    parts.concat()
}

/// Swaps a key for another one seen in the corpus, or misspells it.
fn replace_key(text: &str, keys: &[String], rng: &mut Lcg) -> String {
    let mut parts = lines(text);
    let candidates: Vec<usize> = (0..parts.len())
        .filter(|&i| key_of(parts[i]).is_some())
        .collect();
    if candidates.is_empty() || keys.is_empty() {
        return edit_bytes(text, rng);
    }
    let i = *rng.pick(&candidates);
    let line = parts[i];
    let key = key_of(line).expect("filtered on it");
    let start = line.find(key).expect("key is in its line");
    let new_key = if rng.below(3) == 0 {
        misspell(key, rng)
    } else {
        rng.pick(keys).clone()
    };
    let replaced = format!("{}{new_key}{}", &line[..start], &line[start + key.len()..]);
    parts[i] = &replaced;
    parts.concat()
}

/// The key of a `key: value` or `- key: value` line.
fn key_of(line: &str) -> Option<&str> {
    let body = line.trim_start().trim_start_matches("- ");
    let (key, _) = body.split_once(':')?;
    (!key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')).then_some(key)
}

fn misspell(key: &str, rng: &mut Lcg) -> String {
    let mut chars: Vec<char> = key.chars().collect();
    let at = rng.below(chars.len());
    match rng.below(3) {
        0 => {
            chars.remove(at);
        }
        1 => chars.insert(at, 'x'),
        _ if at + 1 < chars.len() => chars.swap(at, at + 1),
        _ => chars.push('s'),
    }
    chars.into_iter().collect()
}

/// Deletes, duplicates, swaps or re-indents a line.
fn edit_line(text: &str, rng: &mut Lcg) -> String {
    let mut parts: Vec<String> = lines(text).into_iter().map(str::to_owned).collect();
    if parts.is_empty() {
        return edit_bytes(text, rng);
    }
    let i = rng.below(parts.len());
    match rng.below(4) {
        0 => {
            parts.remove(i);
        }
        1 => {
            let line = parts[i].clone();
            parts.insert(i, line);
        }
        2 => {
            let j = rng.below(parts.len());
            parts.swap(i, j);
        }
        _ => {
            let line = parts[i].clone();
            let trimmed = line.trim_start();
            let indent = line.len() - trimmed.len();
            let new_indent = [0, 1, 2, 3, indent + 2, indent.saturating_sub(2)][rng.below(6)];
            parts[i] = format!("{}{trimmed}", " ".repeat(new_indent));
        }
    }
    parts.concat()
}

/// Inserts a run of lines from another corpus input (repeats whole sections,
/// lists and maps, in and out of place).
fn splice_block(text: &str, corpus: &[String], rng: &mut Lcg) -> String {
    let other = lines(rng.pick(corpus).as_str());
    let mut parts = lines(text);
    if other.is_empty() {
        return edit_bytes(text, rng);
    }
    let from = rng.below(other.len());
    let len = 1 + rng.below(12).min(other.len() - from - 1);
    let at = rng.below(parts.len() + 1);
    parts.splice(at..at, other[from..from + len].iter().copied());
    parts.concat()
}

/// A quoted value that is long, or long and full of control characters: the
/// renderer's worst case (wide labels, line breaks inside a span).
fn long_value(text: &str, rng: &mut Lcg) -> String {
    let unit = *rng.pick(&["a", "\\r", "\\0", "\\t", "\u{e9}", "\u{1F600}", "\\x01"]);
    let count = *rng.pick(&[80, 1000, 70_000]);
    let value = format!("\"{}\"", unit.repeat(count));
    let mut parts = lines(text);
    let candidates: Vec<usize> = (0..parts.len())
        .filter(|&i| parts[i].contains("name: "))
        .collect();
    if candidates.is_empty() {
        return edit_bytes(text, rng);
    }
    let i = *rng.pick(&candidates);
    let line = parts[i];
    let at = line.find("name: ").expect("filtered on it") + 6;
    let replaced = format!("{}{value}\n", &line[..at]);
    parts[i] = &replaced;
    parts.concat()
}

/// Bytes that tend to break YAML structure or the number parsers.
const BYTES: &[u8] = b":-[]{}#&*!|>'\"%,.\n\r\t 09azAZ+\\@~\x00\x01";

fn edit_bytes(text: &str, rng: &mut Lcg) -> String {
    let mut bytes = text.as_bytes().to_vec();
    if bytes.is_empty() {
        return String::from(":");
    }
    let at = rng.below(bytes.len());
    match rng.below(3) {
        0 => bytes[at] = *rng.pick(BYTES),
        1 => {
            bytes.remove(at);
        }
        _ => bytes.insert(at, *rng.pick(BYTES)),
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// What a diagnostic looks like with its specifics blanked: the code, then
/// the message with backtick-quoted values as `_` and digit runs as `0`.
fn shape(problem: &demoforge::spec::Problem) -> String {
    let mut out = format!("{} ", problem.kind.code());
    let mut quoted = false;
    let mut last_digit = false;
    for c in problem.message.chars() {
        if c == '`' {
            quoted = !quoted;
            if quoted {
                out.push_str("`_`");
            }
            continue;
        }
        if quoted {
            continue;
        }
        if c.is_ascii_digit() {
            if !last_digit {
                out.push('0');
            }
            last_digit = true;
            continue;
        }
        last_digit = false;
        out.push(c);
    }
    out
}

/// Renders a report the way the CLI does when stderr is not a terminal.
fn render(errors: &SpecErrors) -> String {
    let mut out = String::new();
    let handler = GraphicalReportHandler::new_themed(GraphicalTheme::none())
        .with_links(false)
        .with_width(100);
    // A formatting error is not a crash; the panic is what this looks for.
    let _ = handler.render_report(&mut out, errors);
    out
}

/// The last panic's `file:line: message`, recorded by the silent hook that
/// [`quiet_panics`] installs (the default hook would print every caught one).
static LAST_PANIC: Mutex<String> = Mutex::new(String::new());

fn quiet_panics() {
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| {
                info.payload()
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
            })
            .unwrap_or_else(|| "a panic".to_owned());
        let place = info.location().map_or_else(String::new, |l| {
            // The crate-relative path (`miette-7.6.0/src/…`), not the machine's.
            let parts: Vec<&str> = l.file().rsplit('/').take(4).collect();
            let file: Vec<&str> = parts.into_iter().rev().collect();
            format!("{}:{}", file.join("/"), l.line())
        });
        *LAST_PANIC.lock().unwrap_or_else(|e| e.into_inner()) = format!("{place}: {message}");
    }));
}

/// Compiles `text` as a spec and as an overlay and renders what they report.
/// Returns the diagnostic shapes, or the panic's `file:line: message`.
fn run_one(text: &str) -> Result<Vec<String>, String> {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let mut shapes = Vec::new();
        // As `demoforge validate` decides: a line starting `overlay:` marks an
        // overlay file. Mutants with one go through both compilers.
        let overlay = text.lines().any(|l| l.starts_with("overlay:"));
        let results = [
            Some(compile("fuzz.yaml", text).map(|_| ())),
            overlay.then(|| compile_overlay("fuzz-overlay.yaml", text).map(|_| ())),
        ];
        for result in results.into_iter().flatten() {
            if let Err(errors) = result {
                let rendered = render(&errors);
                assert!(!rendered.is_empty(), "an empty report");
                shapes.extend(errors.problems.iter().map(shape));
            }
        }
        shapes
    }));
    outcome.map_err(|_| LAST_PANIC.lock().unwrap_or_else(|e| e.into_inner()).clone())
}

/// Shrinks a crashing input while it panics the same way: drops lines, then
/// cuts ever smaller chunks of characters (a bounded ddmin), so a slow case
/// still ends.
fn minimise(text: &str, signature: &str) -> String {
    let same = |t: &str| run_one(t).err().as_deref() == Some(signature);
    let mut best = text.to_owned();
    let mut i = 0;
    while i < lines(&best).len() {
        let mut parts = lines(&best);
        parts.remove(i);
        let candidate = parts.concat();
        if same(&candidate) {
            best = candidate;
        } else {
            i += 1;
        }
    }
    let mut attempts = 0;
    let mut chunk = best.chars().count() / 2;
    while chunk > 0 && attempts < 400 {
        let chars: Vec<char> = best.chars().collect();
        let mut at = 0;
        let mut cut = false;
        while at + chunk <= chars.len() && attempts < 400 {
            attempts += 1;
            let candidate: String = chars[..at].iter().chain(&chars[at + chunk..]).collect();
            if same(&candidate) {
                best = candidate;
                cut = true;
                break;
            }
            at += chunk;
        }
        if !cut {
            chunk /= 2;
        }
    }
    best
}

/// Panics already reported and being fixed elsewhere, one `file:line:
/// message` substring a line (`#` starts a comment). They are counted and
/// reported, not failed on, so a soak run keeps looking for new ones.
fn known_panics() -> Vec<String> {
    let path = Path::new(CRATE_ROOT).join("tests/fuzz/known-panics.txt");
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect()
}

/// The panics met so far: known ones are tallied (and the first of each
/// minimised to `target/fuzz-crashes/`), an unknown one fails the test.
struct Crashes {
    known: Vec<String>,
    hits: Vec<u64>,
    /// Minimising is slow; the bounded run only counts known panics.
    minimise_known: bool,
}

impl Crashes {
    fn new(minimise_known: bool) -> Crashes {
        let known = known_panics();
        let hits = vec![0; known.len()];
        Crashes {
            known,
            hits,
            minimise_known,
        }
    }

    fn record(&mut self, text: &str, signature: &str) {
        let Some(k) = self
            .known
            .iter()
            .position(|k| signature.contains(k.as_str()))
        else {
            crash(text, signature)
        };
        if self.hits[k] == 0 && self.minimise_known {
            let small = minimise(text, signature);
            write_crash(&format!("known-{k}.yaml"), &small);
        }
        self.hits[k] += 1;
    }

    fn summary(&self) -> String {
        self.known
            .iter()
            .zip(&self.hits)
            .map(|(k, n)| format!("{n} × known panic `{k}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn write_crash(name: &str, text: &str) -> PathBuf {
    let dir = Path::new(CRATE_ROOT).join("target/fuzz-crashes");
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(name);
    let _ = std::fs::write(&path, text);
    path
}

fn crash(text: &str, signature: &str) -> ! {
    let small = minimise(text, signature);
    let path = write_crash("crash.yaml", &small);
    let _ = std::panic::take_hook();
    let shown: String = small.chars().take(400).collect();
    panic!(
        "panic on a fuzzed input ({signature}); minimised input ({} bytes) written to {}, starting {shown:?}",
        small.len(),
        path.display()
    );
}

fn corpus_dir() -> PathBuf {
    Path::new(CRATE_ROOT).join("tests/fuzz/corpus")
}

fn load_corpus() -> Vec<(String, String)> {
    load_dir("tests/fuzz/corpus")
}

/// The `.yaml` files of a folder, sorted by name so a seed replays the same run.
fn load_dir(dir: &str) -> Vec<(String, String)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(Path::new(CRATE_ROOT).join(dir))
        .expect("the fuzz folder exists")
        .map(|e| e.expect("list the corpus").path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let text = String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned();
            (name, text)
        })
        .collect()
}

fn keys_of(corpus: &[String]) -> Vec<String> {
    let keys: BTreeSet<String> = corpus
        .iter()
        .flat_map(|t| t.lines().filter_map(key_of).map(str::to_owned))
        .collect();
    keys.into_iter().collect()
}

/// Writes an interesting input under a name derived from its bytes.
fn save(text: &str) -> PathBuf {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(text.as_bytes());
    let hex: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
    let path = corpus_dir().join(format!("found-{hex}.yaml"));
    std::fs::write(&path, text).expect("write a corpus input");
    path
}

struct Budget {
    iterations: Option<u64>,
    deadline: Option<Instant>,
}

impl Budget {
    fn from_env() -> (Budget, u64) {
        let seconds = std::env::var("DEMOFORGE_FUZZ_SECONDS")
            .ok()
            .and_then(|s| s.parse::<u64>().ok());
        let seed = std::env::var("DEMOFORGE_FUZZ_SEED")
            .ok()
            .and_then(|s| s.parse::<u64>().ok());
        match seconds {
            Some(s) => (
                Budget {
                    iterations: None,
                    deadline: Some(Instant::now() + Duration::from_secs(s)),
                },
                seed.unwrap_or(s.wrapping_mul(0x9E37_79B9)),
            ),
            None => (
                Budget {
                    iterations: Some(DEFAULT_ITERATIONS),
                    deadline: None,
                },
                seed.unwrap_or(20_261_128),
            ),
        }
    }

    fn more(&self, done: u64) -> bool {
        self.iterations.is_none_or(|n| done < n) && self.deadline.is_none_or(|d| Instant::now() < d)
    }
}

#[test]
fn fuzz_the_spec_decoder_validator_and_renderer() {
    let (budget, seed) = Budget::from_env();
    quiet_panics();
    let mut crashes = Crashes::new(budget.deadline.is_some());
    // Inputs that panicked once: each must pass now, or be a known panic.
    for (name, text) in load_dir("tests/fuzz/regressions") {
        if let Err(signature) = run_one(&text) {
            assert!(
                crashes.known.iter().any(|k| signature.contains(k.as_str())),
                "regression input {name} panics: {signature}"
            );
        }
    }
    let save_finds = std::env::var_os("DEMOFORGE_FUZZ_SAVE").is_some();
    let files = load_corpus();
    assert!(files.len() >= 20, "the committed corpus is there");
    let mut saved = files
        .iter()
        .filter(|(n, _)| n.starts_with("found-"))
        .count();
    let mut corpus: Vec<String> = files.into_iter().map(|(_, t)| t).collect();
    let keys = keys_of(&corpus);

    let mut seen: BTreeSet<String> = BTreeSet::new();
    for text in &corpus {
        match run_one(text) {
            Ok(shapes) => seen.extend(shapes),
            Err(signature) => crashes.record(text, &signature),
        }
    }
    let seed_shapes = seen.len();

    let mut rng = Lcg(seed);
    let (mut done, mut failing, mut slowest) = (0u64, 0u64, (Duration::ZERO, String::new()));
    while budget.more(done) {
        let mut text = rng.pick(&corpus).clone();
        for _ in 0..1 + rng.below(4) {
            text = mutate(&text, &corpus, &keys, &mut rng);
        }
        if text.len() > MAX_MUTANT_BYTES {
            text = text.chars().take(MAX_MUTANT_BYTES / 4).collect();
        }
        let started = Instant::now();
        let shapes = match run_one(&text) {
            Ok(shapes) => shapes,
            Err(signature) => {
                done += 1;
                crashes.record(&text, &signature);
                continue;
            }
        };
        let took = started.elapsed();
        if took > slowest.0 {
            slowest = (took, text.chars().take(80).collect());
        }
        done += 1;
        failing += u64::from(!shapes.is_empty());
        let new: Vec<String> = shapes.into_iter().filter(|s| !seen.contains(s)).collect();
        if new.is_empty() {
            continue;
        }
        seen.extend(new);
        if text.len() <= MAX_SAVED_BYTES {
            if save_finds && saved < MAX_SAVED_FILES {
                save(&text);
                saved += 1;
            }
            corpus.push(text);
        }
    }
    eprintln!(
        "fuzz: seed {seed}, {done} iterations, {failing} with diagnostics, {} diagnostic shapes ({seed_shapes} from the corpus), {} corpus inputs, {saved} saved finds, slowest {:?} ({:?}…), no new panic; {}",
        seen.len(),
        corpus.len(),
        slowest.0,
        slowest.1,
        crashes.summary()
    );
    let _ = std::panic::take_hook();
    assert!(done > 0);
    // The mutations must reach the validator's diagnostics, not only the YAML
    // parser's: otherwise this fuzzes nothing past the first stage.
    for code in [
        "unknown_field",
        "out_of_range",
        "wrong_type",
        "invalid_value",
    ] {
        assert!(
            seen.iter()
                .any(|s| s.starts_with(&format!("demoforge::spec::{code} "))),
            "no `{code}` diagnostic reached"
        );
    }
}
