//! Logging in: run the flow the resolved profile asks for, replace the profile's cached
//! credentials with the fresh one, save the profile, and report one [`LoginOutcome`].

use chrono::{DateTime, Utc};
use url::Url;

use crate::auth;
use crate::auth::login_steps::LoginInteraction;
use crate::credentials::cache::{CachedCredential, CredentialKind};
use crate::credentials::keys::{self, EntryKey};
use crate::credentials::{Credentials, RefreshRecord};
use crate::error::{Error, LoginProblem, Result, SecretKind};
use crate::profile::{AccountKey, AuthFlow, AuthKind, ConfigFile, Profile};
use crate::resolve::{Authenticate, LoginFlow, LoginRequest, resolve_login};
use crate::secret::Secret;

mod browser_or_device;
mod console_session;
mod tenant_tier;

/// Sessions last this long when the tenant does not say (30 min idle).
const DEFAULT_SESSION_SECONDS: i64 = 30 * 60;

#[derive(Clone, Debug)]
pub struct LoginOutcome {
    pub profile: String,
    pub tenant: Url,
    pub auth_kind: AuthFlow,
    pub who: Option<String>,
    pub scopes: Vec<String>,
    pub expires_at: DateTime<Utc>,
    /// Scopes the tenant refused (`invalid_scope`) and that were dropped on the retry.
    pub dropped_scopes: Vec<String>,
    /// Things the user should fix that did not stop the login (a key file others can
    /// read), one line each, for the front end to show on stderr.
    pub warnings: Vec<String>,
    /// The id of the profile's log API key, when it has one.
    pub log_api_key: Option<String>,
}

/// What one flow obtained, before it is cached and reported.
struct Obtained {
    credential: CachedCredential,
    who: String,
    dropped_scopes: Vec<String>,
    warnings: Vec<String>,
    /// A renewal secret to store with the credential (client credentials).
    secret: Option<(EntryKey, Secret<String>)>,
    /// The refresh token of a browser or device login, and its entry.
    refresh: Option<(EntryKey, RefreshRecord)>,
    /// A bearer minted from the session at login (a console session's), and its entry.
    bearer: Option<(EntryKey, CachedCredential)>,
}

impl Obtained {
    fn new(credential: CachedCredential, who: &str) -> Obtained {
        Obtained {
            credential,
            who: who.to_string(),
            dropped_scopes: Vec::new(),
            warnings: Vec::new(),
            secret: None,
            refresh: None,
            bearer: None,
        }
    }
}

/// Authenticate, save the profile (the default if it is the first), cache the credential.
/// A browser or device login shows its steps through `interaction`.
pub(crate) fn login(
    config: &ConfigFile,
    credentials: &Credentials,
    idc_profile_var: Option<&str>,
    request: LoginRequest,
    interaction: &dyn LoginInteraction,
) -> Result<LoginOutcome> {
    let plan = resolve_login(&request, &config.load()?, idc_profile_var)?;
    refuse_what_none_cannot_keep(credentials, &plan.profile, &plan.flow)?;
    let mut profile = plan.profile;
    let (with, then_create_log_key) = match plan.flow {
        LoginFlow::AddLogKey(key) => {
            crate::logs::check_key(
                &credentials.client(&profile)?,
                &profile.tenant,
                &profile.name,
                &key,
            )?;
            save_log_key(config, credentials, &mut profile, &key, false)?;
            return Ok(log_key_outcome(credentials, &profile));
        }
        LoginFlow::CreateLogKey => {
            create_log_key(config, credentials, &mut profile)?;
            return Ok(log_key_outcome(credentials, &profile));
        }
        LoginFlow::Authenticate {
            with,
            then_create_log_key,
        } => (with, then_create_log_key),
    };
    let obtained = match with {
        Authenticate::ServiceAccount { id, key, scopes } => {
            service_account(credentials, &mut profile, &id, &key, &scopes)?
        }
        Authenticate::Session {
            username,
            journey,
            password,
        } => session(
            credentials,
            &profile,
            &username,
            journey.as_deref(),
            &password,
            request.zero_page,
        )?,
        Authenticate::ClientCredentials { client_id, scopes } => client_credentials(
            credentials,
            &profile,
            plan.existing.as_ref(),
            &client_id,
            &scopes,
            &request,
        )?,
        Authenticate::Browser {
            user,
            redirect_port,
            open,
        } => browser_or_device::browser(
            credentials,
            &profile,
            &user,
            redirect_port,
            &open,
            interaction,
        )?,
        Authenticate::Device { user } => {
            browser_or_device::device(credentials, &profile, &user, interaction)?
        }
        Authenticate::ConsoleSession { pasted } => {
            console_session::login(credentials, &mut profile, &pasted)?
        }
    };
    // A renewal secret and the log API key's secret outlive the old credentials.
    let mut keep: Vec<EntryKey> = obtained.secret.iter().map(|(key, _)| key.clone()).collect();
    if let Some(id) = &profile.log_api_key {
        keep.push(keys::log_key_key(&profile, id));
    }
    // The login being replaced may hold a refresh token: revoked at the tenant before it
    // is dropped here, so no live grant is left behind (best effort: unreachable or
    // refused, the local entries go anyway, as at logout).
    if let Some(existing) = &plan.existing
        && let Some(client_id) = existing.auth.public_client()
    {
        credentials.revoke_refresh(existing, client_id);
    }
    credentials.replace(
        &profile,
        &keys::main_key(&profile),
        &obtained.credential,
        &keep,
    )?;
    if let Some((key, secret)) = &obtained.secret {
        credentials.store.save_secret(key, secret)?;
    }
    if let Some((key, record)) = &obtained.refresh {
        credentials.store.save_record(key, record)?;
    }
    if let Some((key, bearer)) = &obtained.bearer {
        credentials.store.save(key, bearer)?;
    }
    let mut warnings = obtained.warnings;
    if let Some((tier, why)) = tenant_tier::from_the_tenant(credentials, &profile) {
        profile.tier = Some(tier);
        warnings.push(why);
    }
    config.update(|config| {
        config.upsert(&profile);
        Ok(())
    })?;
    if then_create_log_key {
        create_log_key(config, credentials, &mut profile)?;
    }
    // A realm user's session reads IDM with the token the realm's end-user client gives
    // it: asked for now, so a realm without one is said at login, not at the first read.
    if profile.end_user().is_some()
        && let Err(error) = credentials.credential(&profile, "/openidm", None)
    {
        warnings.push(format!(
            "no IDM token for this session, so the profile reads only AM's record of the user: {error}"
        ));
    }
    Ok(LoginOutcome {
        profile: profile.name.clone(),
        tenant: profile.tenant.clone(),
        auth_kind: profile.auth.flow(),
        who: Some(obtained.who),
        scopes: obtained.credential.scopes.clone(),
        expires_at: obtained.credential.expires_at,
        dropped_scopes: obtained.dropped_scopes,
        warnings,
        log_api_key: profile.log_api_key.clone(),
    })
}

/// With `IDC_CREDENTIAL_STORE=none` nothing outlives the command, so a login whose later
/// commands need what only the store keeps (a session, a client secret, a log API key's
/// secret) would succeed here and leave every later command without it; it is refused
/// before anything is sent. A service account keeps only a key file's path, so it works.
/// (Browser and device logins are refused in their own step, for their refresh token.)
fn refuse_what_none_cannot_keep(
    credentials: &Credentials,
    profile: &Profile,
    flow: &LoginFlow,
) -> Result<()> {
    if credentials.store.kind() != crate::credentials::StoreKind::None {
        return Ok(());
    }
    let kept = match flow {
        LoginFlow::AddLogKey(_) | LoginFlow::CreateLogKey => "log API key's secret",
        LoginFlow::Authenticate { with, .. } => match with {
            Authenticate::Session { .. } | Authenticate::ConsoleSession { .. } => "session",
            Authenticate::ClientCredentials { .. } => "client secret",
            Authenticate::ServiceAccount { .. }
            | Authenticate::Browser { .. }
            | Authenticate::Device { .. } => return Ok(()),
        },
    };
    Err(LoginProblem::StoreKeepsNothing {
        profile: profile.name.clone(),
        kept,
    }
    .into())
}

/// The outcome of `--log-api-key KEY` or `--create-log-api-key` alone: the key added to
/// the saved profile (its other credential left as it is), or a profile that holds only
/// the key ([`AuthKind::LogKey`]).
fn log_key_outcome(credentials: &Credentials, profile: &Profile) -> LoginOutcome {
    let cached = credentials.cached_main(profile);
    LoginOutcome {
        profile: profile.name.clone(),
        tenant: profile.tenant.clone(),
        auth_kind: profile.auth.flow(),
        who: cached.as_ref().and_then(|c| c.subject.clone()),
        scopes: cached
            .as_ref()
            .map(|c| c.scopes.clone())
            .unwrap_or_default(),
        expires_at: cached.map_or_else(Utc::now, |c| c.expires_at),
        dropped_scopes: Vec::new(),
        warnings: Vec::new(),
        log_api_key: profile.log_api_key.clone(),
    }
}

/// Delete the profile's log API key at the tenant with its IDM bearer (an administrator's
/// login): what `logout --delete-log-key` does before logging out.
pub(crate) fn delete_log_key(credentials: &Credentials, profile: &Profile, id: &str) -> Result<()> {
    let bearer = credentials.credential(profile, "/openidm", None)?;
    auth::log_key::delete(
        &credentials.client(profile)?,
        &profile.tenant,
        &bearer.token,
        id,
    )
}

/// Create a log API key with the profile's IDM bearer (an admin session's) and keep it.
fn create_log_key(
    config: &ConfigFile,
    credentials: &Credentials,
    profile: &mut Profile,
) -> Result<()> {
    let bearer = credentials.credential(profile, "/openidm", None)?;
    let name = format!(
        "idc-{}-{}",
        profile.name,
        Utc::now().format("%Y%m%dT%H%M%SZ")
    );
    let key = auth::log_key::create(
        &credentials.client(profile)?,
        &profile.tenant,
        &bearer.token,
        &name,
    )?;
    save_log_key(config, credentials, profile, &key, true)
}

/// The secret into the store, the id into config.toml (with whether idc `created` it at the
/// tenant); a replaced key's secret goes.
fn save_log_key(
    config: &ConfigFile,
    credentials: &Credentials,
    profile: &mut Profile,
    key: &auth::log_key::LogKey,
    created: bool,
) -> Result<()> {
    if let Some(old) = profile.log_api_key.as_deref().filter(|old| *old != key.id) {
        credentials.store.remove(&keys::log_key_key(profile, old))?;
    }
    credentials
        .store
        .save_secret(&keys::log_key_key(profile, &key.id), &key.secret)?;
    profile.log_api_key = Some(key.id.clone());
    profile.log_api_key_created = created;
    config.update(|config| {
        config.upsert(profile);
        Ok(())
    })
}

fn service_account(
    credentials: &Credentials,
    profile: &mut Profile,
    id: &str,
    key: &AccountKey,
    scopes: &[String],
) -> Result<Obtained> {
    let (answer, credential) = credentials.service_account_grant(profile, id, key, scopes)?;
    // Renewals ask only for what the tenant accepted, so they need one request.
    if let AuthKind::ServiceAccount { scopes, .. } = &mut profile.auth {
        scopes.clone_from(&answer.scopes);
    }
    let mut obtained = Obtained::new(credential, id);
    obtained.dropped_scopes = answer.dropped_scopes;
    obtained.warnings = key
        .path()
        .and_then(auth::service_account::key_file_warning)
        .into_iter()
        .collect();
    Ok(obtained)
}

fn session(
    credentials: &Credentials,
    profile: &Profile,
    username: &str,
    journey: Option<&str>,
    password: &Secret<String>,
    zero_page: bool,
) -> Result<Obtained> {
    let client = &credentials.client(profile)?;
    // Asked of the tenant rather than through the tenant cache, which saves it: a refused
    // login leaves the cache as it was (the session keeps the name for later).
    let cookie_name = auth::session::cookie_name(client, &profile.tenant)?;
    let session = auth::session::login(
        client,
        &profile.tenant,
        &auth::session::SessionLogin {
            realm: &profile.realm,
            journey,
            username,
            password,
            zero_page,
        },
    )?;
    let now = Utc::now();
    let info = auth::session::session_info(client, &profile.tenant, &session.token)?;
    let expires_at = info
        .as_ref()
        .map(|info| info.expires_at())
        .unwrap_or(now + chrono::Duration::seconds(DEFAULT_SESSION_SECONDS));
    // An administrator's IDM bearer, asked for now, so the scopes `idmAdminClient` refused
    // are said at login (and the first read needs no exchange). Not getting one leaves
    // the session good for AM: said, and asked again at the first read that needs it.
    let mut bearer = None;
    let mut dropped_scopes = Vec::new();
    let mut warnings = Vec::new();
    if profile.end_user().is_none() {
        match credentials.exchange_admin_session(profile, &cookie_name, &session.token, false) {
            Ok(exchanged) => {
                let exchanged_bearer =
                    CachedCredential::session_bearer(exchanged.token, username, expires_at);
                bearer = Some((keys::session_bearer_key(profile, username), exchanged_bearer));
                dropped_scopes = exchanged.dropped_scopes;
            }
            Err(error) => warnings.push(format!(
                "no IDM bearer for this session yet ({error}); reading /openidm, /environment or /iga asks again"
            )),
        }
    }
    let credential = CachedCredential {
        kind: CredentialKind::Session,
        token: session.token,
        expires_at,
        scopes: Vec::new(),
        subject: Some(username.to_string()),
        cookie_name: Some(cookie_name),
        obtained_at: Some(now),
        issued_for: None,
    };
    let who = info.map(|info| info.username);
    let mut obtained = Obtained::new(credential, who.as_deref().unwrap_or(username));
    obtained.bearer = bearer;
    obtained.dropped_scopes = dropped_scopes;
    obtained.warnings = warnings;
    Ok(obtained)
}

fn client_credentials(
    credentials: &Credentials,
    profile: &Profile,
    existing: Option<&Profile>,
    client_id: &str,
    scopes: &[String],
    request: &LoginRequest,
) -> Result<Obtained> {
    let secret_key = keys::client_secret_key(profile, client_id);
    let secret = match &request.secret {
        Some(secret) => secret.clone(),
        // A re-login of the same client reuses the stored secret.
        None => existing
            .filter(|existing| existing.tenant == profile.tenant)
            .map(|_| credentials.store.load_secret(&secret_key))
            .transpose()?
            .flatten()
            .ok_or_else(|| Error::MissingSecret {
                flow: AuthFlow::ClientCredentials,
                who: client_id.to_string(),
                secret: SecretKind::ClientSecret,
            })?,
    };
    let token = credentials.client_credentials_grant(profile, client_id, &secret, scopes)?;
    let mut obtained = Obtained::new(
        CachedCredential::bearer(token, client_id, scopes),
        client_id,
    );
    obtained.secret = Some((secret_key, secret));
    Ok(obtained)
}
