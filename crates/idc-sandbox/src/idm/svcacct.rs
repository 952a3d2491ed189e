//! `managed/svcacct`: service accounts, which only a tenant administrator creates, lists and
//! deletes (Ping docs, "Service accounts"). `POST ?_action=create` takes `name,
//! description, accountStatus, scopes, jwks` (the public JWKS as a JSON *string*) and
//! answers the stored object as recorded (`a2_service_account_support.json`); the new
//! account then signs in with the JWT-bearer grant (`am/oauth.rs`), its scopes limited to
//! those granted here. The account seeded at start-up is served beside the created ones.

use super::fields::{parse_fields, project};
use super::guard;
use super::objects::service_account_object;
use super::policy::policy_error;
use super::query_filter::Filter;
use crate::environment::scopes::grantable;
use crate::request::{origin, query_params};
use crate::respond::{JSON_UTF8_LOWER, crest_error, json};
use crate::state::service_accounts::CreatedAccount;
use crate::state::{AppState, Shared, Subject, TokenInfo};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};

/// The smallest RSA modulus accepted for an account's key, in bits (assumed: the admin
/// console makes 4096-bit keys, and 2048 is the floor of RS256, RFC 7518 §3.3).
const MIN_RSA_BITS: usize = 2048;

fn headers_out() -> Vec<(&'static str, String)> {
    super::headers()
}

fn ok(status: StatusCode, extra: Vec<(&'static str, String)>, body: &Value) -> Response {
    let mut out = headers_out();
    out.extend(extra);
    json(status, JSON_UTF8_LOWER, &out, body)
}

/// The bearer of a tenant administrator with `fr:idm:*`; anyone else gets IDM's 403.
fn admin(state: &AppState, headers: &HeaderMap) -> Result<TokenInfo, Response> {
    let token = guard(state, headers)?;
    if token.subject != Subject::Admin {
        return Err(crest_error(StatusCode::FORBIDDEN, "Access denied"));
    }
    Ok(token)
}

/// One failed requirement of IDM's policy answer.
fn failure(property: &str, requirement: &str, params: Option<Value>) -> Value {
    let mut requirement = json!({"policyRequirement": requirement});
    if let Some(params) = params {
        requirement["params"] = params;
    }
    json!({"policyRequirements": [requirement], "property": property})
}

/// The RSA public key (n, e) of the JWKS text, or why it is not acceptable.
fn public_key(jwks: &str) -> Result<(Vec<u8>, Vec<u8>), &'static str> {
    let document: Value = serde_json::from_str(jwks).map_err(|_| "not JSON")?;
    let keys = document["keys"].as_array().ok_or("no 'keys' array")?;
    let key = keys
        .iter()
        .find(|key| key["kty"] == "RSA")
        .ok_or("no RSA key")?;
    // A private member in a public key set would publish the account's secret.
    if ["d", "p", "q", "dp", "dq", "qi"]
        .iter()
        .any(|name| keys.iter().any(|key| key.get(*name).is_some()))
    {
        return Err("private key members in a public key set");
    }
    let decode = |name: &str| {
        key[name]
            .as_str()
            .and_then(|text| URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')).ok())
            .filter(|bytes| !bytes.is_empty())
            .ok_or("an RSA key needs base64url 'n' and 'e'")
    };
    let (n, e) = (decode("n")?, decode("e")?);
    let bits = n.len() * 8 - n.first().map_or(8, |b| b.leading_zeros() as usize);
    if bits < MIN_RSA_BITS {
        return Err("the RSA key is shorter than 2048 bits");
    }
    Ok((n, e))
}

/// A new account's stored fields and its RSA public key (n, e).
type Valid = (Map<String, Value>, Vec<u8>, Vec<u8>);

/// Checks the fields of a new account as IDM's policies do; answers the stored object.
fn validate(body: &Map<String, Value>) -> Result<Valid, Vec<Value>> {
    let mut failures = Vec::new();
    let text = |name: &str| body.get(name).and_then(Value::as_str).map(str::trim);
    if text("name").is_none_or(str::is_empty) {
        failures.push(failure("name", "REQUIRED", None));
    }
    if body
        .get("description")
        .is_some_and(|d| !d.is_string() && !d.is_null())
    {
        failures.push(failure(
            "description",
            "VALID_TYPE",
            Some(json!({"validTypes": ["string"]})),
        ));
    }
    match text("accountStatus") {
        Some(status) if ["active", "inactive"].contains(&status.to_ascii_lowercase().as_str()) => {}
        _ => failures.push(failure(
            "accountStatus",
            "REQUIRED",
            Some(json!({"validValues": ["active", "inactive"]})),
        )),
    }
    let scopes: Option<Vec<&str>> = body
        .get("scopes")
        .and_then(Value::as_array)
        .and_then(|scopes| scopes.iter().map(Value::as_str).collect());
    match scopes {
        Some(scopes) if !scopes.is_empty() => {
            let refused: Vec<&str> = scopes.into_iter().filter(|s| !grantable(s)).collect();
            if !refused.is_empty() {
                failures.push(failure(
                    "scopes",
                    "VALID_SCOPES",
                    Some(json!({"invalidScopes": refused})),
                ));
            }
        }
        _ => failures.push(failure("scopes", "REQUIRED", None)),
    }
    let key = match text("jwks") {
        Some(jwks) => public_key(jwks).map_err(|reason| {
            failures.push(failure(
                "jwks",
                "VALID_JWKS",
                Some(json!({"reason": reason})),
            ))
        }),
        None => {
            failures.push(failure("jwks", "REQUIRED", None));
            Err(())
        }
    };
    match key {
        Ok((n, e)) if failures.is_empty() => {
            let mut object = Map::new();
            for name in ["accountStatus", "name", "description", "scopes", "jwks"] {
                object.insert(name.into(), body.get(name).cloned().unwrap_or(json!("")));
            }
            Ok((object, n, e))
        }
        _ => Err(failures),
    }
}

/// `POST /openidm/managed/svcacct?_action=create`
pub async fn create(
    State(state): State<Shared>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    state.stats.record_idm_write();
    if let Err(refused) = admin(&state, &headers) {
        return refused;
    }
    match query_params(uri.query()).get("_action").map(String::as_str) {
        Some("create") => {}
        Some(other) => {
            return crest_error(
                StatusCode::BAD_REQUEST,
                &format!("Action {other} not supported on managed/svcacct"),
            );
        }
        None => return crest_error(StatusCode::BAD_REQUEST, "The _action parameter is required"),
    }
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(&body) else {
        return crest_error(
            StatusCode::BAD_REQUEST,
            "The request body must be a JSON object",
        );
    };
    let (fields, n, e) = match validate(&body) {
        Ok(valid) => valid,
        Err(failures) => return policy_error(failures),
    };
    let id = uuid::Uuid::new_v4().to_string();
    let mut object = Map::new();
    object.insert("_id".into(), json!(id));
    object.insert(
        "_rev".into(),
        json!(format!(
            "{}-{}",
            uuid::Uuid::new_v4(),
            rand::random_range(1..50_000)
        )),
    );
    object.extend(fields);
    for (name, value) in [
        ("maxCachingTime", "15"),
        ("maxIdleTime", "15"),
        ("maxSessionTime", "15"),
        ("quotaLimit", "5"),
    ] {
        object.insert(name.into(), json!(value));
    }
    let object = Value::Object(object);
    state.service_accounts.insert(CreatedAccount {
        object: object.clone(),
        n,
        e,
    });
    state.keep();
    let location = format!("{}/openidm/managed/svcacct/{id}", origin(&headers));
    ok(StatusCode::CREATED, vec![("location", location)], &object)
}

/// Every account: the seeded one, then the created ones.
fn all(state: &AppState) -> Vec<Value> {
    let mut objects = vec![service_account_object(state)];
    objects.extend(state.service_accounts.objects());
    objects
}

/// `GET /openidm/managed/svcacct?_queryFilter=...` (administrators only).
pub async fn query(State(state): State<Shared>, uri: Uri, headers: HeaderMap) -> Response {
    if let Err(refused) = admin(&state, &headers) {
        return refused;
    }
    let params = query_params(uri.query());
    let Some(filter_text) = params.get("_queryFilter") else {
        return crest_error(
            StatusCode::BAD_REQUEST,
            "The request could not be processed because it did not specify exactly one of the parameters _queryId, _queryFilter or _queryExpression",
        );
    };
    let Ok(filter) = Filter::parse(filter_text) else {
        return crest_error(
            StatusCode::BAD_REQUEST,
            &format!(
                "The value '{filter_text}' for parameter '_queryFilter' could not be parsed as a valid query filter"
            ),
        );
    };
    let selection = parse_fields(params.get("_fields").map(String::as_str));
    let result: Vec<Value> = all(&state)
        .iter()
        .filter(|object| filter.matches(*object))
        .map(|object| project(object, &selection, &["_id", "_rev"]))
        .collect();
    let body = json!({
        "result": result,
        "resultCount": result.len(),
        "pagedResultsCookie": null,
        "totalPagedResultsPolicy": "NONE",
        "totalPagedResults": -1,
        "remainingPagedResults": -1,
    });
    ok(StatusCode::OK, Vec::new(), &body)
}

/// `GET /openidm/managed/svcacct/<id>`: a created account for an administrator or itself;
/// the seeded one as `query::read` serves it.
pub async fn read(
    State(state): State<Shared>,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let Some(account) = state.service_accounts.get(&id) else {
        return super::query::read(
            State(state),
            Path(("svcacct".to_string(), id)),
            uri,
            headers,
        )
        .await;
    };
    let token = match guard(&state, &headers) {
        Ok(token) => token,
        Err(refused) => return refused,
    };
    let may_read = match &token.subject {
        Subject::Admin => true,
        Subject::CreatedServiceAccount(own) => *own == id,
        _ => false,
    };
    if !may_read {
        return crest_error(StatusCode::FORBIDDEN, "Access denied");
    }
    let params = query_params(uri.query());
    let selection = parse_fields(params.get("_fields").map(String::as_str));
    ok(
        StatusCode::OK,
        Vec::new(),
        &project(&account.object, &selection, &["_id", "_rev"]),
    )
}

/// `DELETE /openidm/managed/svcacct/<id>` (administrators only; `If-Match` as IDM checks
/// it): answers the deleted object. Its tokens stop working at once (assumed: the tenant's
/// tokens are checked against the account on use).
pub async fn delete(
    State(state): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    state.stats.record_idm_write();
    if let Err(refused) = admin(&state, &headers) {
        return refused;
    }
    if id == state.service_account.id {
        // The seeded account stays: other tests sign in with it (sandbox choice).
        return crest_error(StatusCode::FORBIDDEN, "Access denied");
    }
    let Some(account) = state.service_accounts.get(&id) else {
        return crest_error(
            StatusCode::NOT_FOUND,
            &format!("Object {id} not found in managed/svcacct"),
        );
    };
    let rev = account.object["_rev"].as_str().unwrap_or_default();
    if let Some(expected) = headers
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().trim_matches('"'))
        && expected != "*"
        && expected != rev
    {
        return crest_error(
            StatusCode::PRECONDITION_FAILED,
            &format!(
                "Update rejected as current Object revision {rev} is different than expected by caller ({expected}), the object has changed since retrieval."
            ),
        );
    }
    state.service_accounts.remove(&id);
    state.keep();
    let subject = Subject::CreatedServiceAccount(id);
    crate::state::lock(&state.tokens).retain(|_, token| token.subject != subject);
    ok(StatusCode::OK, Vec::new(), &account.object)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public_jwks(bits: usize) -> (String, rsa::RsaPrivateKey) {
        use rsa::traits::PublicKeyParts as _;
        let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, bits).unwrap();
        let b64 = |bytes: Vec<u8>| URL_SAFE_NO_PAD.encode(bytes);
        let jwk = json!({"kty": "RSA", "alg": "RS256", "kid": "k", "e": b64(key.e().to_bytes_be()), "n": b64(key.n().to_bytes_be())});
        (json!({"keys": [jwk]}).to_string(), key)
    }

    fn body(jwks: &str) -> Map<String, Value> {
        json!({"name": "ci-bot", "description": "CI", "accountStatus": "active", "scopes": ["fr:idm:*"], "jwks": jwks})
            .as_object()
            .unwrap()
            .clone()
    }

    fn requirement(failures: &[Value], property: &str) -> String {
        failures
            .iter()
            .find(|f| f["property"] == property)
            .map(|f| {
                f["policyRequirements"][0]["policyRequirement"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .unwrap_or_default()
    }

    #[test]
    fn a_recorded_create_body_is_accepted_and_bad_fields_are_named() {
        let (jwks, _) = public_jwks(2048);
        let (object, n, e) = validate(&body(&jwks)).unwrap();
        assert_eq!(object["jwks"], json!(jwks));
        assert_eq!(e, vec![1, 0, 1]);
        assert_eq!(n.len(), 256);
        // The 2023 recordings wrote `Active`.
        let mut capital = body(&jwks);
        capital.insert("accountStatus".into(), json!("Active"));
        assert!(validate(&capital).is_ok());

        let mut bad = body(&jwks);
        bad.remove("name");
        bad.insert("accountStatus".into(), json!("enabled"));
        bad.insert("scopes".into(), json!(["fr:idm:*", "fr:iga:*", "openid"]));
        let failures = validate(&bad).unwrap_err();
        assert_eq!(requirement(&failures, "name"), "REQUIRED");
        assert_eq!(requirement(&failures, "accountStatus"), "REQUIRED");
        assert_eq!(requirement(&failures, "scopes"), "VALID_SCOPES");
        let scopes = failures.iter().find(|f| f["property"] == "scopes").unwrap();
        assert_eq!(
            scopes["policyRequirements"][0]["params"]["invalidScopes"],
            json!(["fr:iga:*", "openid"])
        );
    }

    #[test]
    fn the_jwks_must_be_a_public_rsa_key_of_2048_bits_or_more() {
        let (jwks, _) = public_jwks(1024);
        assert_eq!(
            public_key(&jwks).unwrap_err(),
            "the RSA key is shorter than 2048 bits"
        );
        let (jwks, _) = public_jwks(2048);
        let mut document: Value = serde_json::from_str(&jwks).unwrap();
        document["keys"][0]["d"] = json!("c2VjcmV0");
        assert_eq!(
            public_key(&document.to_string()).unwrap_err(),
            "private key members in a public key set"
        );
        // The JWKS as an object, not a string, is refused: the tenant stores a string.
        let mut as_object = body(&jwks);
        as_object.insert("jwks".into(), serde_json::from_str(&jwks).unwrap());
        assert_eq!(
            requirement(&validate(&as_object).unwrap_err(), "jwks"),
            "REQUIRED"
        );
        assert!(public_key("{").is_err() && public_key(r#"{"keys":[]}"#).is_err());
    }
}
