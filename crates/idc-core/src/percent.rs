//! Percent-encoding, done by the `percent-encoding` crate with the one character set the
//! recorded clients use.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

/// Everything but `A-Z a-z 0-9 - _ . ~` (RFC 3986's unreserved characters): JavaScript's
/// `encodeURIComponent` minus `!'()*`.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A query component (or path segment) as the recorded clients send it: `%20` for a space,
/// `%2A` for `*`.
pub(crate) fn encode_component(text: &str) -> String {
    utf8_percent_encode(text, COMPONENT).to_string()
}

/// `%XX` decoded; the text as given when the result would not be UTF-8.
pub(crate) fn decode(text: &str) -> String {
    percent_decode_str(text)
        .decode_utf8()
        .map(|decoded| decoded.into_owned())
        .unwrap_or_else(|_| text.to_string())
}

/// `%XX` decoded; bytes that are no UTF-8 become U+FFFD.
pub(crate) fn decode_lossy(text: &str) -> String {
    percent_decode_str(text).decode_utf8_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_keep_only_unreserved_characters() {
        assert_eq!(encode_component("a-z_0.9~"), "a-z_0.9~");
        assert_eq!(
            encode_component("sn sw \"S\"*!'()/?&=%é"),
            "sn%20sw%20%22S%22%2A%21%27%28%29%2F%3F%26%3D%25%C3%A9"
        );
    }

    #[test]
    fn decoding_keeps_text_that_would_not_be_utf8() {
        assert_eq!(decode("a%2Fb%20c%"), "a/b c%");
        assert_eq!(decode("%FF%41"), "%FF%41");
        assert_eq!(decode("%4"), "%4");
        assert_eq!(decode_lossy("%FF%41%2e"), "\u{FFFD}A.");
    }
}
