//! Profiles in nu (issue 30, finding 3): a full URL picks the profile of its tenant, as
//! the helper does; `idc status` has a `default` column; `idc profile default|remove`.

use idc_e2e::{Sandbox, UserEnv, success_stdout};

fn login_sa(env: &UserEnv, sandbox: &Sandbox, profile: &str) {
    success_stdout(
        &env.helper()
            .args(["login", "--profile", profile, "--tenant", &sandbox.url])
            .args(["--service-account", sandbox.service_account_id()])
            .args(["--jwk", sandbox.jwk_path()])
            .output()
            .unwrap(),
    );
}

#[test]
fn a_full_url_picks_the_profile_of_its_tenant() {
    let first = Sandbox::start(2);
    let second = Sandbox::start(3);
    let env = UserEnv::new();
    login_sa(&env, &first, "first");
    login_sa(&env, &second, "second");
    // `first` is the default; the URL names the second tenant.
    let script = format!(
        "idc get '{}' | length",
        second.at("/openidm/managed/alpha_user")
    );
    let count = success_stdout(&env.nu(&script).output().unwrap());
    assert_eq!(count, "3");
    // --profile still wins, and a mismatch is an error, not the other tenant's data.
    let mismatch = env
        .nu(&format!("{script} --profile first"))
        .output()
        .unwrap();
    assert!(!mismatch.status.success(), "{mismatch:?}");
}

#[test]
fn status_has_a_default_column_and_profile_default_and_remove_change_it() {
    let sandbox = Sandbox::start(2);
    let env = UserEnv::new();
    login_sa(&env, &sandbox, "ci");
    login_sa(&env, &sandbox, "ci2");
    let defaults = "idc status | where default | get profile | to json -r";
    assert_eq!(
        success_stdout(&env.nu(defaults).output().unwrap()),
        "[\"ci\"]"
    );

    let chosen = env
        .nu(&format!(
            "print (idc profile default ci2 | to json -r); {defaults}"
        ))
        .output()
        .unwrap();
    assert_eq!(success_stdout(&chosen), "{\"default\":\"ci2\"}\n[\"ci2\"]");

    let before = env.snapshot();
    let refused = env.nu("idc profile remove nope").output().unwrap();
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("no profile named 'nope'"), "{stderr}");
    assert_eq!(env.snapshot(), before);

    let removed = env
        .nu("print (idc profile remove ci2 | get was_default); idc status | get profile | to json -r")
        .output()
        .unwrap();
    assert_eq!(success_stdout(&removed), "true\n[\"ci\"]");
}
