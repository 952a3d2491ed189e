//! Property tests of the parsers of what a tenant (or a user) sends: no input panics, and
//! no tenant text reaches a message with a control character in it.

use proptest::prelude::*;

use crate::auth::TokenResponse;
use crate::error::describe_error_body;

/// Text rich in what breaks parsers: controls, escapes, entities, quotes, non-ASCII.
fn hostile_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            any::<char>().prop_map(String::from),
            Just("&#27;".to_string()),
            Just("&#x9b;".to_string()),
            Just("\u{1b}]0;".to_string()),
            Just("\"".to_string()),
            Just("<title>".to_string()),
            Just("</title>".to_string()),
            Just("%".to_string()),
            Just("@".to_string()),
            Just("\\".to_string()),
        ],
        0..40,
    )
    .prop_map(|parts| parts.concat())
}

fn no_control(text: &str) -> bool {
    !text.chars().any(char::is_control)
}

proptest! {
    #[test]
    fn error_bodies_never_panic_nor_pass_control_characters(
        status in 100u16..600,
        message in hostile_text(),
        html in any::<bool>(),
    ) {
        let json = serde_json::json!({"code": status, "reason": message, "message": message,
            "error": message, "error_description": message}).to_string();
        for body in [json.as_bytes(), message.as_bytes()] {
            let content_type = if html { Some("text/html") } else { Some("application/json") };
            let line = describe_error_body(status, content_type, body);
            prop_assert!(no_control(&line), "{line:?}");
        }
    }

    #[test]
    fn token_answers_never_panic(value in prop_oneof![
        any::<f64>().prop_map(|n| serde_json::json!(n)),
        any::<i64>().prop_map(|n| serde_json::json!(n)),
        any::<u64>().prop_map(|n| serde_json::json!(n)),
        hostile_text().prop_map(|text| serde_json::json!(text)),
    ]) {
        let body = serde_json::json!({"access_token": "t", "expires_in": value}).to_string();
        if let Ok(token) = serde_json::from_str::<TokenResponse>(&body) {
            prop_assert!((0..=crate::auth::MAX_EXPIRES_IN_SECONDS).contains(&token.expires_in));
            let cached = crate::credentials::cache::CachedCredential::bearer(token, "sa", &[]);
            prop_assert!(cached.expires_at >= chrono::Utc::now() - chrono::Duration::seconds(5));
        }
    }

    #[test]
    fn tenant_urls_never_panic_nor_leak_a_password(host in hostile_text(), tail in hostile_text()) {
        let input = format!("https://u:CanaryPw@{host}{tail}");
        if let Err(error) = crate::profile::parse_tenant_url(&input) {
            prop_assert!(!error.to_string().contains("CanaryPw"), "{error}");
        }
        let _ = crate::profile::parse_tenant_url(&host);
    }

    /// A password holding `/`, `?`, `#`, `@` or digits (that read as a port) is never
    /// echoed, whatever surrounds it.
    #[test]
    fn passwords_with_url_delimiters_never_leak(
        before in "[/?#@:0-9]{0,3}",
        after in "[/?#@:0-9]{0,3}",
        tail in "[a-z/?#@.:]{0,8}",
    ) {
        let input = format!("https://alice:{before}CanaryPw{after}@tenant.example{tail}");
        if let Err(error) = crate::profile::parse_tenant_url(&input) {
            prop_assert!(!error.to_string().contains("CanaryPw"), "{error}");
        } else {
            prop_assert!(false, "{input} was taken for a tenant URL");
        }
    }

    #[test]
    fn pages_of_any_shape_end(cookies in prop::collection::vec(hostile_text(), 1..20)) {
        let pages: Vec<serde_json::Value> = cookies
            .iter()
            .map(|cookie| serde_json::json!({"result": [], "pagedResultsCookie": cookie}))
            .collect();
        let mut served = pages.clone().into_iter();
        let pager = crate::paging::Pager::new(pages[0].clone(), move |_| {
            Ok(served.next().unwrap_or(serde_json::json!({"result": [], "pagedResultsCookie": null})))
        });
        prop_assert!(pager.count() <= 2, "only errors, at most one");
    }
}
