//! The tenant refused a login: the credentials, the grant, the code, the session. Kinds
//! with data; each message says who was refused and what to check. What the tenant said
//! (`said`) is already terminal-safe, and no kind carries a secret.

/// What the tenant refused, and whom.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    /// The JWT-bearer grant of a service account: `error` and `description` are OAuth's,
    /// `scopes` those asked for, `origin` the tenant's.
    #[error(
        "{origin} refused the service-account login ({}): {}",
        said(error, description),
        service_account_advice(origin, account_id, error, scopes)
    )]
    ServiceAccount {
        origin: String,
        account_id: String,
        error: String,
        description: String,
        scopes: Vec<String>,
    },

    /// A journey's password step came back: the username or password is wrong.
    #[error(
        "login failed: the username or password is wrong for user '{username}' in realm {realm}"
    )]
    WrongPassword { username: String, realm: String },

    /// A later step of the journey (`journey`: its label) refused.
    #[error("the {journey} ended the login of '{username}' without a session: {said}")]
    JourneyEnded {
        journey: String,
        username: String,
        said: String,
    },

    /// AM's answer for a journey name that names no journey.
    #[error(
        "there is no journey '{journey}' in realm {realm}: check --journey (the tenant says: No Configuration found)"
    )]
    NoSuchJourney { journey: String, realm: String },

    #[error("the tenant refused journey '{journey}' of realm {realm}: {said}")]
    Journey {
        journey: String,
        realm: String,
        said: String,
    },

    /// A handed-over session the tenant does not know (`tenant`: its URL as shown).
    #[error(
        "the tenant {tenant} does not know this session (it has ended or expired, the console signed out, or it is another tenant's): sign in to the admin console again and copy its session cookie"
    )]
    UnknownSession { tenant: String },

    /// A handed-over session of a realm's user, not of an administrator.
    #[error(
        "this session is a user's of realm {realm}, not a tenant administrator's: hand over the session of the admin console (/platform), signed in as an administrator"
    )]
    RealmUserSession { realm: String },

    /// The session's authorize step at `client_id` was refused.
    #[error("the tenant refused to issue a token for this session ({client_id}): {said}")]
    SessionToken { client_id: String, said: String },

    /// The session's authorize step answered a page (consent or login), not a code.
    #[error(
        "the tenant answered a page instead of an authorization code for {client_id}: the session may have expired; log in again"
    )]
    PageInsteadOfCode { client_id: String },

    /// AM sent the session to its login page (`path`): ended, or not one `client_id`
    /// serves (`other_cause` says which session it serves).
    #[error(
        "the tenant sent this session to its login page ({path}) instead of issuing an authorization code for {client_id}: the session has expired (log in again), or {other_cause}"
    )]
    SentToLoginPage {
        path: String,
        client_id: String,
        other_cause: String,
    },

    /// The session's code, redeemed at `client_id`.
    #[error("the tenant refused the authorization code of {client_id}: {said}")]
    SessionCode { client_id: String, said: String },

    /// The browser login's code, redeemed at the public client `client_id`.
    #[error("the tenant refused the authorization code for client '{client_id}': {said}")]
    BrowserCode { client_id: String, said: String },

    #[error("the tenant refused a device code to client '{client_id}': {said}")]
    DeviceCode { client_id: String, said: String },

    /// The built-in client's token names no client to exchange it through.
    #[error(
        "the token of the built-in client names no exchange client (no may_act claim), so it cannot reach APIs that need {scope}: {OTHER_WAYS_IN}"
    )]
    NoExchangeClient { scope: String },

    /// The exchange (RFC 8693) through `client` for `scope` was refused.
    #[error(
        "the tenant refused to exchange the built-in client's token for {scope} through {client} ({said}): {OTHER_WAYS_IN}"
    )]
    Exchange {
        scope: String,
        client: String,
        said: String,
    },

    /// Client credentials: the client id or secret is wrong.
    #[error(
        "client authentication failed for client '{client_id}': check the client id and secret"
    )]
    ClientSecret { client_id: String },

    #[error("client '{client_id}' may not request these scopes: {said}")]
    ClientScopes { client_id: String, said: String },

    #[error("client '{client_id}' is not allowed to use the client_credentials grant: {said}")]
    ClientGrant { client_id: String, said: String },

    /// Only a tenant administrator's login may create a log API key.
    #[error(
        "the tenant refused to create a log API key (403): only a tenant administrator logged in with a session (--username) can; a service account cannot, whatever its scopes. Create one in the admin console (Tenant Settings → Global Settings → Log API Keys) and add it with --log-api-key"
    )]
    LogKeyCreate,

    /// Only a tenant administrator's login may delete the log API key `id`.
    #[error(
        "the tenant refused to delete the log API key {id} (403): only a tenant administrator's login can; nothing was changed"
    )]
    LogKeyDelete { id: String },
}

use super::login_problem::OTHER_WAYS_IN;

/// OAuth's error, and its description when there is one.
fn said(error: &str, description: &str) -> String {
    if description.is_empty() {
        error.to_string()
    } else {
        format!("{error}: {description}")
    }
}

/// What to check when a service account's grant was refused with `error`.
fn service_account_advice(
    origin: &str,
    account_id: &str,
    error: &str,
    scopes: &[String],
) -> String {
    match error {
        "invalid_scope" => format!(
            "the service account may not have these scopes ({}); ask for scopes it has with --scope",
            scopes.join(" ")
        ),
        "invalid_client" => format!(
            "check the service account id ({account_id}) and that the account exists and is active on {origin}"
        ),
        "invalid_grant" => format!(
            "the tenant refused the signed assertion: check that the JWK belongs to service account {account_id} on {origin}, and that this machine's clock is right"
        ),
        "unauthorized_client" => {
            format!("service account {account_id} may not use the JWT-bearer grant on {origin}")
        }
        _ => format!("check the service account {account_id} and its key"),
    }
}
