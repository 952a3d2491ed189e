//! Two sandboxes as a lower and an upper environment (`--promotion-lower`), and a user
//! logged in to both with the service accounts (profiles `lower` and `upper`, the upper one
//! with `fr:idc:promotion:*`).

use crate::{Sandbox, SandboxOptions, UserEnv, success_stdout};

/// The scopes of the `upper` profile: IDM (to read what was promoted), ESVs, promotions.
pub const UPPER_SCOPES: &str = "fr:idm:* fr:idc:esv:* fr:idc:promotion:*";

/// A lower sandbox and the upper sandbox that promotes from it.
pub struct PromotionPair {
    pub lower: Sandbox,
    pub upper: Sandbox,
}

impl PromotionPair {
    pub fn start() -> PromotionPair {
        let options = SandboxOptions {
            users: 10,
            ..SandboxOptions::default()
        };
        let lower = Sandbox::start_with(options.clone());
        let upper = Sandbox::start_with(options.args(["--promotion-lower", lower.url.as_str()]));
        assert_eq!(
            upper.info["promotion_lower"],
            lower.url.as_str(),
            "the upper sandbox names its lower one"
        );
        PromotionPair { lower, upper }
    }

    /// A user with profiles `lower` (IDM, ESVs) and `upper` ([`UPPER_SCOPES`]), logged in
    /// with each sandbox's service account through the plugin.
    pub fn logged_in(&self) -> UserEnv {
        let env = UserEnv::new();
        for (profile, sandbox, scopes) in [
            ("lower", &self.lower, "fr:idm:* fr:idc:esv:*"),
            ("upper", &self.upper, UPPER_SCOPES),
        ] {
            let out = env
                .nu(&format!(
                    "idc login --profile {profile} --tenant {} --service-account {} --jwk '{}' --scope '{scopes}' | to json -r",
                    sandbox.url,
                    sandbox.service_account_id(),
                    sandbox.jwk_path()
                ))
                .output()
                .expect("run nu");
            success_stdout(&out);
        }
        env
    }
}
