//! An admin console session handed over: the cookie copied out of the browser, in any of
//! the shapes a person pastes (the bare value, `name=value`, a whole `Cookie:` header line),
//! reduced to the session token, then checked with the tenant (`getSessionInfo`) before it
//! is exchanged for an IDM bearer as a journey's session is.
//!
//! No message here carries the cookie, nor any part of what was pasted: a name that is not
//! the tenant's may be a piece of the value cut at an `=`.

use url::Url;

use crate::auth::session::{self, SessionInfo};
use crate::error::{Error, LoginProblem, Refusal, Result};
use crate::http::HttpClient;
use crate::secret::Secret;

/// The session token in `text`, as pasted, for the tenant whose session cookie is named
/// `cookie_name` (`GET /am/json/serverinfo/*` → `cookieName`).
///
/// - a bare value: `AQIC5w...*` (no `=` and no `;`);
/// - `name=value`, or a `Set-Cookie`-like `name=value; Path=/; HttpOnly`;
/// - a `Cookie:` line from the browser's developer tools, other cookies included.
///
/// A byte-order mark, surrounding whitespace and line ends are not part of it; quotes
/// around the value (RFC 6265 allows them) are dropped.
pub fn parse_session_cookie(text: &str, cookie_name: &str) -> Result<Secret<String>> {
    let text = text.trim_start_matches('\u{feff}').trim();
    if text.is_empty() {
        return Err(empty(cookie_name));
    }
    let (pairs, header_line) = match strip_header_name(text) {
        Some(rest) => (rest, true),
        None => (text, false),
    };
    if pairs.trim().is_empty() {
        return Err(empty(cookie_name));
    }
    let value = if !header_line && !pairs.contains('=') && !pairs.contains(';') {
        pairs
    } else {
        let found = pairs
            .split(';')
            .filter_map(|pair| pair.split_once('='))
            .find(|(name, _)| name.trim() == cookie_name);
        match found {
            Some((_, value)) => value.trim(),
            None if header_line => {
                return Err(LoginProblem::CookieLineWithout {
                    cookie_name: cookie_name.to_string(),
                }
                .into());
            }
            None => {
                return Err(LoginProblem::CookieNotNamed {
                    cookie_name: cookie_name.to_string(),
                }
                .into());
            }
        }
    };
    let value = value
        .strip_prefix('"')
        .and_then(|inner| inner.strip_suffix('"'))
        .unwrap_or(value);
    if value.is_empty() {
        return Err(empty(cookie_name));
    }
    if value
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == ',' || c == '\\')
    {
        return Err(LoginProblem::CookieCharacters {
            cookie_name: cookie_name.to_string(),
        }
        .into());
    }
    Ok(Secret::new(value.to_string()))
}

fn empty(cookie_name: &str) -> Error {
    LoginProblem::CookieEmpty {
        cookie_name: cookie_name.to_string(),
    }
    .into()
}

/// The pairs after `Cookie:` (any case), or `None` when `text` is not a header line.
fn strip_header_name(text: &str) -> Option<&str> {
    let (name, rest) = text.split_once(':')?;
    name.trim().eq_ignore_ascii_case("cookie").then_some(rest)
}

/// Whether the tenant still knows `session` as a tenant administrator's (root realm):
/// what it says of it, or one message for a session that is bad, ended, expired, of another
/// tenant, or a realm user's.
pub fn check(client: &HttpClient, tenant: &Url, session: &Secret<String>) -> Result<SessionInfo> {
    let info =
        session::session_info(client, tenant, session)?.ok_or_else(|| Refusal::UnknownSession {
            tenant: crate::profile::tenant_text(tenant),
        })?;
    if info.realm != "/" {
        return Err(Refusal::RealmUserSession {
            realm: crate::auth::realm::realm_label(&info.realm),
        }
        .into());
    }
    Ok(info)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing as mock_tenant;
    use serde_json::json;

    const NAME: &str = "6ac6499e9da2071";
    const TOKEN: &str = "cPgbjDS0L3Gf4DLNpNlDt8WHFE0.*AAJTSQACMDIAAlNLABxZdVdJWEJQeGZiYVB4aEZqdGZqK2xEYkFvMTA9AAR0eXBlAANDVFMAAlMxAAIwMQ..*";

    fn parsed(text: &str) -> String {
        parse_session_cookie(text, NAME)
            .unwrap_or_else(|err| panic!("{text:?}: {err}"))
            .expose()
            .clone()
    }

    fn refused(text: &str) -> String {
        let err = parse_session_cookie(text, NAME).unwrap_err();
        assert!(matches!(err, Error::Login(_)), "{err:?}");
        let message = err.to_string();
        assert!(!message.contains(TOKEN), "{message}");
        assert!(!message.contains("AQIC"), "{message}");
        message
    }

    #[test]
    fn the_bare_value() {
        assert_eq!(parsed(TOKEN), TOKEN);
        assert_eq!(parsed(&format!("{TOKEN}\n")), TOKEN);
        assert_eq!(parsed(&format!("  {TOKEN}\r\n")), TOKEN);
        assert_eq!(parsed(&format!("\u{feff}{TOKEN}\r\n")), TOKEN);
        assert_eq!(parsed(&format!("\"{TOKEN}\"")), TOKEN);
    }

    #[test]
    fn name_equals_value() {
        assert_eq!(parsed(&format!("{NAME}={TOKEN}")), TOKEN);
        assert_eq!(parsed(&format!("{NAME}={TOKEN}\r\n")), TOKEN);
        assert_eq!(parsed(&format!("\u{feff}{NAME}={TOKEN}\n")), TOKEN);
        assert_eq!(parsed(&format!("{NAME} = {TOKEN}")), TOKEN);
        // As a Set-Cookie header or a devtools row copies it, attributes and all.
        assert_eq!(
            parsed(&format!("{NAME}={TOKEN}; Path=/; Secure; HttpOnly")),
            TOKEN
        );
    }

    #[test]
    fn a_whole_cookie_line_with_other_cookies() {
        let line =
            format!("Cookie: amlbcookie=01; {NAME}={TOKEN}; OAUTH_REQUEST_ATTRIBUTES=DELETED\r\n");
        assert_eq!(parsed(&line), TOKEN);
        assert_eq!(parsed(&format!("cookie:{NAME}={TOKEN}")), TOKEN);
        assert_eq!(parsed(&format!("COOKIE:   {NAME}={TOKEN};")), TOKEN);
        // Only the exact name: a cookie whose name merely ends like it is another one.
        let line = format!("Cookie: x{NAME}=other; {NAME}={TOKEN}");
        assert_eq!(parsed(&line), TOKEN);
    }

    #[test]
    fn another_name_is_refused_without_echoing_anything() {
        let message = refused(&format!("iPlanetDirectoryPro={TOKEN}"));
        assert!(message.contains(&format!("'{NAME}'")), "{message}");
        assert!(!message.contains("iPlanetDirectoryPro"), "{message}");
        let message = refused(&format!("Cookie: amlbcookie=01; other={TOKEN}"));
        assert!(message.contains("Cookie: line has no cookie"), "{message}");
        assert!(!message.contains("amlbcookie"), "{message}");
    }

    #[test]
    fn empty_input_is_refused() {
        for text in [
            "",
            "\n",
            "\r\n",
            "\u{feff}",
            "   ",
            "Cookie:",
            &format!("{NAME}="),
        ] {
            let message = refused(text);
            assert!(
                message.contains("no session cookie was given"),
                "{text:?}: {message}"
            );
        }
    }

    #[test]
    fn a_value_with_spaces_or_line_ends_inside_is_refused() {
        let message = refused(&format!("{TOKEN}\n{TOKEN}"));
        assert!(message.contains("alone"), "{message}");
        refused(&format!("AQIC {TOKEN}"));
        refused(&format!("{NAME}=AQIC\u{7}{TOKEN}"));
    }

    fn client() -> HttpClient {
        crate::http::build_client().unwrap()
    }

    #[test]
    fn an_administrators_live_session_passes_the_check() {
        let tenant = mock_tenant::serve(vec![mock_tenant::reply(
            200,
            json!({"username": "c53c2f47-5d19-4a24-b152-e8ce288f6457", "realm": "/",
                "maxIdleExpirationTime": "2099-07-10T02:04:58Z",
                "maxSessionExpirationTime": "2099-07-10T03:34:57Z"}),
        )]);
        let session = Secret::new(TOKEN.to_string());
        let info = check(&client(), &tenant.url, &session).unwrap();
        assert_eq!(info.username, "c53c2f47-5d19-4a24-b152-e8ce288f6457");
        let requests = tenant.requests();
        assert_eq!(
            requests[0].target,
            "/am/json/realms/root/sessions/?_action=getSessionInfo"
        );
        assert_eq!(requests[0].json(), json!({"tokenId": TOKEN}));
    }

    #[test]
    fn an_ended_or_foreign_session_is_one_message_without_the_token() {
        let tenant = mock_tenant::serve(vec![
            mock_tenant::reply(
                401,
                json!({"code": 401, "reason": "Unauthorized", "message": "Invalid Session"}),
            ),
            mock_tenant::reply(
                200,
                json!({"username": "bjensen", "realm": "/alpha",
                    "maxIdleExpirationTime": "2099-07-10T02:04:58Z",
                    "maxSessionExpirationTime": "2099-07-10T03:34:57Z"}),
            ),
        ]);
        let session = Secret::new(TOKEN.to_string());
        let ended = check(&client(), &tenant.url, &session).unwrap_err();
        assert!(
            matches!(ended, Error::Refused(Refusal::UnknownSession { .. })),
            "{ended:?}"
        );
        assert!(ended.to_string().contains("does not know this session"));
        let user = check(&client(), &tenant.url, &session).unwrap_err();
        assert!(user.to_string().contains("realm alpha"), "{user}");
        for err in [ended, user] {
            assert!(!format!("{err} {err:?}").contains(TOKEN));
        }
    }
}
