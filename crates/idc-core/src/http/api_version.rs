//! The one `Accept-API-Version` table: each API family the flows and reads talk to, with the
//! value FINDINGS.md records for it.

/// An API family (and version) of the tenant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiVersion {
    /// `/am/json/serverinfo/version`.
    ServerInfoVersion,
    /// `/am/json/serverinfo/*` (the cookie name).
    ServerInfo,
    /// `/am/json/realms/.../authenticate` (spelled with the space, as recorded).
    Authenticate,
    /// `/am/json/realms/root/sessions` (`getSessionInfo`).
    Sessions,
    /// The sessions `logout` action (AM's documented version).
    SessionLogout,
    /// `/am/oauth2/*`.
    OAuth2,
    /// AM realm configuration under `/am/json`: the most common recorded value.
    AmConfig,
    /// `/environment/count`.
    EnvironmentCount,
    /// `/environment/release`.
    EnvironmentRelease,
    /// `/environment/*` (ESVs).
    Environment,
    /// `/iga/governance/event`.
    IgaEvent,
}

impl ApiVersion {
    /// The header value.
    pub fn header_value(self) -> &'static str {
        match self {
            ApiVersion::ServerInfoVersion => "resource=1.0",
            ApiVersion::ServerInfo => "resource=1.1",
            ApiVersion::Authenticate => "resource=2.0, protocol=1.0",
            ApiVersion::Sessions => "resource=4.0",
            ApiVersion::SessionLogout => "resource=3.1, protocol=1.0",
            ApiVersion::OAuth2
            | ApiVersion::AmConfig
            | ApiVersion::EnvironmentRelease
            | ApiVersion::IgaEvent => "protocol=2.1,resource=1.0",
            ApiVersion::EnvironmentCount => "resource=2.0",
            ApiVersion::Environment => "protocol=1.0,resource=1.0",
        }
    }

    /// The family of a request path; `None` for `/openidm`, `/iga` and the rest, which take
    /// no version header.
    pub fn for_path(path: &str) -> Option<ApiVersion> {
        let path = path.split(['?', '#']).next().unwrap_or(path);
        let under = |prefix: &str| path == prefix || path.starts_with(&format!("{prefix}/"));
        let am_json = path.starts_with("/am/json/");
        Some(if under("/am/json/serverinfo/version") {
            ApiVersion::ServerInfoVersion
        } else if under("/am/json/serverinfo") {
            ApiVersion::ServerInfo
        } else if am_json && path.ends_with("/authenticate") {
            ApiVersion::Authenticate
        } else if am_json && (path.ends_with("/sessions") || path.contains("/sessions/")) {
            ApiVersion::Sessions
        } else if path.starts_with("/am/oauth2/") {
            ApiVersion::OAuth2
        } else if under("/am/json") {
            ApiVersion::AmConfig
        } else if under("/environment/count") {
            ApiVersion::EnvironmentCount
        } else if under("/environment/release") {
            ApiVersion::EnvironmentRelease
        } else if under("/environment") {
            ApiVersion::Environment
        } else if under("/iga/governance/event") {
            ApiVersion::IgaEvent
        } else {
            return None;
        })
    }
}

/// The `Accept-API-Version` header value for a request path.
pub(crate) fn accept_api_version(path: &str) -> Option<&'static str> {
    ApiVersion::for_path(path).map(ApiVersion::header_value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_api_version_follows_the_recorded_table() {
        let cases = [
            ("/am/json/serverinfo/*", Some("resource=1.1")),
            ("/am/json/serverinfo/version", Some("resource=1.0")),
            (
                "/am/json/realms/root/authenticate",
                Some("resource=2.0, protocol=1.0"),
            ),
            (
                "/am/json/realms/root/realms/alpha/authenticate?authIndexType=service&authIndexValue=x",
                Some("resource=2.0, protocol=1.0"),
            ),
            ("/am/json/realms/root/sessions", Some("resource=4.0")),
            (
                "/am/json/realms/root/sessions/?_action=getSessionInfo",
                Some("resource=4.0"),
            ),
            ("/am/oauth2/access_token", Some("protocol=2.1,resource=1.0")),
            (
                "/am/oauth2/realms/root/realms/alpha/access_token",
                Some("protocol=2.1,resource=1.0"),
            ),
            ("/am/oauth2/authorize", Some("protocol=2.1,resource=1.0")),
            ("/environment/variables", Some("protocol=1.0,resource=1.0")),
            (
                "/environment/secrets/esv-x/versions",
                Some("protocol=1.0,resource=1.0"),
            ),
            ("/environment/count", Some("resource=2.0")),
            ("/openidm/managed/alpha_user", None),
            ("/iga/governance/application", None),
            (
                "/iga/governance/event/77289308",
                Some("protocol=2.1,resource=1.0"),
            ),
            (
                "/am/json/realms/root/realms/alpha/scripts",
                Some("protocol=2.1,resource=1.0"),
            ),
        ];
        for (path, expected) in cases {
            assert_eq!(accept_api_version(path), expected, "{path}");
        }
    }
}
