//! Managed objects are writable with IDM's semantics: create/update/patch/delete, `_rev`
//! checks (412), policy failures shaped like `d_idm_errors.json`, writes visible to
//! reads and queries, and counted in `/__sandbox/stats` (`idm_writes`).

use super::api::{Answer, sa_token, send};
use idc_e2e::{Sandbox, http_client, recorded_entry};
use serde_json::{Value, json};

struct Idm<'a> {
    sandbox: &'a Sandbox,
    token: String,
}

impl Idm<'_> {
    fn call(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Answer {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = http_client()
            .request(method, self.sandbox.at(path))
            .bearer_auth(&self.token);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        send(request)
    }

    fn get(&self, path: &str) -> Answer {
        self.call("GET", path, &[], None)
    }
}

fn recorded(index: usize) -> Value {
    recorded_entry("d_idm_errors.json", index)
}

fn new_user(name: &str) -> Value {
    json!({"userName": name, "givenName": "Ada", "sn": "Lovelace", "mail": format!("{name}@example.com"),
           "password": "Str0ngPassw0rd!"})
}

fn rev(answer: &Answer) -> String {
    answer.body["_rev"].as_str().expect("_rev").to_string()
}

fn query_names(idm: &Idm<'_>, filter: &str) -> Vec<String> {
    let url = format!(
        "/openidm/managed/alpha_user?_queryFilter={}&_fields=userName,sn",
        url_escape(filter)
    );
    let answer = idm.get(&url);
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.body["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            format!(
                "{}:{}",
                u["userName"].as_str().unwrap_or(""),
                u["sn"].as_str().unwrap_or("")
            )
        })
        .collect()
}

fn url_escape(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[test]
fn create_read_query_patch_delete() {
    let sandbox = Sandbox::start(50);
    let idm = Idm {
        token: sa_token(&sandbox, "fr:idm:*"),
        sandbox: &sandbox,
    };
    sandbox.reset_stats();

    // Create: 201 with _id, _rev and a location; the password never comes back.
    let created = idm.call(
        "POST",
        "/openidm/managed/alpha_user?_action=create",
        &[],
        Some(&new_user("ada.l")),
    );
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(
        created.header("content-type"),
        Some("application/json;charset=utf-8")
    );
    assert!(created.header("x-forgerock-transactionid").is_some());
    let id = created.body["_id"].as_str().unwrap().to_string();
    assert!(
        created
            .header("location")
            .unwrap()
            .ends_with(&format!("/openidm/managed/alpha_user/{id}"))
    );
    assert!(created.body.get("password").is_none());
    let rev1 = rev(&created);

    // Visible to a read and to a query.
    let read = idm.get(&format!("/openidm/managed/alpha_user/{id}"));
    assert_eq!(
        (read.status, read.body["userName"].as_str()),
        (200, Some("ada.l"))
    );
    assert_eq!(rev(&read), rev1);
    assert_eq!(
        query_names(&idm, r#"userName eq "ada.l""#),
        ["ada.l:Lovelace"]
    );
    let all = idm.get("/openidm/managed/alpha_user?_queryFilter=true&_fields=userName");
    assert_eq!(all.body["resultCount"], 51);

    // PATCH with the current rev: new rev, visible to queries.
    let patched = idm.call(
        "PATCH",
        &format!("/openidm/managed/alpha_user/{id}"),
        &[("if-match", &rev1)],
        Some(
            &json!([{"operation": "replace", "field": "/sn", "value": "Byron"},
                     {"operation": "add", "field": "/frIndexedMultivalued1/-", "value": "x"},
                     {"operation": "increment", "field": "/frIndexedInteger1", "value": 5}]),
        ),
    );
    assert_eq!(patched.status, 200, "{}", patched.body);
    let rev2 = rev(&patched);
    assert_ne!(rev2, rev1);
    assert_eq!(patched.body["frIndexedMultivalued1"], json!(["x"]));
    assert_eq!(patched.body["frIndexedInteger1"], 5);
    assert_eq!(query_names(&idm, r#"sn eq "Byron""#), ["ada.l:Byron"]);
    assert!(query_names(&idm, r#"userName eq "ada.l" and sn eq "Lovelace""#).is_empty());

    // A stale rev is refused and changes nothing; `*` matches any rev.
    let stale = idm.call(
        "PATCH",
        &format!("/openidm/managed/alpha_user/{id}"),
        &[("if-match", &rev1)],
        Some(&json!([{"operation": "replace", "field": "/sn", "value": "Stale"}])),
    );
    assert_eq!(stale.status, 412, "{}", stale.body);
    assert_eq!(stale.body["reason"], "Precondition Failed");
    assert_eq!(
        rev(&idm.get(&format!("/openidm/managed/alpha_user/{id}"))),
        rev2
    );
    let mut replacement = new_user("ada.l");
    replacement["sn"] = json!("King");
    let put = idm.call(
        "PUT",
        &format!("/openidm/managed/alpha_user/{id}"),
        &[("if-match", "*")],
        Some(&replacement),
    );
    assert_eq!(put.status, 200, "{}", put.body);
    let rev3 = rev(&put);
    assert!(rev3 != rev2 && rev3 != rev1);
    // PUT replaces: the patched multivalued field is back to empty.
    assert_eq!(put.body["frIndexedMultivalued1"], json!([]));

    // DELETE: a stale rev is refused, then the object comes back in the answer and is gone.
    let refused = idm.call(
        "DELETE",
        &format!("/openidm/managed/alpha_user/{id}"),
        &[("if-match", &rev2)],
        None,
    );
    assert_eq!(refused.status, 412);
    let deleted = idm.call(
        "DELETE",
        &format!("/openidm/managed/alpha_user/{id}"),
        &[("if-match", &rev3)],
        None,
    );
    assert_eq!(
        (deleted.status, deleted.body["sn"].as_str()),
        (200, Some("King"))
    );
    assert_eq!(deleted.body["_id"], id.as_str());
    let gone = idm.get(&format!("/openidm/managed/alpha_user/{id}"));
    assert_eq!(gone.status, 404);
    assert!(
        gone.body["message"]
            .as_str()
            .unwrap()
            .starts_with("No Such Entry")
    );
    assert!(query_names(&idm, r#"userName eq "ada.l""#).is_empty());
    assert_eq!(
        idm.call(
            "DELETE",
            &format!("/openidm/managed/alpha_user/{id}"),
            &[],
            None
        )
        .status,
        404
    );

    // 1 create + 2 patches + 1 put + 3 deletes.
    assert_eq!(sandbox.stat("idm_writes"), 7);
}

#[test]
fn seeded_objects_are_writable_and_create_only_puts_conflict() {
    let sandbox = Sandbox::start(20);
    let idm = Idm {
        token: sa_token(&sandbox, "fr:idm:*"),
        sandbox: &sandbox,
    };
    let first = idm.get("/openidm/managed/alpha_user?_queryFilter=true&_pageSize=1");
    let user = first.body["result"][0].clone();
    let id = user["_id"].as_str().unwrap().to_string();

    // If-None-Match: * on an existing object: 412 shaped as recorded.
    let conflict = idm.call(
        "PUT",
        &format!("/openidm/managed/alpha_user/{id}"),
        &[("if-none-match", "*")],
        Some(&user),
    );
    let entry = recorded(8);
    assert_eq!(conflict.status, 412);
    assert_eq!(
        conflict.header("content-api-version"),
        Some("protocol=2.1,resource=1.0")
    );
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&conflict.body), keys(&entry["response_body"]));
    let message = conflict.body["message"].as_str().unwrap();
    assert_eq!(
        message,
        format!(
            "Entry Already Exists: The entry &#39;fr-idm-uuid&#61;{id},ou&#61;user,o&#61;alpha,o&#61;root,ou&#61;identities&#39; cannot be added because an entry with that name already exists"
        )
    );

    // Creating with a client id.
    let fresh = "4f0c6a52-0000-4000-8000-000000000001";
    let made = idm.call(
        "PUT",
        &format!("/openidm/managed/alpha_user/{fresh}"),
        &[("if-none-match", "*")],
        Some(&new_user("client.id")),
    );
    assert_eq!((made.status, made.body["_id"].as_str()), (201, Some(fresh)));

    // Updating a seeded user with its seeded rev; the old rev then fails.
    let old_rev = user["_rev"].as_str().unwrap().to_string();
    let mut changed = user.clone();
    changed["givenName"] = json!("Renamed");
    let updated = idm.call(
        "PUT",
        &format!("/openidm/managed/alpha_user/{id}"),
        &[("if-match", &old_rev)],
        Some(&changed),
    );
    assert_eq!(updated.status, 200, "{}", updated.body);
    assert_ne!(rev(&updated), old_rev);
    let again = idm.call(
        "PUT",
        &format!("/openidm/managed/alpha_user/{id}"),
        &[("if-match", &old_rev)],
        Some(&changed),
    );
    assert_eq!(again.status, 412);
    let listed = idm
        .get("/openidm/managed/alpha_user?_queryFilter=givenName%20eq%20%22Renamed%22&_fields=_id");
    assert_eq!(listed.body["result"][0]["_id"], id.as_str());

    // Roles are writable too.
    let role = idm.call(
        "POST",
        "/openidm/managed/alpha_role?_action=create",
        &[],
        Some(&json!({"name": "Auditors"})),
    );
    assert_eq!(role.status, 201, "{}", role.body);
    let nameless = idm.call(
        "POST",
        "/openidm/managed/alpha_role?_action=create",
        &[],
        Some(&json!({"description": "x"})),
    );
    assert_eq!(nameless.status, 403);

    // A service-account bearer without fr:idm:* may not write.
    let esv_only = Idm {
        token: sa_token(&sandbox, "fr:idc:esv:read"),
        sandbox: &sandbox,
    };
    assert_eq!(
        esv_only
            .call(
                "DELETE",
                &format!("/openidm/managed/alpha_user/{id}"),
                &[],
                None
            )
            .status,
        403
    );
    assert_eq!(
        idm.get(&format!("/openidm/managed/alpha_user/{id}")).status,
        200
    );
}

#[test]
fn policy_failures_are_shaped_as_recorded() {
    let sandbox = Sandbox::start(20);
    let idm = Idm {
        token: sa_token(&sandbox, "fr:idm:*"),
        sandbox: &sandbox,
    };
    let entry = recorded(4);
    assert_eq!(
        entry["response_body"]["message"],
        "Failed policy validation"
    );

    let check = |answer: &Answer| -> Vec<(String, Vec<String>)> {
        assert_eq!(answer.status, 403, "{}", answer.body);
        assert_eq!(
            answer.header("content-type"),
            Some("application/json;charset=utf-8")
        );
        let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
        assert_eq!(keys(&answer.body), keys(&entry["response_body"]));
        assert_eq!(
            keys(&answer.body["detail"]),
            keys(&entry["response_body"]["detail"])
        );
        assert_eq!(answer.body["message"], "Failed policy validation");
        assert_eq!(answer.body["detail"]["result"], false);
        answer.body["detail"]["failedPolicyRequirements"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["property"].as_str().unwrap().to_string(),
                    f["policyRequirements"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|r| r["policyRequirement"].as_str().unwrap().to_string())
                        .collect(),
                )
            })
            .collect()
    };

    let mut missing = new_user("no.surname");
    missing.as_object_mut().unwrap().remove("sn");
    missing["mail"] = json!("");
    let refused = idm.call(
        "POST",
        "/openidm/managed/alpha_user?_action=create",
        &[],
        Some(&missing),
    );
    assert_eq!(
        check(&refused),
        [
            ("sn".to_string(), vec!["REQUIRED".to_string()]),
            ("mail".to_string(), vec!["REQUIRED".to_string()])
        ]
    );

    let mut weak = new_user("weak.password");
    weak["password"] = json!("short");
    let refused = idm.call(
        "POST",
        "/openidm/managed/alpha_user?_action=create",
        &[],
        Some(&weak),
    );
    let failures = check(&refused);
    assert_eq!(failures[0].0, "password");
    assert!(failures[0].1.contains(&"MIN_LENGTH".to_string()));
    assert!(
        failures[0]
            .1
            .contains(&"AT_LEAST_X_CAPITAL_LETTERS".to_string())
    );

    // A taken userName (a seeded one) is not unique.
    let seeded =
        idm.get("/openidm/managed/alpha_user?_queryFilter=true&_pageSize=1&_fields=userName");
    let taken = seeded.body["result"][0]["userName"].as_str().unwrap();
    let refused = idm.call(
        "POST",
        "/openidm/managed/alpha_user?_action=create",
        &[],
        Some(&new_user(taken)),
    );
    assert_eq!(
        check(&refused),
        [("userName".to_string(), vec!["UNIQUE".to_string()])]
    );

    // An object where IDM wants an array: VALID_TYPE with the recorded params.
    let id = seeded.body["result"][0]["_id"].as_str().unwrap();
    let wrong_type = idm.call(
        "PATCH",
        &format!("/openidm/managed/alpha_user/{id}"),
        &[],
        Some(&json!([{"operation": "add", "field": "/roles", "value": {"_ref": "managed/alpha_role/x"}}])),
    );
    assert_eq!(
        check(&wrong_type),
        [("roles".to_string(), vec!["VALID_TYPE".to_string()])]
    );
    assert_eq!(
        wrong_type.body["detail"]["failedPolicyRequirements"][0]["policyRequirements"],
        entry["response_body"]["detail"]["failedPolicyRequirements"][0]["policyRequirements"]
    );

    // Nothing refused was stored.
    let still = idm.get(&format!("/openidm/managed/alpha_user/{id}"));
    assert_eq!(still.body["_rev"], seeded.body["result"][0]["_rev"]);
    let count = idm.get("/openidm/managed/alpha_user?_queryFilter=true&_fields=_id");
    assert_eq!(count.body["resultCount"], 20);
}

#[test]
fn rate_limit_answers_429_with_retry_after_and_counts_them() {
    let sandbox =
        Sandbox::start_with(idc_e2e::SandboxOptions::default().args(["--rate-limit", "2"]));
    let idm = Idm {
        sandbox: &sandbox,
        token: sa_token(&sandbox, "fr:idm:*"),
    };
    let user = |i: usize| {
        json!({"userName": format!("limited{i}"), "givenName": "L",
        "sn": "Imited", "mail": format!("limited{i}@example.com")})
    };
    let answers: Vec<Answer> = (0..6)
        .map(|i| {
            idm.call(
                "PUT",
                &format!("/openidm/managed/alpha_user/limited-{i}"),
                &[("If-None-Match", "*")],
                Some(&user(i)),
            )
        })
        .collect();
    let statuses: Vec<u16> = answers.iter().map(|a| a.status).collect();
    // A burst of two (one second's worth) goes through, then 429s (a token comes back
    // every half second: the next four are sent well within that).
    assert_eq!(&statuses[..2], &[201; 2], "{statuses:?}");
    let refused: Vec<&Answer> = answers.iter().filter(|a| a.status == 429).collect();
    assert!(!refused.is_empty(), "{statuses:?}");
    for answer in &refused {
        assert_eq!(
            answer.header("retry-after"),
            Some("1"),
            "{:?}",
            answer.headers
        );
        assert_eq!(answer.body["code"], 429);
        assert_eq!(answer.body["reason"], "Too Many Requests");
        assert!(answer.body["message"].is_string(), "{}", answer.body);
    }
    let stats = sandbox.stats();
    assert_eq!(stats["rate_limited"], refused.len() as u64, "{stats}");
    // Reads are not limited, and a refused create did nothing.
    let missing = refused.len();
    let created = (0..6)
        .filter(|i| {
            idm.get(&format!("/openidm/managed/alpha_user/limited-{i}"))
                .status
                == 200
        })
        .count();
    assert_eq!(created, 6 - missing);
    // A second later (on the sandbox's clock) the bucket has refilled.
    sandbox.advance_clock(1);
    let again = idm.call(
        "PUT",
        "/openidm/managed/alpha_user/limited-late",
        &[("If-None-Match", "*")],
        Some(&user(99)),
    );
    assert_eq!(again.status, 201, "{}", again.body);
}
