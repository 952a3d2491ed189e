//! The sandbox's ESVs as the tenant keeps them: `/environment/startup` says only `ready`
//! or `restarting` (recorded), a change says `loaded: false` until a restart that began
//! after it has ended, `/environment/count` counts as recorded (and with
//! `_onlyPending=true` what waits), and the write rules a tenant enforces (peer notes;
//! docs/tenant-facts.md says what backs each).

use super::api::{Answer, sa_token, send};
use idc_e2e::{Sandbox, http_client, recorded_entries, recorded_entry};
use serde_json::{Value, json};
use std::collections::BTreeSet;

struct Esv<'a> {
    sandbox: &'a Sandbox,
    token: String,
}

impl Esv<'_> {
    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Answer {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = http_client()
            .request(method, self.sandbox.at(path))
            .bearer_auth(&self.token)
            .header("accept-api-version", "protocol=1.0,resource=1.0");
        if let Some(body) = body {
            request = request.json(body);
        }
        send(request)
    }

    fn get(&self, path: &str) -> Answer {
        self.call("GET", path, None)
    }

    /// `/environment/count?_onlyPending=true` as `(variables, secrets)`.
    fn pending(&self) -> (u64, u64) {
        let count = self.get("/environment/count?_onlyPending=true");
        assert_eq!(count.status, 200, "{}", count.body);
        (
            count.body["variables"].as_u64().unwrap(),
            count.body["secrets"].as_u64().unwrap(),
        )
    }

    fn status(&self) -> Value {
        self.get("/environment/startup").body["restartStatus"].clone()
    }
}

fn keys(value: &Value) -> BTreeSet<String> {
    value
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

#[test]
fn esv_restart_action_answers_as_recorded() {
    let sandbox = Sandbox::start(10);
    let token = sa_token(&sandbox, "fr:idc:esv:*");
    let entries = recorded_entries("e2_environment_other.json");
    let find = |method: &str, suffix: &str| {
        entries
            .iter()
            .find(|e| e["method"] == method && e["url"].as_str().unwrap().ends_with(suffix))
            .unwrap()
            .clone()
    };
    let call = |request: reqwest::blocking::RequestBuilder| {
        send(
            request
                .bearer_auth(&token)
                .header("accept-api-version", "protocol=1.0,resource=1.0"),
        )
    };
    let ready = call(http_client().get(sandbox.at("/environment/startup")));
    let entry = find("GET", "/environment/startup");
    assert_eq!(ready.status, 200);
    assert_eq!(ready.body, entry["response_body"]);
    assert_eq!(ready.header("content-type"), Some("application/json"));

    let restart = call(http_client().post(sandbox.at("/environment/startup?_action=restart")));
    assert_eq!(
        restart.body,
        find("POST", "/environment/startup?_action=restart")["response_body"]
    );
    let during = call(http_client().get(sandbox.at("/environment/startup")));
    assert_eq!(during.body["restartStatus"], "restarting");

    let read_only = sa_token(&sandbox, "fr:idc:esv:read");
    let refused = send(
        http_client()
            .post(sandbox.at("/environment/startup?_action=restart"))
            .bearer_auth(&read_only),
    );
    assert_eq!(refused.status, 403);
}

#[test]
fn changes_wait_for_a_restart_as_the_tenant_counts_them() {
    let sandbox = Sandbox::start(3);
    let esv = Esv {
        sandbox: &sandbox,
        token: sa_token(&sandbox, "fr:idc:esv:*"),
    };
    // The count as recorded (`resource=2.0`), of every ESV.
    let recorded = recorded_entry("e2_environment_other.json", 1);
    let count = send(
        http_client()
            .get(sandbox.at("/environment/count"))
            .bearer_auth(&esv.token)
            .header("accept-api-version", "resource=2.0"),
    );
    assert_eq!(count.status, recorded["status"].as_u64().unwrap() as u16);
    assert_eq!(count.header("content-type"), Some("application/json"));
    assert_eq!(keys(&count.body), keys(&recorded["response_body"]));
    let listed = |path: &str| esv.get(path).body["result"].as_array().unwrap().len() as u64;
    assert_eq!(
        count.body["variables"].as_u64(),
        Some(listed("/environment/variables"))
    );
    assert_eq!(
        count.body["secrets"].as_u64(),
        Some(listed("/environment/secrets"))
    );
    assert_eq!(esv.pending(), (0, 0));

    let put = esv.call(
        "PUT",
        "/environment/variables/esv-max-login-attempts",
        Some(&json!({"valueBase64": "Nw==", "description": "", "expressionType": "int"})),
    );
    assert_eq!(put.status, 200, "{}", put.body);
    // As the recorded PUT answers: the variable, not loaded yet.
    let recorded_put = recorded_entry("e_environment_esv.json", 4);
    assert_eq!(keys(&put.body), keys(&recorded_put["response_body"]));
    assert_eq!(recorded_put["response_body"]["loaded"], false);
    assert_eq!(put.body["loaded"], false);
    // The restart status never says that something waits: only the ESVs do.
    assert_eq!(esv.status(), "ready");
    assert_eq!(esv.pending(), (1, 0));
    let waiting = esv.get("/environment/variables?_onlyPending=true");
    assert_eq!(
        keys(&waiting.body),
        keys(&recorded_entry("e_environment_esv.json", 1)["response_body"])
    );
    assert_eq!(waiting.body["resultCount"], 1);
    assert_eq!(
        waiting.body["result"][0]["_id"], "esv-max-login-attempts",
        "{}",
        waiting.body
    );

    // A new version of a secret placeholders use waits; a secret they may not use is
    // loaded at once; a variable created then deleted waits for nothing.
    let version = esv.call(
        "POST",
        "/environment/secrets/esv-smtp-password/versions?_action=create",
        Some(&json!({"valueBase64": "c2VjcmV0"})),
    );
    assert_eq!(version.status, 200, "{}", version.body);
    assert_eq!(
        esv.get("/environment/secrets/esv-smtp-password").body["loaded"],
        false
    );
    let unplaced = esv.call(
        "PUT",
        "/environment/secrets/esv-not-in-placeholders",
        Some(
            &json!({"valueBase64": "eA==", "description": "", "encoding": "generic", "useInPlaceholders": false}),
        ),
    );
    assert_eq!(unplaced.status, 200, "{}", unplaced.body);
    assert_eq!(unplaced.body["loaded"], true);
    assert_eq!(unplaced.body["loadedVersion"], "1");
    // A new version of one is loaded at once, as the recorded secret (placeholders off,
    // read seconds after its 7th version was made) is.
    let recorded_secret = recorded_entry("e_environment_esv.json", 7)["response_body"].clone();
    assert_eq!(recorded_secret["useInPlaceholders"], false);
    assert_eq!(recorded_secret["loaded"], true);
    assert_eq!(
        recorded_secret["loadedVersion"],
        recorded_secret["activeVersion"]
    );
    let second = esv.call(
        "POST",
        "/environment/secrets/esv-not-in-placeholders/versions?_action=create",
        Some(&json!({"valueBase64": "eQ=="})),
    );
    assert_eq!(second.status, 200, "{}", second.body);
    let reread = esv.get("/environment/secrets/esv-not-in-placeholders").body;
    assert_eq!(keys(&reread), keys(&recorded_secret));
    assert_eq!(reread["loaded"], true);
    assert_eq!(reread["activeVersion"], "2");
    assert_eq!(reread["loadedVersion"], reread["activeVersion"]);
    let made = esv.call(
        "PUT",
        "/environment/variables/esv-made-here",
        Some(&json!({"valueBase64": "eA==", "description": "", "expressionType": "string"})),
    );
    assert_eq!(made.status, 200);
    assert_eq!(esv.pending(), (2, 1));
    assert_eq!(
        esv.call("DELETE", "/environment/variables/esv-made-here", None)
            .status,
        200
    );
    assert_eq!(esv.pending(), (1, 1));
    let secrets_waiting = esv.get("/environment/secrets?_onlyPending=true");
    assert_eq!(
        secrets_waiting.body["result"][0]["_id"],
        "esv-smtp-password"
    );

    // A restart loads what waited when it began, once it has ended; a change made during
    // it waits for the next one.
    assert_eq!(sandbox.stat("esv_restarts"), 0);
    let restart = esv.call("POST", "/environment/startup?_action=restart", None);
    assert_eq!(restart.body["restartStatus"], "restarting");
    assert_eq!(sandbox.stat("esv_restarts"), 1);
    assert_eq!(esv.pending(), (1, 1), "loaded only when the restart ends");
    let during = esv.call(
        "PUT",
        "/environment/variables/esv-api-base-url",
        Some(&json!({"valueBase64": "aHR0cHM6Ly92Mw==", "description": "", "expressionType": "string"})),
    );
    assert_eq!(during.status, 200);
    sandbox.advance_clock(2);
    assert_eq!(esv.status(), "ready");
    assert_eq!(
        esv.get("/environment/variables/esv-max-login-attempts")
            .body["loaded"],
        true
    );
    let secret = esv.get("/environment/secrets/esv-smtp-password").body;
    assert_eq!(secret["loaded"], true);
    assert_eq!(secret["loadedVersion"], secret["activeVersion"]);
    assert_eq!(secret["activeVersion"], "2");
    assert_eq!(esv.pending(), (1, 0));
    assert_eq!(
        esv.get("/environment/variables?_onlyPending=true").body["result"][0]["_id"],
        "esv-api-base-url"
    );
    assert_eq!(sandbox.stat("esv_restarts"), 1);
}

#[test]
fn the_write_rules_a_tenant_enforces() {
    let sandbox = Sandbox::start(3);
    let esv = Esv {
        sandbox: &sandbox,
        token: sa_token(&sandbox, "fr:idc:esv:*"),
    };
    let error_keys = keys(&recorded_entry("e_environment_esv.json", 9)["response_body"]);
    let before = esv
        .get("/environment/variables/esv-max-login-attempts")
        .body;

    // An existing variable keeps its type.
    let retyped = esv.call(
        "PUT",
        "/environment/variables/esv-max-login-attempts",
        Some(&json!({"valueBase64": "c2V2ZW4=", "description": "", "expressionType": "string"})),
    );
    assert_eq!(retyped.status, 400);
    assert_eq!(keys(&retyped.body), error_keys);
    assert_eq!(
        retyped.body,
        json!({"code": 400, "message": "Changing the type of an existing variable is not permitted"})
    );
    assert_eq!(
        esv.get("/environment/variables/esv-max-login-attempts")
            .body,
        before,
        "nothing changed"
    );
    // Without a type, or with its own, it is replaced.
    let same = esv.call(
        "PUT",
        "/environment/variables/esv-max-login-attempts",
        Some(&json!({"valueBase64": "OA==", "description": ""})),
    );
    assert_eq!(same.status, 200, "{}", same.body);
    assert_eq!(same.body["expressionType"], "int");

    // A secret is created once: a new value is a new version.
    let again = esv.call(
        "PUT",
        "/environment/secrets/esv-smtp-password",
        Some(
            &json!({"valueBase64": "eA==", "description": "", "encoding": "generic", "useInPlaceholders": true}),
        ),
    );
    assert_eq!(again.status, 400);
    assert_eq!(
        again.body,
        json!({"code": 400, "message": "Failed to create secret, the secret already exists"})
    );
    // ... and says whether placeholders may use it.
    let unsaid = esv.call(
        "PUT",
        "/environment/secrets/esv-unsaid",
        Some(&json!({"valueBase64": "eA==", "description": "", "encoding": "generic"})),
    );
    assert_eq!(unsaid.status, 400);
    assert_eq!(keys(&unsaid.body), error_keys);
    let message = unsaid.body["message"].as_str().unwrap();
    assert!(
        message.contains("property \"useInPlaceholders\" is missing"),
        "{message}"
    );
    assert_eq!(esv.get("/environment/secrets/esv-unsaid").status, 404);
    assert_eq!(esv.pending(), (1, 0), "only the accepted write waits");
}
