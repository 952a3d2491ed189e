//! Issue 25, findings 4 and 8: every duration from outside is bounded (a huge `--timeout`
//! is one clear error in both front ends, never a panic), and no path kept in a profile
//! holds a control character (a `--ca-cert` with a line break is refused at login; a
//! profile edited by hand to hold one is refused when read, before curl config is written).

use std::process::Output;

use idc_e2e::{Sandbox, UserEnv};

use super::support::{assert_same_files, flat, logged_in};

/// One line on stderr, exit code 1 (not a panic's 101), and the line says `says`.
fn one_clear_error(output: &Output, says: &str, what: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{what}: {stderr}");
    assert!(!stderr.contains("panicked"), "{what}: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{what}: {stderr}");
    assert!(stderr.contains(says), "{what}: {stderr}");
}

#[test]
fn a_huge_login_timeout_is_one_clear_error_in_both_front_ends() {
    let sandbox = Sandbox::start(1);
    let env = UserEnv::new();
    for flow in ["--browser", "--device"] {
        let before = env.snapshot();
        let helper = env
            .helper()
            .args(["login", "--profile", "b", "--tenant", &sandbox.url, flow])
            .args(["--client-id", "idc-cli"])
            .args(["--timeout", "18446744073709551615"])
            .output()
            .unwrap();
        one_clear_error(&helper, "--timeout is at most 86400 seconds", flow);
        let nu = env
            .nu(&format!(
                "idc login --profile b --tenant {} {flow} --client-id idc-cli --timeout 9223372036854775807",
                sandbox.url
            ))
            .output()
            .unwrap();
        assert!(!nu.status.success(), "{flow}: nu");
        assert!(
            flat(&nu).contains("--timeout is at most") && flat(&nu).contains("86400"),
            "{flow}: {}",
            flat(&nu)
        );
        assert_same_files(&before, &env.snapshot(), flow);
    }
}

#[test]
fn huge_network_timeouts_from_the_environment_or_a_profile_are_refused() {
    let (sandbox, env) = logged_in(1);
    for variable in ["IDC_TIMEOUT", "IDC_CONNECT_TIMEOUT"] {
        for value in ["18446744073709551615", "1e300"] {
            let output = env
                .helper()
                .arg("token")
                .env(variable, value)
                .output()
                .unwrap();
            one_clear_error(&output, variable, value);
            let nu = env
                .nu("idc get /openidm/managed/alpha_user | length")
                .env(variable, value)
                .output()
                .unwrap();
            assert!(!nu.status.success(), "{variable}={value}: nu");
            assert!(flat(&nu).contains(variable), "{}", flat(&nu));
        }
    }
    // A profile edited by hand with a timeout no Instant can hold.
    let config = env.config_dir().join("config.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replacen(
            "[profiles.sandbox]\n",
            "[profiles.sandbox]\ntimeout = 18446744073709551615\n",
            1,
        ),
    )
    .unwrap_or_else(|error| panic!("{error}"));
    let output = env.helper().arg("token").output().unwrap();
    // TOML integers are i64: the file is refused as it is read, with the line.
    one_clear_error(&output, "config.toml", "u64::MAX in the profile");
    std::fs::write(
        &config,
        text.replacen(
            "[profiles.sandbox]\n",
            "[profiles.sandbox]\ntimeout = 9223372036854775807\n",
            1,
        ),
    )
    .unwrap();
    let before_i64 = env.snapshot();
    let output = env.helper().arg("token").output().unwrap();
    one_clear_error(
        &output,
        "timeout is out of range",
        "i64::MAX in the profile",
    );
    assert_same_files(&before_i64, &env.snapshot(), "huge profile timeout");
    drop(sandbox);
}

#[test]
fn a_ca_path_with_a_line_break_is_refused_at_login_and_at_curl_config() {
    let (sandbox, env) = logged_in(1);
    let planted = env.home.path().join("written-by-curl");
    let evil = format!("/tmp/ca.pem\"\noutput = \"{}", planted.display());
    let before = env.snapshot();
    let login = env
        .helper()
        .args(["login", "--profile", "sandbox", "--ca-cert", &evil])
        .output()
        .unwrap();
    one_clear_error(
        &login,
        "the CA path (--ca-cert) holds a control character",
        "login",
    );
    assert!(!String::from_utf8_lossy(&login.stderr).contains("written-by-curl"));
    let nu = env
        .nu(&format!(
            "idc login --profile sandbox --ca-cert {}",
            serde_json::to_string(&evil).unwrap()
        ))
        .output()
        .unwrap();
    assert!(!nu.status.success(), "nu login");
    assert!(
        flat(&nu).contains("holds a control character"),
        "{}",
        flat(&nu)
    );
    assert_same_files(&before, &env.snapshot(), "refused --ca-cert");

    // The same path written into config.toml by hand: refused when read.
    let config = env.config_dir().join("config.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    let edited = text.replacen(
        "[profiles.sandbox]\n",
        &format!(
            "[profiles.sandbox]\nca_cert = {}\n",
            serde_json::to_string(&evil).unwrap()
        ),
        1,
    );
    assert_ne!(edited, text);
    std::fs::write(&config, edited).unwrap();
    let before = env.snapshot();
    let url = sandbox.at("/openidm/managed/alpha_user?_queryFilter=true");
    let curl_config = env.helper().args(["curl-config", &url]).output().unwrap();
    one_clear_error(&curl_config, "holds a control character", "curl-config");
    assert!(curl_config.stdout.is_empty(), "curl config was written");
    // Through curl itself: nothing is written where the planted directive points.
    let curl = env
        .command("bash")
        .args([
            "-c",
            r#"curl -fsS -o /dev/null -K <(git-credential-idc curl-config "$1") "$1""#,
            "bash",
            &url,
        ])
        .output()
        .unwrap();
    assert!(!curl.status.success(), "curl ran without the credential");
    assert!(!planted.exists(), "curl wrote the planted file");
    assert_same_files(&before, &env.snapshot(), "hand-edited ca_cert");
}
