//! Browser login: authorization code + PKCE (S256) for a public client of a realm, the
//! code brought back to a loopback redirect `http://127.0.0.1:<port>/callback` (RFC 8252).
//! The authorize URL is always shown (a line of its own), and opened in a browser unless
//! the user said not to. The code and the tokens are never shown.

use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::auth::launch_browser::open_in_browser;
use crate::auth::login_steps::{Launch, LoginInteraction, LoginStep};
use crate::auth::loopback::{Callback, Loopback, NoCallback};
use crate::auth::pkce::{Pkce, Redeemer, redeem_code};
use crate::auth::user_tokens::{Granted, PublicClient, UserTokens, granted};
use crate::auth::{Ended, builtin};
use crate::error::{NotCompleted, Refusal, Result};
use crate::http::{HttpClient, OAuthRefusal};
use crate::interrupt::Interrupt;
use crate::secret::Secret;

/// Whether and how to open the login page.
#[derive(Clone, Copy, Debug)]
pub enum OpenWith<'a> {
    /// Not at all (`--no-browser`): only show the URL.
    Nothing,
    /// `$BROWSER` when given (the front end's environment), else the OS opener.
    Browser(Option<&'a str>),
}

pub struct BrowserLogin<'a> {
    pub client: PublicClient<'a>,
    pub scopes: &'a [String],
    pub redirect_port: Option<u16>,
    pub timeout: Duration,
    pub open_with: OpenWith<'a>,
}

/// Run the browser login; the tokens, or why there are none.
pub fn login(
    http: &HttpClient,
    login: &BrowserLogin,
    interaction: &dyn LoginInteraction,
    interrupt: &Interrupt,
) -> std::result::Result<UserTokens, Ended> {
    let builtin = login.client.is_builtin();
    // The built-in client's registered redirect is on port 3000; `--redirect-port` names
    // another registration's (the sandbox's `--builtin-cli-port`), which the tenant judges.
    let builtin_port = builtin_redirect_port(login);
    let loopback = if builtin {
        Loopback::bind_builtin(builtin_port)?
    } else {
        Loopback::bind(login.redirect_port)?
    };
    let redirect_uri = loopback.redirect_uri();
    let pkce = Pkce::generate();
    let state = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 24]>());
    let url = authorize_url(login, &redirect_uri, &pkce.challenge, &state);
    if builtin {
        // A tenant without the client answers with an error page the terminal would never
        // see: ask before sending anyone to it.
        probe_builtin(http, login, &url, builtin_port)?;
    }
    let launched = match login.open_with {
        OpenWith::Nothing => Launch::NotAsked,
        OpenWith::Browser(browser) => open_in_browser(url.as_str(), browser),
    };
    interaction.show(&LoginStep::OpenUrl {
        url: url.to_string(),
        launched,
    });
    let deadline = Instant::now() + login.timeout;
    match loopback.wait(&state, deadline, interaction, interrupt) {
        Ok(Callback::Code(code)) => Ok(redeem(http, &login.client, &code, &pkce, &redirect_uri)?),
        Ok(Callback::Refused(refusal)) if builtin && refusal.error == "invalid_scope" => {
            Err(builtin::scopes_refused(&refusal.joined()).into())
        }
        Ok(Callback::Refused(refusal)) => {
            let client_refused = builtin
                .then(|| {
                    builtin::client_refused_at(
                        &refusal.error,
                        refusal.description.as_deref(),
                        builtin_port,
                    )
                })
                .flatten();
            Err(match client_refused {
                Some(problem) => problem.into(),
                None => Ended::refused(refusal),
            })
        }
        Err(NoCallback::TimedOut) => Err(Ended::NotCompleted(NotCompleted::TimedOut {
            seconds: login.timeout.as_secs(),
        })),
        Err(NoCallback::Cancelled) => Err(Ended::NotCompleted(NotCompleted::Interrupted)),
    }
}

/// Redeem the login's code (with its PKCE verifier) for tokens.
fn redeem(
    http: &HttpClient,
    public: &PublicClient,
    code: &Secret<String>,
    pkce: &Pkce,
    redirect_uri: &str,
) -> Result<UserTokens> {
    let token_url = public.endpoint(&["access_token"]);
    let answer = redeem_code(
        http,
        public.tenant,
        &token_url,
        Redeemer::Public(public.client_id),
        code,
        &pkce.verifier,
        redirect_uri,
    )?;
    match granted(answer, token_url.path())? {
        Granted::Tokens(tokens) => Ok(*tokens),
        Granted::Refused(refusal) => Err(Refusal::BrowserCode {
            client_id: public.client_id.to_string(),
            said: refusal.said(),
        }
        .into()),
    }
}

/// Ask the tenant for the built-in client's authorize page, as a browser would before
/// anyone signs in: an error page (no such client, a redirect not its own) or a redirect
/// back with `invalid_scope` is the one message now, not a browser left on an error page.
fn probe_builtin(
    http: &HttpClient,
    login: &BrowserLogin,
    url: &url::Url,
    port: u16,
) -> std::result::Result<(), Ended> {
    let answer = crate::http::send(http, login.client.tenant, url.path(), |client| {
        client.get(url.clone())
    })?;
    if answer.status == 400 {
        let page = String::from_utf8_lossy(&answer.body);
        for error in [
            "invalid_client",
            "redirect_uri_mismatch",
            "unauthorized_client",
        ] {
            if page.contains(error)
                && let Some(problem) = builtin::client_refused_at(error, None, port)
            {
                return Err(problem.into());
            }
        }
    }
    let refused = answer
        .location
        .as_deref()
        .filter(|location| location.starts_with(&builtin::redirect_uri(port)))
        .and_then(|location| url::Url::parse(location).ok())
        .and_then(|location| OAuthRefusal::from_query(location.query().unwrap_or("")));
    match refused {
        Some(refusal) if refusal.error == "invalid_scope" => {
            Err(builtin::scopes_refused(&refusal.joined()).into())
        }
        Some(refusal) => Err(
            match builtin::client_refused_at(&refusal.error, refusal.description.as_deref(), port) {
                Some(error) => error.into(),
                None => Ended::refused(refusal),
            },
        ),
        None => Ok(()),
    }
}

/// The port of a built-in client's login: Ping's 3000 unless `--redirect-port` names the
/// port another registration of the client redirects to.
fn builtin_redirect_port(login: &BrowserLogin) -> u16 {
    login.redirect_port.unwrap_or(builtin::BUILTIN_PORT)
}

/// `GET /am/oauth2/realms/root[/realms/R]/authorize?response_type=code&...`.
fn authorize_url(
    login: &BrowserLogin,
    redirect_uri: &str,
    challenge: &str,
    state: &str,
) -> url::Url {
    let mut url = login.client.endpoint(&["authorize"]);
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", login.client.client_id)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("scope", &login.scopes.join(" "))
        .append_pair("state", state)
        .append_pair("code_challenge", challenge)
        .append_pair("code_challenge_method", "S256");
    url
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing as mock_tenant;
    use sha2::{Digest, Sha256};
    use std::io::{Read, Write};
    use std::sync::Mutex;

    /// Plays the user: follows the authorize URL's redirect_uri with the state, as a
    /// browser would after the tenant's pages.
    struct Browser {
        shown: Mutex<Vec<LoginStep>>,
        answer: fn(&url::Url) -> String,
    }

    impl LoginInteraction for Browser {
        fn show(&self, step: &LoginStep) {
            self.shown.lock().unwrap().push(step.clone());
            if let LoginStep::OpenUrl { url, .. } = step {
                let url = url::Url::parse(url).unwrap();
                let query = (self.answer)(&url);
                let redirect = url
                    .query_pairs()
                    .find(|(name, _)| name == "redirect_uri")
                    .unwrap()
                    .1
                    .into_owned();
                std::thread::spawn(move || {
                    let redirect = url::Url::parse(&redirect).unwrap();
                    let mut stream =
                        std::net::TcpStream::connect(("127.0.0.1", redirect.port().unwrap()))
                            .unwrap();
                    write!(
                        stream,
                        "GET {}?{query} HTTP/1.1\r\nHost: x\r\n\r\n",
                        redirect.path()
                    )
                    .unwrap();
                    let mut page = String::new();
                    let _ = stream.read_to_string(&mut page);
                });
            }
        }
    }

    fn param(url: &url::Url, name: &str) -> String {
        url.query_pairs()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    }

    fn run(
        tenant: &url::Url,
        answer: fn(&url::Url) -> String,
    ) -> (std::result::Result<UserTokens, Ended>, Browser) {
        let http = crate::http::build_client().unwrap();
        let scopes = ["openid".to_string(), "fr:idm:*".to_string()];
        let login = BrowserLogin {
            client: PublicClient {
                tenant,
                realm: "root",
                client_id: "idc-cli",
            },
            scopes: &scopes,
            redirect_port: None,
            timeout: Duration::from_secs(10),
            open_with: OpenWith::Nothing,
        };
        let browser = Browser {
            shown: Mutex::new(Vec::new()),
            answer,
        };
        (
            super::login(&http, &login, &browser, &Interrupt::never()),
            browser,
        )
    }

    #[test]
    fn the_code_comes_back_to_the_loopback_and_is_redeemed_with_the_verifier() {
        let tenant = mock_tenant::serve(vec![mock_tenant::reply(
            200,
            serde_json::json!({"access_token": "at", "refresh_token": "rt", "expires_in": 3599, "scope": "openid fr:idm:*"}),
        )]);
        let (tokens, browser) = run(&tenant.url, |url| {
            format!("code=the-code&state={}", param(url, "state"))
        });
        let tokens = tokens.unwrap();
        assert_eq!(tokens.access.access_token.expose(), "at");
        let shown = browser.shown.lock().unwrap();
        let LoginStep::OpenUrl { url, launched } = &shown[0] else {
            panic!("{shown:?}");
        };
        assert_eq!(launched, &Launch::NotAsked);
        let url = url::Url::parse(url).unwrap();
        assert_eq!(url.path(), "/am/oauth2/realms/root/authorize");
        assert_eq!(param(&url, "response_type"), "code");
        assert_eq!(param(&url, "client_id"), "idc-cli");
        assert_eq!(param(&url, "scope"), "openid fr:idm:*");
        assert_eq!(param(&url, "code_challenge_method"), "S256");
        let redirect = param(&url, "redirect_uri");
        assert!(
            redirect.starts_with("http://127.0.0.1:") && redirect.ends_with("/callback"),
            "{redirect}"
        );
        assert!(param(&url, "state").len() >= 32);

        let requests = tenant.requests();
        assert_eq!(requests[0].target, "/am/oauth2/realms/root/access_token");
        let form = requests[0].form();
        let field = |name: &str| {
            form.iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
                .unwrap()
        };
        assert_eq!(field("grant_type"), "authorization_code");
        assert_eq!(field("code"), "the-code");
        assert_eq!(field("redirect_uri"), redirect);
        assert_eq!(field("client_id"), "idc-cli");
        assert_eq!(
            URL_SAFE_NO_PAD.encode(Sha256::digest(field("code_verifier").as_bytes())),
            param(&url, "code_challenge")
        );
    }

    #[test]
    fn the_builtin_client_asks_for_exactly_its_registered_redirect_by_default() {
        let tenant = url::Url::parse("https://tenant.example").unwrap();
        let scopes = ["fr:am:*".to_string(), "fr:idm:*".to_string()];
        let login = BrowserLogin {
            client: PublicClient {
                tenant: &tenant,
                realm: "root",
                client_id: builtin::BUILTIN_CLIENT_ID,
            },
            scopes: &scopes,
            redirect_port: None,
            timeout: Duration::from_secs(10),
            open_with: OpenWith::Nothing,
        };
        let redirect = builtin::redirect_uri(builtin_redirect_port(&login));
        let url = authorize_url(&login, &redirect, "challenge", "state");
        assert_eq!(url.path(), "/am/oauth2/authorize");
        // Verbatim: no trailing slash, localhost, port 3000 (frodo found every other
        // spelling refused with redirect_uri_mismatch).
        assert!(
            url.query()
                .unwrap()
                .contains("&redirect_uri=http%3A%2F%2Flocalhost%3A3000&"),
            "{url}"
        );
        assert_eq!(param(&url, "scope"), "fr:am:* fr:idm:*");
    }

    #[test]
    fn a_denied_consent_is_one_clear_refusal() {
        let tenant = mock_tenant::serve(Vec::new());
        let (result, _) = run(&tenant.url, |url| {
            format!(
                "error=access_denied&error_description=Resource%20owner%20did%20not%20authorize&state={}",
                param(url, "state")
            )
        });
        let error = result
            .unwrap_err()
            .into_error("me", crate::kinds::AuthFlow::Browser);
        let text = error.to_string();
        assert!(
            text.contains("browser login was not completed")
                && text.contains("access_denied: Resource owner did not authorize"),
            "{text}"
        );
        assert!(tenant.requests().is_empty());
    }
}
