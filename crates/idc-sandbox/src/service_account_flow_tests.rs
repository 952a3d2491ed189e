//! The service-account handlers end to end in one process: an administrator creates an
//! account, which then signs in with the JWT-bearer grant, limited to its scopes, until it
//! is deleted.

use crate::idm::svcacct::{create, delete, query};
use crate::state::AppState;
use crate::state::{Shared, Subject};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderValue;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use clap::Parser as _;
use serde_json::{Value, json};
use std::sync::Arc;

fn sandbox() -> (Shared, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let cli =
        crate::setup::Cli::parse_from(["idc-sandbox", "--state-dir", dir.path().to_str().unwrap()]);
    let (state, _) = crate::setup::build_state(&cli).unwrap();
    (Arc::new(state), dir)
}

fn bearer(state: &AppState, subject: Subject) -> HeaderMap {
    let token = state.issue_token(vec!["fr:idm:*".into()], 900, subject);
    let mut headers = HeaderMap::new();
    headers.insert(header::HOST, HeaderValue::from_static("127.0.0.1:9"));
    headers.insert(
        header::AUTHORIZATION,
        HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
    );
    headers
}

async fn body_of(response: Response) -> (StatusCode, Value) {
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// A JWT-bearer grant for `id`, signed with `key`, asking for `scope`.
async fn grant(
    state: &Shared,
    id: &str,
    key: &rsa::RsaPrivateKey,
    scope: &str,
) -> (StatusCode, Value) {
    use rsa::pkcs1::EncodeRsaPrivateKey as _;
    let der = key.to_pkcs1_der().unwrap();
    let claims = json!({"iss": id, "sub": id, "aud": "http://127.0.0.1:9/am/oauth2/access_token",
        "exp": chrono::Utc::now().timestamp() + 180, "jti": uuid::Uuid::new_v4().to_string()});
    let mut jwt_header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    jwt_header.typ = None;
    let assertion = jsonwebtoken::encode(
        &jwt_header,
        &claims,
        &jsonwebtoken::EncodingKey::from_rsa_der(der.as_bytes()),
    )
    .unwrap();
    let form: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("assertion", &assertion)
        .append_pair("client_id", "service-account")
        .append_pair("grant_type", crate::am::oauth::JWT_BEARER)
        .append_pair("scope", scope)
        .finish();
    let mut headers = HeaderMap::new();
    headers.insert(header::HOST, HeaderValue::from_static("127.0.0.1:9"));
    body_of(
        crate::am::oauth::access_token_root(
            State(state.clone()),
            "/am/oauth2/access_token".parse().unwrap(),
            headers,
            Bytes::from(form),
        )
        .await,
    )
    .await
}

#[tokio::test(flavor = "current_thread")]
async fn a_created_account_signs_in_with_its_scopes_until_deleted() {
    let (state, _dir) = sandbox();
    let (jwks, key) = tests_key();
    let request = |headers: HeaderMap| {
        create(
            State(state.clone()),
            "/openidm/managed/svcacct?_action=create".parse().unwrap(),
            headers,
            Bytes::from(
                json!({"name": "ci-bot", "description": "CI", "accountStatus": "active",
                    "scopes": ["fr:idm:*"], "jwks": jwks})
                .to_string(),
            ),
        )
    };
    // Only a tenant administrator creates accounts.
    let (status, _) = body_of(request(bearer(&state, Subject::ServiceAccount)).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let response = request(bearer(&state, Subject::Admin)).await;
    let location = response.headers()["location"].to_str().unwrap().to_string();
    let (status, created) = body_of(response).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["_id"].as_str().unwrap().to_string();
    assert_eq!(
        location,
        format!("http://127.0.0.1:9/openidm/managed/svcacct/{id}")
    );
    assert_eq!(created["quotaLimit"], "5");

    let (status, answer) = grant(&state, &id, &key, "fr:idm:* fr:am:*").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        answer["error_description"],
        "Unsupported scope for service account: fr:am:*"
    );
    let (status, answer) = grant(&state, &id, &key, "fr:idm:*").await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["scope"], "fr:idm:*");
    let token = answer["access_token"].as_str().unwrap().to_string();
    // Another key does not sign for this account.
    let (_, other) = tests_key();
    assert_eq!(
        grant(&state, &id, &other, "fr:idm:*").await.0,
        StatusCode::BAD_REQUEST
    );

    let listed = body_of(
        query(
            State(state.clone()),
            "/openidm/managed/svcacct?_queryFilter=name%20eq%20%22ci-bot%22&_fields=name,scopes"
                .parse()
                .unwrap(),
            bearer(&state, Subject::Admin),
        )
        .await,
    )
    .await
    .1;
    assert_eq!(listed["resultCount"], 1, "{listed}");
    assert_eq!(listed["result"][0]["scopes"], json!(["fr:idm:*"]));
    assert_eq!(state.service_accounts.objects().len(), 1);

    let mut stale = bearer(&state, Subject::Admin);
    stale.insert(header::IF_MATCH, HeaderValue::from_static("\"0-0\""));
    let (status, _) = body_of(delete(State(state.clone()), Path(id.clone()), stale).await).await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED);
    let mut current = bearer(&state, Subject::Admin);
    current.insert(
        header::IF_MATCH,
        HeaderValue::from_str(created["_rev"].as_str().unwrap()).unwrap(),
    );
    let (status, _) = body_of(delete(State(state.clone()), Path(id.clone()), current).await).await;
    assert_eq!(status, StatusCode::OK);
    let mut with_token = HeaderMap::new();
    with_token.insert(
        header::AUTHORIZATION,
        HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
    );
    assert!(
        state.bearer(&with_token).is_none(),
        "the deleted account's token still works"
    );
    assert_ne!(grant(&state, &id, &key, "fr:idm:*").await.0, StatusCode::OK);
    let (status, _) = body_of(
        delete(
            State(state.clone()),
            Path(id),
            bearer(&state, Subject::Admin),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let mut snapshot = json!({});
    state.service_accounts.add_counters(&mut snapshot);
    assert_eq!(snapshot["service_accounts_created"], 1);
}

fn tests_key() -> (String, rsa::RsaPrivateKey) {
    use rsa::traits::PublicKeyParts as _;
    let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap();
    let b64 = |bytes: Vec<u8>| URL_SAFE_NO_PAD.encode(bytes);
    let jwk = json!({"kty": "RSA", "alg": "RS256", "e": b64(key.e().to_bytes_be()), "n": b64(key.n().to_bytes_be())});
    (json!({"keys": [jwk]}).to_string(), key)
}
