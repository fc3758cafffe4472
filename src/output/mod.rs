//! Writing generated files atomically and checking them against disk.
//!
//! Input: rendered bytes. Output: files, or a comparison. Invariant: a file is
//! either fully written or not changed (temp file in the same folder, then rename).
