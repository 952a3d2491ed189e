//! The browser and device logins as a login step: run the flow with the profile's public
//! client, then hand back the access token to cache and the refresh token to keep.

use super::Obtained;
use crate::auth::browser::{self, BrowserLogin, OpenWith};
use crate::auth::device::{self, DeviceLogin};
use crate::auth::login_steps::{DEFAULT_TIMEOUT, LoginInteraction};
use crate::auth::user_tokens::UserTokens;
use crate::credentials::cache::CachedCredential;
use crate::credentials::{Credentials, RefreshRecord, keys, public_client};
use crate::error::{LoginProblem, Result};
use crate::profile::Profile;
use crate::resolve::{OpenPage, UserLogin};

/// A browser login (authorization code with PKCE) with the public client of `user`.
pub(super) fn browser(
    credentials: &Credentials,
    profile: &Profile,
    user: &UserLogin,
    redirect_port: Option<u16>,
    open: &OpenPage,
    interaction: &dyn LoginInteraction,
) -> Result<Obtained> {
    refuse_the_none_store(credentials, profile)?;
    let http = credentials.client(profile)?;
    let open_with = match open {
        OpenPage::ShowOnly => OpenWith::Nothing,
        OpenPage::Browser { command } => OpenWith::Browser(command.as_deref()),
    };
    let login = BrowserLogin {
        client: public_client(profile, &user.client_id),
        scopes: &user.scopes,
        redirect_port,
        timeout: user.timeout.unwrap_or(DEFAULT_TIMEOUT),
        open_with,
    };
    obtained(
        profile,
        user,
        browser::login(&http, &login, interaction, &interaction.interrupt()),
    )
}

/// A device login (device authorization grant) with the public client of `user`.
pub(super) fn device(
    credentials: &Credentials,
    profile: &Profile,
    user: &UserLogin,
    interaction: &dyn LoginInteraction,
) -> Result<Obtained> {
    refuse_the_none_store(credentials, profile)?;
    let http = credentials.client(profile)?;
    let login = DeviceLogin {
        client: public_client(profile, &user.client_id),
        scopes: &user.scopes,
        timeout: user.timeout.unwrap_or(DEFAULT_TIMEOUT),
    };
    obtained(
        profile,
        user,
        device::login(&http, &login, interaction, &interaction.interrupt()),
    )
}

/// Refused before a browser opens: with `none` the refresh token would live only in this
/// process's memory, die with it, and stay live at the tenant (a process that is killed
/// cannot revoke it), while every later process logs in in the browser again.
fn refuse_the_none_store(credentials: &Credentials, profile: &Profile) -> Result<()> {
    if credentials.store.kind() == crate::credentials::StoreKind::None {
        return Err(LoginProblem::StoreCannotKeepRefresh {
            flow: profile.auth.flow(),
        }
        .into());
    }
    Ok(())
}

/// The access token to cache and the refresh token to keep, from what the flow obtained.
fn obtained(
    profile: &Profile,
    user: &UserLogin,
    tokens: std::result::Result<UserTokens, crate::auth::Ended>,
) -> Result<Obtained> {
    let (client_id, scopes) = (user.client_id.as_str(), &user.scopes);
    // The flows do not know the profile: it is named in their "not completed" errors.
    let tokens = tokens.map_err(|ended| ended.into_error(&profile.name, profile.auth.flow()))?;
    let who = tokens.who();
    let refresh = RefreshRecord::from_tokens(&tokens, client_id, who.clone());
    let mut credential = CachedCredential::bearer(tokens.access, "", scopes);
    credential.subject.clone_from(&who);
    let mut obtained = Obtained::new(credential, who.as_deref().unwrap_or(client_id));
    let builtin = crate::auth::builtin::is_builtin(client_id, &profile.realm);
    match refresh {
        Some(record) => obtained.refresh = Some((keys::refresh_key(profile, client_id), record)),
        // The built-in client never gives one: `status` shows when the login ends.
        None if builtin => {}
        None => obtained.warnings.push(format!(
            "the tenant gave no refresh token to client '{client_id}': the login ends when its access token expires (allow the refresh_token grant for the client)"
        )),
    }
    Ok(obtained)
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};

    use crate::error::Error;
    use std::path::Path;

    use super::*;
    use crate::auth::login_steps::LoginStep;
    use crate::credentials::StoreKind;
    use crate::credentials::store_choice::StoreSetting;
    use crate::http::NetworkEnv;
    use crate::profile::ConfigFile;
    use crate::resolve::LoginRequest;
    use crate::testing as mock_tenant;

    /// Plays the person at the browser: brings `query` (with the login's state) back to
    /// the loopback redirect of the URL shown.
    struct Person {
        query: &'static str,
    }

    impl LoginInteraction for Person {
        fn show(&self, step: &LoginStep) {
            let LoginStep::OpenUrl { url, .. } = step else {
                return;
            };
            let url = url::Url::parse(url).unwrap();
            let param = |name: &str| {
                url.query_pairs()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| v.into_owned())
                    .unwrap()
            };
            let redirect = url::Url::parse(&param("redirect_uri")).unwrap();
            let target = format!("/callback?{}&state={}", self.query, param("state"));
            std::thread::spawn(move || {
                let mut stream =
                    std::net::TcpStream::connect(("127.0.0.1", redirect.port().unwrap())).unwrap();
                write!(stream, "GET {target} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
                let _ = stream.read_to_string(&mut String::new());
            });
        }
    }

    fn request(tenant: &url::Url) -> LoginRequest {
        LoginRequest {
            profile: Some("me".to_string()),
            tenant: Some(tenant.to_string()),
            browser: true,
            client_id: Some("idc-cli".to_string()),
            no_browser: true,
            timeout: Some(std::time::Duration::from_secs(10)),
            ..Default::default()
        }
    }

    fn config_and_cache(dir: &Path) -> (ConfigFile, Credentials) {
        let config = ConfigFile::in_dir(&dir.join("config"));
        let cache = dir.join("cache");
        let credentials = Credentials::new(
            &cache,
            StoreSetting::fixed(StoreKind::File),
            NetworkEnv::default(),
            None,
        );
        (config, credentials)
    }

    /// Every file under `dir` with its bytes, to prove a failed login changed nothing.
    fn snapshot(dir: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
        let mut files = Vec::new();
        let mut todo = vec![dir.to_path_buf()];
        while let Some(dir) = todo.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    todo.push(path);
                } else if path.extension().is_none_or(|ext| ext != "lock") {
                    files.push((path.clone(), std::fs::read(&path).unwrap()));
                }
            }
        }
        files.sort();
        files
    }

    #[test]
    fn a_browser_login_saves_the_profile_and_keeps_the_refresh_token_until_logout() {
        let tenant = mock_tenant::serve(vec![
            mock_tenant::reply(
                200,
                serde_json::json!({"access_token": "at", "refresh_token": "rt", "expires_in": 3599, "scope": "openid fr:idm:*"}),
            ),
            // The login asks the tenant what it is (no --tier): a development tenant.
            mock_tenant::reply(
                200,
                serde_json::json!({"tier": "other", "immutable": false}),
            ),
            mock_tenant::reply(200, serde_json::json!({})),
        ]);
        let dir = tempfile::tempdir().unwrap();
        let (config, credentials) = config_and_cache(dir.path());
        let person = Person { query: "code=c" };
        let outcome =
            super::super::login(&config, &credentials, None, request(&tenant.url), &person)
                .unwrap();
        assert_eq!(outcome.auth_kind.as_str(), "browser");
        assert_eq!(outcome.scopes, ["openid", "fr:idm:*"]);
        let profile = config.load().unwrap().profile("me").unwrap();
        assert_eq!(profile.auth.public_client(), Some("idc-cli"));
        assert_eq!(profile.realm, "root");
        let text = std::fs::read_to_string(dir.path().join("config/config.toml")).unwrap();
        assert!(
            text.contains("kind = \"browser\"") && !text.contains("rt"),
            "{text}"
        );

        let status = crate::status::status_of(&credentials, &profile);
        assert!(status.valid && status.refreshable, "{status:?}");
        assert_eq!(status.client.as_deref(), Some("idc-cli"));
        let logout = crate::logout::logout(&credentials, &profile, false).unwrap();
        assert!(logout.revoked);
        assert_eq!(logout.removed, 2);
        assert!(
            credentials
                .refresh_record(&profile, "idc-cli")
                .unwrap()
                .is_none()
        );
        let requests = tenant.requests();
        assert_eq!(requests[1].target, "/environment/info");
        assert_eq!(requests[2].target, "/am/oauth2/realms/root/token/revoke");
        assert!(requests[2].form().contains(&("token".into(), "rt".into())));
    }

    /// The login's look at what the tenant is may be refused (no scope for it): the login
    /// keeps its fresh token, with no renewal tried and nothing forgotten.
    #[test]
    fn a_refused_look_at_the_tenant_costs_the_login_nothing() {
        let tenant = mock_tenant::serve(vec![
            mock_tenant::reply(
                200,
                serde_json::json!({"access_token": "at", "refresh_token": "rt", "expires_in": 3599, "scope": "openid fr:idm:*"}),
            ),
            mock_tenant::reply(
                401,
                serde_json::json!({"code": 401, "reason": "Unauthorized", "message": "Access Denied"}),
            ),
        ]);
        let dir = tempfile::tempdir().unwrap();
        let (config, credentials) = config_and_cache(dir.path());
        let person = Person { query: "code=c" };
        let outcome =
            super::super::login(&config, &credentials, None, request(&tenant.url), &person)
                .unwrap();
        assert!(
            outcome.warnings.iter().all(|w| !w.contains("tier")),
            "{:?}",
            outcome.warnings
        );
        let profile = config.load().unwrap().profile("me").unwrap();
        assert_eq!(profile.tier, None);
        let status = crate::status::status_of(&credentials, &profile);
        assert!(status.valid && status.refreshable, "{status:?}");
        // The code's redemption and the one look; no refresh grant.
        assert_eq!(tenant.requests().len(), 2);
    }

    #[test]
    fn a_refused_login_leaves_config_and_cache_byte_identical() {
        let dir = tempfile::tempdir().unwrap();
        let (config, credentials) = config_and_cache(dir.path());
        // A saved profile and a cached credential that must survive.
        let tenant = mock_tenant::serve(vec![mock_tenant::reply(
            200,
            serde_json::json!({"access_token": "at", "refresh_token": "rt", "expires_in": 3599}),
        )]);
        super::super::login(
            &config,
            &credentials,
            None,
            request(&tenant.url),
            &Person { query: "code=c" },
        )
        .unwrap();
        let before = snapshot(dir.path());
        assert!(before.len() >= 3, "{before:?}");
        for (query, expected) in [
            (
                "error=access_denied&error_description=Resource%20owner%20did%20not%20authorize",
                "the tenant refused it (access_denied: Resource owner did not authorize)",
            ),
            ("code=bad", "refused the authorization code"),
        ] {
            let bad_code = mock_tenant::serve(vec![mock_tenant::reply(
                400,
                serde_json::json!({"error": "invalid_grant", "error_description": "code is invalid"}),
            )]);
            let mut again = request(&tenant.url);
            again.tenant = Some(bad_code.url.to_string());
            let error = super::super::login(&config, &credentials, None, again, &Person { query })
                .unwrap_err();
            assert!(error.to_string().contains(expected), "{error}");
            assert_eq!(snapshot(dir.path()), before, "{query}");
        }
        let mut slow = request(&tenant.url);
        slow.timeout = Some(std::time::Duration::from_secs(1));
        struct Nobody;
        impl LoginInteraction for Nobody {
            fn show(&self, _step: &LoginStep) {}
        }
        let error = super::super::login(&config, &credentials, None, slow, &Nobody).unwrap_err();
        assert!(
            matches!(&error, Error::LoginNotCompleted { profile, .. } if profile == "me"),
            "{error:?}"
        );
        assert_eq!(snapshot(dir.path()), before);
    }
}
