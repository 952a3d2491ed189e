//! `idc diff` across two sandboxes, a lower and an upper environment.

use idc_e2e::{Sandbox, UserEnv};
use serde_json::{Value, json};

use super::{login, nu_json};

fn row<'a>(rows: &'a Value, id: &str) -> &'a Value {
    rows.as_array()
        .unwrap()
        .iter()
        .find(|row| row["_id"] == id)
        .unwrap_or_else(|| panic!("no row {id} in {rows}"))
}

#[test]
fn diff_of_two_sandboxes_variables_and_secrets() {
    let lower = Sandbox::start(10);
    let upper =
        Sandbox::start_with(idc_e2e::SandboxOptions::default().args(["--tier", "production"]));
    assert_eq!(upper.info["tier"], "production");
    let env = UserEnv::new();
    login(&env, &lower, "lower", Some("development"));
    login(&env, &upper, "upper", Some("production"));
    nu_json(
        &env,
        "idc esv set esv-only-upstairs on --type string --profile upper --yes",
    );
    nu_json(
        &env,
        "idc esv set esv-max-login-attempts 3 --type int --profile upper --yes",
    );
    nu_json(
        &env,
        "'x' | idc esv secret set esv-hr-connector-key --profile upper --yes",
    );

    let rows = nu_json(
        &env,
        "idc diff --from lower --to upper /environment/variables",
    );
    assert_eq!(row(&rows, "esv-only-upstairs")["status"], "only_in_to");
    assert_eq!(row(&rows, "esv-max-login-attempts")["status"], "changed");
    assert_eq!(
        row(&rows, "esv-max-login-attempts")["fields"],
        json!(["value"])
    );
    assert_eq!(row(&rows, "esv-api-base-url")["status"], "same");
    let secrets = nu_json(
        &env,
        "idc diff --from lower --to upper /environment/secrets",
    );
    assert_eq!(
        row(&secrets, "esv-hr-connector-key")["fields"],
        json!(["activeVersion"])
    );
    assert_eq!(row(&secrets, "esv-smtp-password")["status"], "same");
    let reverse = nu_json(
        &env,
        "idc diff --from upper --to lower /environment/variables | where status == only_in_from | get _id",
    );
    assert_eq!(reverse, json!(["esv-only-upstairs"]));
}
