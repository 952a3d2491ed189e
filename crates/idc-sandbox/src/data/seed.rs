//! The deterministic generator every seeded value comes from.

use uuid::Uuid;

/// splitmix64: a small, well-mixed deterministic generator.
pub fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A hash of a seed, a label and a number.
pub fn hash(seed: u64, label: &str, n: u64) -> u64 {
    let mut h = mix(seed ^ 0xA5A5_5A5A_0F0F_F0F0);
    for b in label.bytes() {
        h = mix(h ^ u64::from(b));
    }
    mix(h ^ n)
}

/// A random-looking (version 4) uuid derived from the seed, a label and a number.
pub fn uuid_for(seed: u64, label: &str, n: u64) -> Uuid {
    let hi = hash(seed, label, n);
    let lo = hash(seed, label, n ^ 0xFFFF_0000_FFFF_0000);
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&hi.to_be_bytes());
    bytes[8..].copy_from_slice(&lo.to_be_bytes());
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}
