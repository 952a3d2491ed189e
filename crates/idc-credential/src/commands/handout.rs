//! `token`, `header`, `curl-config` and `httpie-session`: the credential for a URL (or the
//! profile's default), in the form a tool reads.

use idc_core::{AuthKind, Idc, Profile};
use idc_core::{CredentialNeed, Endpoint};
use url::Url;

use super::output::print;
use crate::cli::{TargetArgs, TokenArgs};
use crate::error::HelperError;
use crate::formats::{self, Handout, TokenFormat};
use crate::strict_url;

pub fn token(args: TokenArgs) -> Result<(), HelperError> {
    let idc = Idc::from_env()?;
    let profile = idc.profile(args.profile.as_deref())?;
    let path = match args.path {
        // A URL given as the path: only one on the profile's tenant, read strictly.
        Some(path) if path.contains("://") || path.starts_with("//") || path.contains('\\') => {
            let url = strict_url::parse(&path)?;
            if !profile.matches(&url) {
                return Err(HelperError::ProfileMismatch {
                    profile: profile.name,
                    url: shown_url(&url),
                });
            }
            url.path().to_string()
        }
        Some(path) => path,
        None => default_path(&profile).to_string(),
    };
    // The log API takes the key's two headers (a login without a key whose token carries
    // the monitoring scope: that bearer): `--path /monitoring/logs` gives them, as
    // `curl-config` does for such a URL.
    if Endpoint::of(&path).credential() == CredentialNeed::LogKey
        && !idc.reads_logs_with_a_bearer(&profile)
    {
        let headers = idc.log_key_to_hand_out(&profile)?.headers();
        return print(&formats::log_key_token(&headers, args.format)?);
    }
    let credential = idc.credential_to_hand_out(&profile, &path)?;
    let text = match args.format {
        TokenFormat::Text => formats::token_text(&credential)?,
        TokenFormat::Json => formats::token_json(&credential)?,
    };
    print(&text)
}

/// Print the headers for `target` in the form `render` gives them: the log API key's two
/// for a `/monitoring/...` URL, the profile's credential for any other.
pub fn for_target(target: TargetArgs, render: formats::Render) -> Result<(), HelperError> {
    let idc = Idc::from_env()?;
    let (profile, path) = match target.url.as_deref() {
        Some(raw) => {
            let url = strict_url::parse(raw)?;
            let profile = match target.profile.as_deref() {
                Some(name) => {
                    let profile = idc.profile(Some(name))?;
                    if !profile.matches(&url) {
                        return Err(HelperError::ProfileMismatch {
                            profile: profile.name,
                            url: shown_url(&url),
                        });
                    }
                    profile
                }
                None => {
                    let choice = idc
                        .choose_for_url(&url, None)?
                        .ok_or_else(|| HelperError::NoProfileForUrl(shown_url(&url)))?;
                    announce_choice(&choice);
                    choice.profile
                }
            };
            (profile, url.path().to_string())
        }
        None => {
            let profile = idc.profile(target.profile.as_deref())?;
            let path = default_path(&profile).to_string();
            (profile, path)
        }
    };
    let ca_cert = profile.network.ca_cert.as_deref();
    // The log API (`/monitoring/...`) takes the log API key, or, for a login without one
    // whose token carries the monitoring scope, that bearer; `/monitoring/health` is public
    // and gets nothing special.
    if Endpoint::of(&path).credential() == CredentialNeed::LogKey
        && !idc.reads_logs_with_a_bearer(&profile)
    {
        let headers = idc.log_key_to_hand_out(&profile)?.headers();
        print(&render(&Handout::headers(
            &headers,
            &profile.tenant,
            ca_cert,
        )?)?)
    } else {
        let credential = idc.credential_to_hand_out(&profile, &path)?;
        print(&render(&Handout::credential(
            &credential,
            &profile.tenant,
            ca_cert,
        )?)?)
    }
}

/// On a terminal, say which profile was taken when the tenant has several (scripts, whose
/// stderr is not a terminal, are not told: they name the profile or live with the default).
fn announce_choice(choice: &idc_core::UrlChoice) {
    use std::io::IsTerminal;
    if !choice.others.is_empty() && std::io::stderr().is_terminal() {
        eprintln!(
            "git-credential-idc: using profile '{}', the default (also on this tenant: {}; choose with --profile or $IDC_PROFILE)",
            choice.profile.name,
            choice.others.join(", ")
        );
    }
}

/// Without a URL: a session profile's own session, any other profile's bearer token.
fn default_path(profile: &Profile) -> &'static str {
    match profile.auth {
        AuthKind::Session { .. } => "/am/json",
        _ => "/openidm",
    }
}

/// A URL as it may appear in a message: no user info, query or fragment (they can hold
/// secrets or personal data).
fn shown_url(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{}://{host}:{port}{}", url.scheme(), url.path()),
        None => format!("{}://{host}{}", url.scheme(), url.path()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_in_messages_lose_user_info_query_and_fragment() {
        let url =
            Url::parse("https://bob:pw@t.example.com:8443/openidm/x?_queryFilter=mail+eq+'a'#f")
                .unwrap();
        assert_eq!(shown_url(&url), "https://t.example.com:8443/openidm/x");
    }
}
