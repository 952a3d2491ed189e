//! Print the sha256 of the profile's bearer token (never the token itself), renewing it if
//! needed: the concurrency tests start many of these at once against one cache.
//!
//! Usage: `print_token [PROFILE]` with `IDC_CONFIG_DIR`/`IDC_CACHE_DIR` set.

use sha2::{Digest, Sha256};

fn main() {
    let profile_name = std::env::args().nth(1);
    let result = idc_core::Idc::from_env().and_then(|idc| {
        let profile = idc.profile(profile_name.as_deref())?;
        idc.credential(&profile, "/openidm/managed")
    });
    match result {
        Ok(credential) => {
            let digest = Sha256::digest(credential.token.expose().as_bytes());
            let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
            println!("{hex}");
        }
        Err(error) => {
            eprintln!("print_token: {error}");
            std::process::exit(1);
        }
    }
}
