//! RFC 6238 one-time codes (HMAC-SHA-1, 6 digits, 30 s steps) and the base32 the
//! secret travels in (RFC 4648, no padding).

use hmac::{Hmac, Mac};

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
pub const STEP_S: i64 = 30;

pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((buffer >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.trim_end_matches('=').bytes() {
        let value = ALPHABET.iter().position(|&a| a == c.to_ascii_uppercase())? as u32;
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    Some(out)
}

/// The code for the step holding `unix_s`.
pub fn code_at(key: &[u8], unix_s: i64) -> String {
    let counter = (unix_s.max(0) / STEP_S) as u64;
    let Ok(mut mac) = Hmac::<sha1::Sha1>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = (digest[19] & 0x0f) as usize;
    let value = u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]);
    format!("{:06}", value % 1_000_000)
}

/// Does `code` match the secret now, or one step either side (clock drift, as AM allows)?
pub fn verify(secret_base32: &str, code: &str, unix_s: i64) -> bool {
    let Some(key) = base32_decode(secret_base32) else {
        return false;
    };
    let code = code.trim();
    code.len() == 6
        && [-STEP_S, 0, STEP_S]
            .iter()
            .any(|drift| code_at(&key, unix_s + drift) == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_sha1_vectors() {
        let key = b"12345678901234567890";
        // The RFC's 8-digit codes, last six digits.
        assert_eq!(code_at(key, 59), "287082");
        assert_eq!(code_at(key, 1_111_111_109), "081804");
        assert_eq!(code_at(key, 2_000_000_000), "279037");
    }

    #[test]
    fn base32_round_trip_and_verify() {
        let key = b"12345678901234567890";
        let text = base32_encode(key);
        assert_eq!(text, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(base32_decode(&text).unwrap(), key);
        assert!(verify(&text, "287082", 59));
        assert!(verify(&text, "287082", 80));
        assert!(!verify(&text, "287083", 59));
        assert!(!verify(&text, "28708", 59));
        assert!(base32_decode("not base32!").is_none());
    }
}
