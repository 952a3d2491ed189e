//! The guard on production, the ESV lifecycle and the diff between tenants (issue 28):
//! real nu against idc-sandbox, effects checked with the sandbox's counters and reads.

mod diff;
mod esv;
mod production;

use idc_e2e::{Sandbox, UserEnv, success_stdout};
use serde_json::Value;

/// Log `env` in to `sandbox` with the helper as `profile`, with `--tier` when given; what
/// the login printed (it succeeded).
pub(super) fn login(
    env: &UserEnv,
    sandbox: &Sandbox,
    profile: &str,
    tier: Option<&str>,
) -> std::process::Output {
    let mut command = env.helper();
    command
        .args(["login", "--profile", profile, "--tenant", &sandbox.url])
        .args(["--service-account", sandbox.service_account_id()])
        .args(["--jwk", sandbox.jwk_path()]);
    if let Some(tier) = tier {
        command.args(["--tier", tier]);
    }
    let output = command.output().expect("run git-credential-idc login");
    success_stdout(&output);
    output
}

/// Run a nu script that ends in a value; the value as JSON.
pub(super) fn nu_json(env: &UserEnv, script: &str) -> Value {
    let out = env
        .nu(&format!("{script} | to json -r"))
        .output()
        .expect("run nu");
    let text = success_stdout(&out);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// `text` without whitespace and the `|` of nu's error frames, to find a wrapped message.
pub(super) fn flat(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace() && *c != '|')
        .collect()
}
