//! Device login (RFC 8628) for a public client of a realm: ask for a device code, show
//! the user where to enter the user code, then poll the token endpoint at the tenant's
//! `interval` (5 s more after each `slow_down`) until the user has logged in, refused,
//! the code expired, the timeout passed or the user stopped.

use std::time::Duration;

use serde::Deserialize;

use crate::auth::Ended;
use crate::auth::login_steps::{LoginInteraction, LoginStep};
use crate::auth::pkce::Pkce;
use crate::auth::user_tokens::{Granted, PublicClient, UserTokens, granted};
use crate::error::{NotCompleted, Refusal, Result};
use crate::http::{self, HttpClient};
use crate::interrupt::{Clock, Interrupt, Slept, SystemClock};
use crate::secret::Secret;

/// The device grant's `grant_type`.
pub const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// RFC 8628's polling interval when the tenant names none, and the bounds believed.
const DEFAULT_INTERVAL: u64 = 5;
const MAX_INTERVAL: u64 = 60;
/// What `slow_down` adds to the interval (RFC 8628 §3.5).
const SLOW_DOWN_STEP: u64 = 5;

/// The device authorization answer (RFC 8628 §3.2).
#[derive(Debug, Deserialize)]
struct DeviceAuthorization {
    device_code: Secret<String>,
    user_code: String,
    verification_uri: String,
    #[serde(default)]
    verification_uri_complete: Option<String>,
    #[serde(default)]
    expires_in: Option<f64>,
    #[serde(default)]
    interval: Option<f64>,
}

pub struct DeviceLogin<'a> {
    pub client: PublicClient<'a>,
    pub scopes: &'a [String],
    pub timeout: Duration,
}

/// Run the device login; the tokens, or why there are none.
pub fn login(
    http: &HttpClient,
    login: &DeviceLogin,
    interaction: &dyn LoginInteraction,
    interrupt: &Interrupt,
) -> std::result::Result<UserTokens, Ended> {
    login_on(http, login, interaction, interrupt, &SystemClock)
}

/// [`login`], waiting between polls on `clock`.
fn login_on(
    http: &HttpClient,
    login: &DeviceLogin,
    interaction: &dyn LoginInteraction,
    interrupt: &Interrupt,
    clock: &dyn Clock,
) -> std::result::Result<UserTokens, Ended> {
    let pkce = Pkce::generate();
    let authorization = request_code(http, login, &pkce)?;
    interaction.show(&LoginStep::EnterCode {
        verification_uri: authorization.verification_uri.clone(),
        user_code: authorization.user_code.clone(),
        complete: authorization.verification_uri_complete.clone(),
    });
    let started = clock.now();
    let code_lifetime = authorization
        .expires_in
        .filter(|seconds| seconds.is_finite() && *seconds > 0.0)
        .map(|seconds| Duration::from_secs_f64(seconds.min(86_400.0)));
    let timeout_at = started + login.timeout;
    let expires_at = code_lifetime.map(|lifetime| started + lifetime);
    let mut interval = authorization
        .interval
        .filter(|seconds| seconds.is_finite())
        .map_or(DEFAULT_INTERVAL, |seconds| seconds.round() as u64)
        .clamp(1, MAX_INTERVAL);
    let ended = Ended::NotCompleted;
    loop {
        let now = clock.now();
        if expires_at.is_some_and(|at| at <= now) {
            return Err(ended(NotCompleted::CodeExpired));
        }
        if timeout_at <= now {
            return Err(ended(NotCompleted::TimedOut {
                seconds: login.timeout.as_secs(),
            }));
        }
        let mut wake = (now + Duration::from_secs(interval)).min(timeout_at);
        if let Some(at) = expires_at {
            wake = wake.min(at);
        }
        if interrupt.sleep_on(wake - now, clock) == Slept::Interrupted {
            return Err(ended(NotCompleted::Interrupted));
        }
        // Woken by the timeout or the code's end: the loop's top says which.
        let now = clock.now();
        if now >= timeout_at || expires_at.is_some_and(|at| at <= now) {
            continue;
        }
        let answer = login.client.token_request(
            http,
            &[
                ("grant_type", DEVICE_CODE_GRANT),
                ("device_code", authorization.device_code.expose()),
                ("code_verifier", pkce.verifier.expose()),
            ],
        )?;
        let path = login.client.endpoint(&["access_token"]);
        match granted(answer, path.path())? {
            Granted::Tokens(tokens) => return Ok(*tokens),
            Granted::Refused(refusal) => match refusal.error.as_str() {
                "authorization_pending" => {}
                "slow_down" => {
                    interval = (interval + SLOW_DOWN_STEP).min(MAX_INTERVAL);
                    interaction.show(&LoginStep::SlowDown { seconds: interval });
                }
                "expired_token" => return Err(ended(NotCompleted::CodeExpired)),
                _ => return Err(Ended::refused(refusal)),
            },
        }
    }
}

/// `POST .../device/code` with the client, the scopes and a PKCE challenge.
fn request_code(
    http: &HttpClient,
    login: &DeviceLogin,
    pkce: &Pkce,
) -> Result<DeviceAuthorization> {
    let url = login.client.endpoint(&["device", "code"]);
    let scope = login.scopes.join(" ");
    let form = [
        ("client_id", login.client.client_id),
        ("scope", scope.as_str()),
        ("code_challenge", pkce.challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    let answer = http::send(http, login.client.tenant, url.path(), |client| {
        client.post(url.clone()).form(&form)
    })?;
    if answer.is_success() {
        return answer.json_as(url.path());
    }
    match answer.oauth_error() {
        Some(refusal) if login.client.is_builtin() && refusal.error == "invalid_scope" => {
            Err(crate::auth::builtin::scopes_refused(&refusal.said()))
        }
        Some(refusal) if matches!(answer.status, 400 | 401 | 403) => {
            let client_refused = login
                .client
                .is_builtin()
                .then(|| {
                    crate::auth::builtin::client_refused(
                        &refusal.error,
                        refusal.description.as_deref(),
                    )
                })
                .flatten();
            Err(match client_refused {
                Some(problem) => problem.into(),
                None => Refusal::DeviceCode {
                    client_id: login.client.client_id.to_string(),
                    said: refusal.said(),
                }
                .into(),
            })
        }
        _ => Err(answer.error("POST", url.path())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing as mock_tenant;
    use std::sync::Arc;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Instant;

    /// A clock that moves only when slept on, so the login's waits cost no real time. It
    /// adds each sleep to the wait after the mock tenant's latest answer: `waits[n]` is how
    /// long the login waited after answer n (the device code is answer 1).
    struct TestClock {
        start: Instant,
        elapsed: Mutex<Duration>,
        answered: Arc<AtomicUsize>,
        waits: Mutex<Vec<Duration>>,
    }

    impl TestClock {
        fn new(tenant: &mock_tenant::MockTenant) -> TestClock {
            TestClock {
                start: Instant::now(),
                elapsed: Mutex::default(),
                answered: tenant.answered.clone(),
                waits: Mutex::default(),
            }
        }

        /// The whole time slept, and the waits after each answer (index: answers so far).
        fn slept(&self) -> (Duration, Vec<Duration>) {
            (
                *self.elapsed.lock().unwrap(),
                self.waits.lock().unwrap().clone(),
            )
        }
    }

    impl Clock for TestClock {
        fn now(&self) -> Instant {
            self.start + *self.elapsed.lock().unwrap()
        }

        fn sleep(&self, duration: Duration) {
            *self.elapsed.lock().unwrap() += duration;
            let answered = self.answered.load(Ordering::SeqCst);
            let mut waits = self.waits.lock().unwrap();
            if waits.len() <= answered {
                waits.resize(answered + 1, Duration::ZERO);
            }
            waits[answered] += duration;
        }
    }

    #[derive(Default)]
    struct Terminal(Mutex<Vec<LoginStep>>);
    impl LoginInteraction for Terminal {
        fn show(&self, step: &LoginStep) {
            self.0.lock().unwrap().push(step.clone());
        }
    }

    fn code_answer(interval: u64, expires_in: u64) -> mock_tenant::Reply {
        mock_tenant::reply(
            200,
            serde_json::json!({
                "device_code": "dev-code", "user_code": "WDJB-MJHT",
                "verification_uri": "https://t/am/oauth2/device/user",
                "verification_uri_complete": "https://t/am/oauth2/device/user?user_code=WDJB-MJHT",
                "expires_in": expires_in, "interval": interval
            }),
        )
    }

    fn refusal(error: &str) -> mock_tenant::Reply {
        mock_tenant::reply(
            400,
            serde_json::json!({"error": error, "error_description": "x"}),
        )
    }

    fn run(
        tenant: &url::Url,
        timeout: Duration,
        terminal: &Terminal,
        clock: &TestClock,
    ) -> std::result::Result<UserTokens, Ended> {
        let http = crate::http::build_client().unwrap();
        let scopes = ["openid".to_string()];
        let login = DeviceLogin {
            client: PublicClient {
                tenant,
                realm: "alpha",
                client_id: "idc-cli",
            },
            scopes: &scopes,
            timeout,
        };
        login_on(&http, &login, terminal, &Interrupt::never(), clock)
    }

    #[test]
    fn polls_at_the_interval_honours_slow_down_and_shows_the_code() {
        let tenant = mock_tenant::serve(vec![
            code_answer(1, 600),
            refusal("authorization_pending"),
            refusal("slow_down"),
            mock_tenant::reply(
                200,
                serde_json::json!({"access_token": "at", "refresh_token": "rt", "expires_in": 3599}),
            ),
        ]);
        let terminal = Terminal::default();
        let clock = TestClock::new(&tenant);
        let started = Instant::now();
        let tokens = run(&tenant.url, Duration::from_secs(60), &terminal, &clock).unwrap();
        assert_eq!(tokens.access.access_token.expose(), "at");
        // The tenant's interval of 1 s after the code and after authorization_pending, then
        // 1 + 5 s after slow_down (RFC 8628 §3.5); 8 s in all, on the test's clock.
        let secs = Duration::from_secs;
        assert_eq!(
            clock.slept(),
            (secs(8), vec![secs(0), secs(1), secs(1), secs(6)])
        );
        assert!(
            started.elapsed() < secs(5),
            "slept in real time: {:?}",
            started.elapsed()
        );
        let shown = terminal.0.lock().unwrap();
        assert!(
            matches!(&shown[0], LoginStep::EnterCode { user_code, complete: Some(_), .. } if user_code == "WDJB-MJHT")
        );
        assert_eq!(shown[1], LoginStep::SlowDown { seconds: 6 });

        let requests = tenant.requests();
        assert_eq!(
            requests[0].target,
            "/am/oauth2/realms/root/realms/alpha/device/code"
        );
        let form = requests[0].form();
        assert!(form.contains(&("client_id".into(), "idc-cli".into())));
        assert!(form.contains(&("scope".into(), "openid".into())));
        let poll = requests[1].form();
        assert!(poll.contains(&("grant_type".into(), DEVICE_CODE_GRANT.into())));
        assert!(poll.contains(&("device_code".into(), "dev-code".into())));
        assert!(poll.contains(&("client_id".into(), "idc-cli".into())));
    }

    #[test]
    fn expired_denied_and_timed_out_are_each_one_clear_end() {
        // (answers, --timeout, the end, how long the login waited on its clock)
        for (replies, timeout, expected, waited) in [
            (
                vec![code_answer(1, 600), refusal("expired_token")],
                60,
                "the code expired",
                1,
            ),
            (
                vec![code_answer(1, 600), refusal("access_denied")],
                60,
                "the tenant refused it (access_denied: x)",
                1,
            ),
            // The code's 1 s lifetime ends before the tenant is asked at all.
            (vec![code_answer(30, 1)], 60, "the code expired", 1),
            // So does the 2 s --timeout, well before the 30 s interval.
            (
                vec![code_answer(30, 600)],
                2,
                "no answer came back within 2 s",
                2,
            ),
        ] {
            let polls = replies.len() - 1;
            let tenant = mock_tenant::serve(replies);
            let clock = TestClock::new(&tenant);
            let error = run(
                &tenant.url,
                Duration::from_secs(timeout),
                &Terminal::default(),
                &clock,
            )
            .unwrap_err()
            .into_error("me", crate::kinds::AuthFlow::Device);
            let text = error.to_string();
            assert!(
                text.contains("device login was not completed") && text.contains(expected),
                "{text}"
            );
            assert_eq!(clock.slept().0, Duration::from_secs(waited), "{text}");
            assert_eq!(tenant.requests().len(), 1 + polls, "{text}");
        }
    }

    #[test]
    fn ctrl_c_ends_the_wait_at_the_next_look() {
        // The user presses Ctrl-C after the login has looked three times.
        let looks = Mutex::new(0);
        let stopping = Interrupt::new(move || {
            let mut looks = looks.lock().unwrap();
            *looks += 1;
            *looks > 3
        });
        let tenant = mock_tenant::serve(vec![code_answer(5, 600)]);
        let clock = TestClock::new(&tenant);
        let http = crate::http::build_client().unwrap();
        let scopes = ["openid".to_string()];
        let login = DeviceLogin {
            client: PublicClient {
                tenant: &tenant.url,
                realm: "alpha",
                client_id: "idc-cli",
            },
            scopes: &scopes,
            timeout: Duration::from_secs(60),
        };
        let error = login_on(&http, &login, &Terminal::default(), &stopping, &clock)
            .unwrap_err()
            .into_error("me", crate::kinds::AuthFlow::Device);
        assert!(error.to_string().contains("device login was not completed"));
        // Three looks, a POLL apart: the wait ended after three, not after 5 s.
        assert_eq!(clock.slept().0, 3 * crate::interrupt::POLL);
        assert_eq!(tenant.requests().len(), 1, "no poll after Ctrl-C");
    }
}
