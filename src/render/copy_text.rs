//! The one function that puts a text value into PostgreSQL COPY text format.
//!
//! Every string that reaches a dump goes through [`push_text`], so no template
//! or encoder can forget to escape. COPY text format cannot carry a NUL byte,
//! so one is refused rather than silently dropped.

/// A value held a NUL byte, which COPY text format cannot represent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a value contains a NUL byte, which PostgreSQL text cannot hold: {preview:?}")]
pub struct NulByte {
    pub preview: String,
}

impl NulByte {
    /// The error for `value`, with a short preview of it.
    pub fn of(value: &str) -> NulByte {
        NulByte {
            preview: value
                .chars()
                .take(40)
                .collect::<String>()
                .replace('\0', "\\0"),
        }
    }
}

/// Appends `value` escaped for COPY text format.
pub fn push_text(out: &mut Vec<u8>, value: &str) -> Result<(), NulByte> {
    let bytes = value.as_bytes();
    let clean = !bytes
        .iter()
        .any(|&b| matches!(b, b'\\' | b'\t' | b'\n' | b'\r' | 0));
    if clean {
        out.extend_from_slice(bytes);
        return Ok(());
    }
    for &b in bytes {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            0 => return Err(NulByte::of(value)),
            _ => out.push(b),
        }
    }
    Ok(())
}

/// The NULL marker.
pub const NULL: &[u8] = b"\\N";

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(value: &str) -> Result<String, NulByte> {
        let mut out = Vec::new();
        push_text(&mut out, value)?;
        Ok(String::from_utf8(out).unwrap())
    }

    #[test]
    fn plain_text_passes_through() {
        assert_eq!(
            escaped("Demo Travel Co – café").unwrap(),
            "Demo Travel Co – café"
        );
    }

    #[test]
    fn tabs_newlines_carriage_returns_and_backslashes_are_escaped() {
        assert_eq!(escaped("a\tb\nc\rd\\e").unwrap(), "a\\tb\\nc\\rd\\\\e");
        assert_eq!(escaped("\\N").unwrap(), "\\\\N");
    }

    #[test]
    fn nul_is_refused_with_a_preview() {
        let err = escaped("bad\0value").unwrap_err();
        assert_eq!(err.preview, "bad\\0value");
    }
}
