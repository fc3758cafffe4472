//! `compile` must return, Ok or Err, for any input: every prefix of a full
//! spec, and thousands of deterministic byte mutations of it.

#[path = "support/lcg.rs"]
mod lcg;
use demoforge::validate::compile;
use lcg::Lcg;

const FULL: &str = include_str!("specs/good/full.yaml");

/// Bytes that tend to break YAML structure or the number parsers.
const INTERESTING: &[u8] = b":-[]{}#&*!|>'\"%,.\n\t 09azAZ+\\@~";

#[test]
fn every_prefix_compiles_without_panic() {
    for (end, _) in FULL.char_indices() {
        let _ = compile("prefix.yaml", &FULL[..end]);
    }
    let _ = compile("whole.yaml", FULL);
}

#[test]
fn byte_mutations_compile_without_panic() {
    let mut rng = Lcg(20_261_124);
    let original = FULL.as_bytes();
    for _ in 0..3000 {
        let mut bytes = original.to_vec();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(bytes.len());
            match rng.below(4) {
                0 => bytes[at] = INTERESTING[rng.below(INTERESTING.len())],
                1 => {
                    bytes.remove(at);
                }
                2 => bytes.insert(at, INTERESTING[rng.below(INTERESTING.len())]),
                _ => {
                    // Duplicate a slice: repeats keys, list items and indentation.
                    let len = rng.below(40).min(bytes.len() - at);
                    let slice = bytes[at..at + len].to_vec();
                    let to = rng.below(bytes.len());
                    bytes.splice(to..to, slice);
                }
            }
        }
        let text = String::from_utf8_lossy(&bytes);
        let _ = compile("mutant.yaml", &text);
    }
}

#[test]
fn awkward_documents_compile_without_panic() {
    let cases = [
        "",
        "---",
        "...",
        "a: 1\n---\nb: 2\n",
        "- 1\n- 2\n",
        "just text",
        "&a x: *a",
        "? [a]\n: b",
        "version: !!int 1",
        "version: 1\ncompanies: *missing",
        "\u{feff}version: 1",
        "version: 1\n\u{0}",
        "{{{{{{{{{{{{{{{{{{{{",
        "calendar: {as_of: 9999-12-31, months: 18}\nversion: 1\nscenario: x\ncompanies: []",
        "calendar: {as_of: 0000-01-01}\nversion: 1\nscenario: x\ncompanies: []",
    ];
    for case in cases {
        let _ = compile("awkward.yaml", case);
    }
    let huge = "a".repeat(demoforge::validate::MAX_SPEC_BYTES + 1);
    assert!(compile("huge.yaml", &huge).is_err());
}
