//! Writes from tables (issue 14): real `nu` pipelines with `idc create/update/patch/delete`
//! against idc-sandbox, every effect checked back with an independent read: curl with the
//! credential `git-credential-idc curl-config` prints, not the plugin.

use idc_e2e::{Sandbox, UserEnv, login_service_account, success_stdout};
use serde_json::{Value, json};

const USERS: &str = "/openidm/managed/alpha_user";

/// Log in (helper, profile `sandbox`) and return the environment.
fn logged_in(sandbox: &Sandbox) -> UserEnv {
    let env = UserEnv::new();
    success_stdout(&login_service_account(&env, sandbox));
    env
}

/// curl `args…` on `url` with the helper's credential; the body as JSON.
fn curl(env: &UserEnv, url: &str, args: &[&str]) -> Value {
    let out = env
        .command("bash")
        .arg("-c")
        .arg(r#"url="$1"; shift; curl -sS -K <(git-credential-idc curl-config "$url") "$@" "$url""#)
        .arg("curl")
        .arg(url)
        .args(args)
        .output()
        .expect("run curl");
    let text = success_stdout(&out);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// The users matching `filter`, read with curl.
fn users_where(env: &UserEnv, sandbox: &Sandbox, filter: &str) -> Vec<Value> {
    let url = format!(
        "{}{USERS}?_queryFilter={}&_pageSize=1000",
        sandbox.url,
        urlencode(filter)
    );
    curl(env, &url, &[])["result"]
        .as_array()
        .expect("result")
        .clone()
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Run a nu pipeline that ends in a table; its rows as JSON.
fn nu_rows(env: &UserEnv, script: &str) -> Vec<Value> {
    let out = env
        .nu(&format!("{script} | to json -r"))
        .current_dir(env.home.path())
        .output()
        .expect("run nu");
    let text = success_stdout(&out);
    let value: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    match value {
        Value::Array(rows) => rows,
        other => vec![other],
    }
}

#[test]
fn a_filtered_table_is_updated_in_one_pipeline() {
    let sandbox = Sandbox::start(60);
    let env = logged_in(&sandbox);
    let everyone = users_where(&env, &sandbox, "true");
    let surname = everyone[0]["sn"].as_str().expect("sn").to_string();
    let filter = format!("sn eq \"{surname}\"");
    let matching = users_where(&env, &sandbox, &filter);
    assert!(!matching.is_empty());
    sandbox.reset_stats();

    let rows = nu_rows(
        &env,
        &format!(
            "idc get {USERS} --filter '{filter}' | update description 'moved to Oslo' | idc update {USERS}"
        ),
    );
    assert_eq!(rows.len(), matching.len(), "{rows:?}");
    for (row, user) in rows.iter().zip(&matching) {
        assert_eq!(row["_id"], user["_id"], "input order kept: {rows:?}");
        assert_eq!(row["action"], "update");
        assert_eq!(row["code"], 200, "{row}");
        assert_eq!(row["error"], Value::Null);
        assert_ne!(row["_rev"], user["_rev"], "a new revision: {row}");
    }
    assert_eq!(sandbox.stat("idm_writes"), matching.len() as u64);

    // Read back independently: every matching user changed, with the rest of it kept.
    let after = users_where(&env, &sandbox, &filter);
    for (user, before) in after.iter().zip(&matching) {
        assert_eq!(user["description"], "moved to Oslo", "{user}");
        assert_eq!(user["userName"], before["userName"]);
        assert_eq!(user["mail"], before["mail"]);
        assert_eq!(
            user["_rev"],
            rows.iter().find(|r| r["_id"] == user["_id"]).unwrap()["_rev"]
        );
    }
    let others = users_where(&env, &sandbox, "description eq \"moved to Oslo\"");
    assert_eq!(
        others.len(),
        matching.len(),
        "only the filtered users changed"
    );
}

#[test]
fn a_stale_rev_is_refused_with_412_while_the_others_succeed() {
    let sandbox = Sandbox::start(20);
    let env = logged_in(&sandbox);
    let read = users_where(&env, &sandbox, "true");
    let read: Vec<Value> = read.into_iter().take(3).collect();
    std::fs::write(
        env.home.path().join("rows.json"),
        serde_json::to_string(&read).unwrap(),
    )
    .unwrap();

    // Someone else changes the second user after the table was read.
    let second = read[1]["_id"].as_str().unwrap();
    let changed = curl(
        &env,
        &format!("{}{USERS}/{second}", sandbox.url),
        &[
            "-X",
            "PATCH",
            "-H",
            "content-type: application/json",
            "--data",
            r#"[{"operation":"replace","field":"/description","value":"newer"}]"#,
        ],
    );
    assert_ne!(changed["_rev"], read[1]["_rev"]);

    let rows = nu_rows(
        &env,
        &format!("open rows.json | update description 'from the table' | idc update {USERS}"),
    );
    let codes: Vec<&Value> = rows.iter().map(|r| &r["code"]).collect();
    assert_eq!(codes, [&json!(200), &json!(412), &json!(200)], "{rows:?}");
    assert_eq!(rows[1]["_id"], read[1]["_id"]);
    let error = rows[1]["error"]
        .as_str()
        .expect("an error for the stale row");
    assert!(error.contains("revision"), "{error}");

    for (user, expected) in read
        .iter()
        .zip(["from the table", "newer", "from the table"])
    {
        let id = user["_id"].as_str().unwrap();
        let now = curl(&env, &format!("{}{USERS}/{id}", sandbox.url), &[]);
        assert_eq!(now["description"], expected, "{id}");
    }

    // Without _rev an update is refused before sending; --force sends If-Match: *.
    let rows = nu_rows(
        &env,
        &format!("open rows.json | first | reject _rev | update city Bergen | idc update {USERS}"),
    );
    assert_eq!(rows[0]["code"], Value::Null);
    assert!(
        rows[0]["error"].as_str().unwrap().contains("--force"),
        "{rows:?}"
    );
    let rows = nu_rows(
        &env,
        &format!(
            "open rows.json | first | reject _rev | update city Bergen | idc update {USERS} --force"
        ),
    );
    assert_eq!(rows[0]["code"], 200, "{rows:?}");
    let first = read[0]["_id"].as_str().unwrap();
    let now = curl(&env, &format!("{}{USERS}/{first}", sandbox.url), &[]);
    assert_eq!(now["city"], "Bergen");
}

#[test]
fn create_patch_and_delete() {
    let sandbox = Sandbox::start(5);
    let env = logged_in(&sandbox);
    let created = nu_rows(
        &env,
        &format!(
            "[[userName givenName sn mail]; [ann.lee Ann Lee ann.lee@example.com] [bo.ng Bo Ng bo.ng@example.com]] | idc create {USERS}"
        ),
    );
    assert_eq!(created.len(), 2, "{created:?}");
    for row in &created {
        assert_eq!(row["code"], 201, "{row}");
        assert_eq!(row["action"], "create");
    }
    let ann_id = created[0]["_id"].as_str().expect("the tenant's _id");
    let ann = curl(&env, &format!("{}{USERS}/{ann_id}", sandbox.url), &[]);
    assert_eq!(ann["userName"], "ann.lee");
    assert_eq!(ann["_rev"], created[0]["_rev"]);

    // With a chosen _id: PUT with If-None-Match, so a second create of it is refused.
    let chosen = nu_rows(
        &env,
        &format!(
            "[{{_id: cy-1, userName: cy.ro, givenName: Cy, sn: Ro, mail: cy@example.com}}] | idc create {USERS}"
        ),
    );
    assert_eq!(
        (chosen[0]["_id"].as_str(), &chosen[0]["code"]),
        (Some("cy-1"), &json!(201))
    );
    let again = nu_rows(
        &env,
        &format!(
            "[{{_id: cy-1, userName: cy.other, givenName: Cy, sn: Ro, mail: cy@example.com}}] | idc create {USERS}"
        ),
    );
    assert_eq!(again[0]["code"], 412, "{again:?}");
    let cy = curl(&env, &format!("{}{USERS}/cy-1", sandbox.url), &[]);
    assert_eq!(cy["userName"], "cy.ro");

    // Patch one object by path, then the created rows (their _rev from the results).
    let patched = nu_rows(
        &env,
        &format!(
            "idc patch {USERS}/{ann_id} [[operation field value]; [replace /givenName Anna] [add telephoneNumber '+47 1234']]"
        ),
    );
    assert_eq!(patched[0]["code"], 200, "{patched:?}");
    let ann = curl(&env, &format!("{}{USERS}/{ann_id}", sandbox.url), &[]);
    assert_eq!(
        (&ann["givenName"], &ann["telephoneNumber"]),
        (&json!("Anna"), &json!("+47 1234"))
    );

    // Delete both created users in one pipeline read back with idc get.
    let deleted = nu_rows(
        &env,
        &format!(
            "idc get {USERS} --filter 'userName eq \"ann.lee\" or userName eq \"bo.ng\"' | idc delete {USERS}"
        ),
    );
    assert_eq!(deleted.len(), 2, "{deleted:?}");
    assert!(deleted.iter().all(|row| row["code"] == 200), "{deleted:?}");
    for row in &created {
        let id = row["_id"].as_str().unwrap();
        let gone = curl(&env, &format!("{}{USERS}/{id}", sandbox.url), &[]);
        assert_eq!(gone["code"], 404, "{gone}");
    }
    // One object by path.
    let deleted = nu_rows(&env, &format!("idc delete {USERS}/cy-1"));
    assert_eq!(deleted[0]["code"], 200, "{deleted:?}");
    let gone = curl(&env, &format!("{}{USERS}/cy-1", sandbox.url), &[]);
    assert_eq!(gone["code"], 404);
}

#[test]
fn a_dry_run_leaves_the_tenant_unchanged() {
    let sandbox = Sandbox::start(10);
    let env = logged_in(&sandbox);
    let before = users_where(&env, &sandbox, "true");
    sandbox.reset_stats();
    let rows = nu_rows(
        &env,
        &format!("idc get {USERS} | update sn X | idc update {USERS} --dry-run"),
    );
    assert_eq!(rows.len(), before.len());
    for (row, user) in rows.iter().zip(&before) {
        assert_eq!(row["code"], Value::Null);
        assert_eq!(row["request"]["method"], "PUT");
        assert_eq!(row["request"]["headers"]["If-Match"], user["_rev"]);
        assert_eq!(row["request"]["body"]["sn"], "X");
        assert!(row["request"]["body"].get("_rev").is_none(), "{row}");
    }
    let deleted = nu_rows(&env, &format!("idc get {USERS} | idc delete {USERS} -n"));
    assert!(
        deleted
            .iter()
            .all(|row| row["request"]["method"] == "DELETE")
    );
    let created = nu_rows(
        &env,
        &format!(
            "{{userName: z, givenName: Z, sn: Z, mail: z@example.com, password: Sup3rSecret1}} | idc create {USERS} --dry-run"
        ),
    );
    assert_eq!(created[0]["request"]["method"], "POST");
    assert_eq!(created[0]["request"]["body"]["password"], "<hidden>");
    assert_eq!(sandbox.stat("idm_writes"), 0, "a dry run wrote");
    assert_eq!(users_where(&env, &sandbox, "true"), before);
}

#[test]
fn a_policy_failure_names_the_property_and_the_other_rows_go_on() {
    let sandbox = Sandbox::start(5);
    let env = logged_in(&sandbox);
    let rows = nu_rows(
        &env,
        &format!(
            "[[userName givenName sn mail]; [ok.one Ok One ok.one@example.com] [no.sn No null no.sn@example.com] [ok.two Ok Two ok.two@example.com]] | idc create {USERS}"
        ),
    );
    let codes: Vec<&Value> = rows.iter().map(|r| &r["code"]).collect();
    assert_eq!(codes, [&json!(201), &json!(403), &json!(201)], "{rows:?}");
    let error = rows[1]["error"].as_str().unwrap();
    assert!(error.contains("sn: REQUIRED"), "{error}");
    assert_eq!(users_where(&env, &sandbox, "userName sw \"ok.\"").len(), 2);
    assert!(users_where(&env, &sandbox, "userName eq \"no.sn\"").is_empty());
}

#[test]
fn a_429_is_waited_out_and_a_503_is_not_sent_twice() {
    let sandbox = Sandbox::start(5);
    let env = logged_in(&sandbox);
    sandbox.fault(json!({"path_prefix": USERS, "status": 429, "retry_after": 1, "count": 1}));
    let rows = nu_rows(
        &env,
        &format!(
            "{{userName: r.one, givenName: R, sn: One, mail: r1@example.com}} | idc create {USERS}"
        ),
    );
    assert_eq!(rows[0]["code"], 201, "{rows:?}");
    assert_eq!(
        users_where(&env, &sandbox, "userName eq \"r.one\"").len(),
        1
    );

    sandbox.reset_stats();
    sandbox.fault(json!({"path_prefix": USERS, "status": 503, "count": 1}));
    let rows = nu_rows(
        &env,
        &format!(
            "[[userName givenName sn mail]; [r.two R Two r2@example.com]] | idc create {USERS}"
        ),
    );
    assert_eq!(rows[0]["code"], 503, "{rows:?}");
    assert!(rows[0]["error"].is_string());
    assert_eq!(sandbox.stat("idm_writes"), 0, "the create was sent again");
}

#[test]
fn field_names_complete_from_the_managed_schema() {
    let sandbox = Sandbox::start(3);
    let env = logged_in(&sandbox);
    let complete = |line: &str| env.nu_complete(&format!("{}{line}", env.nu_prelude()));
    let fields = complete(&format!("idc get {USERS} --fields "));
    for expected in ["userName", "givenName", "mail", "telephoneNumber"] {
        assert!(
            fields.iter().any(|f| f == expected),
            "{expected} in {fields:?}"
        );
    }
    let sort = complete(&format!("idc get {USERS} --sort -s"));
    assert_eq!(sort, ["-sn"], "{sort:?}");
    // Roles have no properties in the sandbox's schema: nothing to suggest, no error.
    let none = complete("idc get /openidm/managed/alpha_role --fields user");
    assert!(none.is_empty(), "{none:?}");
    let reads = sandbox.stat("idm_requests");
    let patch = complete(&format!("idc patch {USERS}/x "));
    assert!(
        patch.contains(&"[[operation field value]; [replace /mail '']]".to_string()),
        "{patch:?}"
    );
    assert_eq!(
        sandbox.stat("idm_requests"),
        reads,
        "the schema came from the cache"
    );
}

#[test]
fn hostile_rows_are_reported_and_the_others_go_on() {
    let sandbox = Sandbox::start(3);
    let env = logged_in(&sandbox);
    let before = users_where(&env, &sandbox, "true");
    let first = before[0]["_id"].as_str().unwrap();
    // `..` would address the collection itself; a string is not a record; a closure cannot
    // be sent as JSON. Only the real row is deleted.
    let rows = nu_rows(
        &env,
        &format!(
            "[{{_id: '..', _rev: '1'}} 'text' {{_id: {first}}} {{_id: x, f: {{|| 1}}}}] | idc delete {USERS} --force"
        ),
    );
    let codes: Vec<&Value> = rows.iter().map(|r| &r["code"]).collect();
    assert_eq!(
        codes,
        [&Value::Null, &Value::Null, &json!(200), &Value::Null],
        "{rows:?}"
    );
    assert!(
        rows[0]["error"]
            .as_str()
            .unwrap()
            .contains("cannot name an object")
    );
    assert!(rows[1]["error"].as_str().unwrap().contains("not a record"));
    assert!(
        rows[3]["error"].as_str().unwrap().contains("JSON"),
        "{rows:?}"
    );
    assert_eq!(users_where(&env, &sandbox, "true").len(), before.len() - 1);

    // Without a credential the command fails once, saying how to log in.
    let stranger = UserEnv::new();
    let out = stranger
        .nu(&format!("idc delete {}{USERS}/{first}", sandbox.url))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("idc login"), "{stderr}");
}
