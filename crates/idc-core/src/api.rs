//! The tenant's API families: from a request path, everything the rest of idc needs to know
//! about it — which credential it takes, its `Accept-API-Version`, the scope a 403 most
//! likely lacks, how it pages, which of its paths are collections whose rows are addressed
//! by `_id`, and whether it is IGA. One row of `FAMILIES` per family; adding a family is
//! one row plus its tests. The query (and fragment) of a path is stripped here, once.

/// The `Accept-API-Version` values FINDINGS.md records, one per API (and version) the flows
/// and reads talk to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ApiVersion {
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
    /// `/iga/governance/event/<id>`.
    IgaEvent,
}

impl ApiVersion {
    /// The header value.
    pub(crate) fn header_value(self) -> &'static str {
        match self {
            ApiVersion::ServerInfo => "resource=1.1",
            ApiVersion::Authenticate => "resource=2.0, protocol=1.0",
            ApiVersion::Sessions => "resource=4.0",
            ApiVersion::SessionLogout => "resource=3.1, protocol=1.0",
            // serverinfo/version: what the cloud tenant was sent in the recordings.
            ApiVersion::ServerInfoVersion
            | ApiVersion::OAuth2
            | ApiVersion::AmConfig
            | ApiVersion::EnvironmentRelease
            | ApiVersion::IgaEvent => "protocol=2.1,resource=1.0",
            ApiVersion::EnvironmentCount => "resource=2.0",
            ApiVersion::Environment => "protocol=1.0,resource=1.0",
        }
    }
}

/// A family of the tenant's API, by the path prefix it lives under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ApiFamily {
    /// `/openidm`: IDM (managed, internal and system objects, config).
    Idm,
    /// `/environment`: ESVs (variables, secrets) and the environment's own endpoints.
    Esv,
    /// `/iga`: Identity Governance.
    Iga,
    /// `/am/oauth2`: AM's OAuth 2.0 endpoints.
    AmOAuth2,
    /// `/am` otherwise: AM's JSON API (realms, authenticate, sessions, serverinfo).
    Am,
    /// `/monitoring/health`: public, no credential of its own.
    Health,
    /// `/monitoring` otherwise: the log API (and its siblings), which takes the log API key.
    Logs,
    /// Anything else.
    Other,
}

/// The credential a path takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CredentialNeed {
    /// A bearer token, even for a session profile (it is derived from the session).
    Bearer,
    /// The profile's own credential: a session profile's session, any other's bearer.
    ProfileOwn,
    /// The log API key (`x-api-key`, `x-api-secret`), never a bearer.
    LogKey,
}

/// How a family's collections page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Paging {
    /// CREST: `_pagedResultsCookie` from `pagedResultsCookie` (IDM, ESV, AM).
    Cookie,
    /// IGA: `_pagedResultsOffset` up to `totalCount` (or `searchAfterKey`), so every page's
    /// offset is known up front and a few may be read at once.
    Offset,
    /// IGA's certification templates: `pageSize` and `pageNumber` (from 0) up to `totalHits`
    /// (recorded: `f_iga.json`), where the rest of IGA takes `_pageSize` and offsets.
    PageNumber,
    /// The log API: `_pagedResultsCookie` within a time window (see `logs`).
    LogCookie,
    /// No collections.
    None,
}

/// What a request of a family takes when the login is the tenant's built-in CLI client,
/// whose own token only IDM accepts (docs/tenant-facts.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Exchange {
    /// The login's own token.
    Primary,
    /// A token exchanged (RFC 8693) for these scopes.
    For(&'static str),
    /// A scope the exchange client cannot grant: only another login reaches the family.
    Unreachable(&'static str),
}

/// What a family is: one row of the table.
struct Family {
    family: ApiFamily,
    /// The path prefix (matched as the prefix itself or anything below it).
    prefix: &'static str,
    /// Only this exact path, nothing below it.
    exact: bool,
    credential: CredentialNeed,
    /// The scope a 403 most likely lacks.
    scope: Option<&'static str>,
    /// What the built-in client's login sends here.
    exchange: Exchange,
    paging: Paging,
    /// The API version of a (query-less) path of the family.
    version: fn(&str) -> Option<ApiVersion>,
    /// Whether the path's segments (after the leading `/`) name a collection whose rows
    /// are addressed as `path/<_id>`.
    rows_by_id: fn(&[&str]) -> bool,
    /// Whether they name a collection that is read with a query (`_queryFilter=true` when
    /// none is given).
    queried: fn(&[&str]) -> bool,
}

/// The families, most specific first: the first row whose prefix matches wins.
/// The largest page IGA answers: `_pageSize=10000` is recorded answered
/// (`f_iga.json`), and frodo-lib reads every IGA list with it, "the max amount (any higher
/// and no results will be returned from the API)" (docs/tenant-facts.md). IGA's own
/// default is 10.
pub(crate) const IGA_MAX_PAGE_SIZE: u32 = 10_000;

/// The largest page an ESV list takes: a larger `_pageSize` is a 400 (peer, verified live:
/// docs/tenant-facts.md), so a larger `--page-size` is cut to it.
pub(crate) const ESV_MAX_PAGE_SIZE: u32 = 100;

const FAMILIES: &[Family] = &[
    Family {
        family: ApiFamily::Idm,
        prefix: "/openidm",
        exact: false,
        credential: CredentialNeed::Bearer,
        scope: Some("fr:idm:*"),
        exchange: Exchange::Primary,
        paging: Paging::Cookie,
        version: |_| None,
        rows_by_id: idm_rows_by_id,
        queried: idm_queried,
    },
    // Promotion and ESV restarts: scopes the built-in client's exchange cannot grant.
    Family {
        family: ApiFamily::Esv,
        prefix: "/environment/promotion",
        exact: false,
        credential: CredentialNeed::Bearer,
        scope: Some("fr:idc:promotion:*"),
        exchange: Exchange::Unreachable("fr:idc:promotion:*"),
        paging: Paging::None,
        version: esv_version,
        rows_by_id: |_| false,
        queried: |_| false,
    },
    Family {
        family: ApiFamily::Esv,
        prefix: "/environment/startup",
        exact: false,
        credential: CredentialNeed::Bearer,
        scope: Some("fr:idc:esv:restart"),
        exchange: Exchange::Unreachable("fr:idc:esv:restart"),
        paging: Paging::None,
        version: esv_version,
        rows_by_id: |_| false,
        queried: |_| false,
    },
    Family {
        family: ApiFamily::Esv,
        prefix: "/environment",
        exact: false,
        credential: CredentialNeed::Bearer,
        scope: Some("fr:idc:esv:read"),
        exchange: Exchange::For("fr:idc:esv:read fr:idc:esv:update"),
        paging: Paging::Cookie,
        version: esv_version,
        rows_by_id: |segments| matches!(segments, ["environment", "variables" | "secrets"]),
        queried: |_| false,
    },
    Family {
        family: ApiFamily::Iga,
        prefix: "/iga/governance/certification/template",
        exact: false,
        credential: CredentialNeed::Bearer,
        scope: Some("fr:iga:*"),
        exchange: Exchange::Unreachable("fr:iga:*"),
        paging: Paging::PageNumber,
        version: |_| None,
        rows_by_id: |_| false,
        queried: |_| false,
    },
    Family {
        family: ApiFamily::Iga,
        prefix: "/iga",
        exact: false,
        credential: CredentialNeed::Bearer,
        scope: Some("fr:iga:*"),
        exchange: Exchange::Unreachable("fr:iga:*"),
        paging: Paging::Offset,
        // Recorded: an event by id carries the version, the events query does not.
        version: |path| {
            path.strip_prefix("/iga/governance/event/")
                .is_some_and(|id| !id.is_empty())
                .then_some(ApiVersion::IgaEvent)
        },
        rows_by_id: |_| false,
        queried: |_| false,
    },
    Family {
        family: ApiFamily::AmOAuth2,
        prefix: "/am/oauth2",
        exact: false,
        credential: CredentialNeed::Bearer,
        scope: Some("fr:am:*"),
        exchange: Exchange::Primary,
        paging: Paging::None,
        version: |_| Some(ApiVersion::OAuth2),
        rows_by_id: |_| false,
        queried: |_| false,
    },
    Family {
        family: ApiFamily::Am,
        prefix: "/am",
        exact: false,
        credential: CredentialNeed::ProfileOwn,
        scope: Some("fr:am:*"),
        exchange: Exchange::For("fr:am:*"),
        paging: Paging::Cookie,
        version: am_version,
        rows_by_id: |_| false,
        queried: |_| false,
    },
    Family {
        family: ApiFamily::Health,
        prefix: "/monitoring/health",
        exact: true,
        credential: CredentialNeed::ProfileOwn,
        scope: None,
        exchange: Exchange::Primary,
        paging: Paging::None,
        version: |_| None,
        rows_by_id: |_| false,
        queried: |_| false,
    },
    Family {
        family: ApiFamily::Logs,
        prefix: "/monitoring",
        exact: false,
        credential: CredentialNeed::LogKey,
        scope: None,
        exchange: Exchange::For("fr:idc:monitoring:*"),
        paging: Paging::LogCookie,
        version: |_| None,
        rows_by_id: |_| false,
        queried: |_| false,
    },
];

/// Whatever matches no row.
const OTHER: Family = Family {
    family: ApiFamily::Other,
    prefix: "",
    exact: false,
    credential: CredentialNeed::ProfileOwn,
    scope: None,
    exchange: Exchange::Primary,
    paging: Paging::Cookie,
    version: |_| None,
    rows_by_id: |_| false,
    queried: |_| false,
};

/// `path` without its query and fragment: the one place a path is cut there.
pub fn without_query(path: &str) -> &str {
    path.split(['?', '#']).next().unwrap_or(path)
}

/// Whether `path` is `prefix` or below it.
fn under(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// IDM's queried collections, and the relationship collections of a managed or internal
/// object (`/openidm/managed/<type>/<id>/<relationship>`).
fn idm_rows_by_id(segments: &[&str]) -> bool {
    idm_queried(segments) || matches!(segments, ["openidm", "managed" | "internal", _, _, _])
}

/// `/openidm/managed/<type>`, `/openidm/internal/<type>` or `/openidm/system/<c>/<t>`.
fn idm_queried(segments: &[&str]) -> bool {
    matches!(
        segments,
        ["openidm", "managed" | "internal", _] | ["openidm", "system", _, _]
    )
}

fn esv_version(path: &str) -> Option<ApiVersion> {
    Some(if under(path, "/environment/count") {
        ApiVersion::EnvironmentCount
    } else if under(path, "/environment/release") {
        ApiVersion::EnvironmentRelease
    } else {
        ApiVersion::Environment
    })
}

fn am_version(path: &str) -> Option<ApiVersion> {
    if !under(path, "/am/json") {
        return None;
    }
    Some(if under(path, "/am/json/serverinfo/version") {
        ApiVersion::ServerInfoVersion
    } else if under(path, "/am/json/serverinfo") {
        ApiVersion::ServerInfo
    } else if path.ends_with("/authenticate") {
        ApiVersion::Authenticate
    } else if path.ends_with("/sessions") || path.contains("/sessions/") {
        ApiVersion::Sessions
    } else {
        ApiVersion::AmConfig
    })
}

/// A request path of the tenant (query and fragment cut off) with its family.
#[derive(Clone, Copy)]
pub struct Endpoint<'a> {
    path: &'a str,
    row: &'static Family,
}

impl<'a> Endpoint<'a> {
    /// The endpoint of a tenant path (a query and fragment may follow).
    pub fn of(path: &'a str) -> Endpoint<'a> {
        let path = without_query(path);
        let row = FAMILIES
            .iter()
            .find(|row| {
                if row.exact {
                    path == row.prefix
                } else {
                    under(path, row.prefix)
                }
            })
            .unwrap_or(&OTHER);
        Endpoint { path, row }
    }

    /// The path, without query and fragment.
    #[cfg(test)]
    pub(crate) fn path(&self) -> &'a str {
        self.path
    }

    #[cfg(test)]
    pub(crate) fn family(&self) -> ApiFamily {
        self.row.family
    }

    /// The credential a request to this path carries.
    pub fn credential(&self) -> CredentialNeed {
        self.row.credential
    }

    /// Its `Accept-API-Version`, if the family takes one.
    pub(crate) fn api_version(&self) -> Option<ApiVersion> {
        (self.row.version)(self.path)
    }

    /// The scope a 403 from this path most likely lacks.
    pub(crate) fn scope(&self) -> Option<&'static str> {
        self.row.scope
    }

    /// What a login through the tenant's built-in CLI client sends here.
    pub(crate) fn exchange(&self) -> Exchange {
        self.row.exchange
    }

    /// How the family's collections page.
    pub(crate) fn paging(&self) -> Paging {
        self.row.paging
    }

    /// Whether the path is a collection whose rows are addressed as `path/<_id>`: IDM
    /// managed, internal and system objects, relationship collections of a managed or
    /// internal object, ESV variables and secrets.
    pub(crate) fn addresses_rows_by_id(&self) -> bool {
        (self.row.rows_by_id)(&self.segments())
    }

    /// Whether the path is a collection read with a query, so a read without one gets
    /// `_queryFilter=true` (IDM managed, internal and system objects).
    pub(crate) fn is_queried_collection(&self) -> bool {
        (self.row.queried)(&self.segments())
    }

    fn segments(&self) -> Vec<&'a str> {
        self.path.trim_end_matches('/').split('/').skip(1).collect()
    }

    /// Whether the path is a collection of ESVs (variables, secrets): its rows are created
    /// and replaced with a `PUT` on their id only (no `POST ?_action=create`), and they
    /// carry no `_rev` (recording: `e_environment_esv.json`).
    pub(crate) fn is_esv_collection(&self) -> bool {
        self.row.family == ApiFamily::Esv && self.addresses_rows_by_id()
    }

    pub(crate) fn is_idm(&self) -> bool {
        self.row.family == ApiFamily::Idm
    }

    pub(crate) fn is_iga(&self) -> bool {
        self.row.family == ApiFamily::Iga
    }

    /// An IGA list of the first level (`/iga/governance/user`, `/iga/governance/application`,
    /// ...): the collections frodo-lib pages through, asked for in the largest page.
    /// Deeper paths may be one object (`/iga/governance/user/<id>`), so they are asked for
    /// as given, and read on in large pages once their first answer shows a list.
    pub(crate) fn is_iga_list(&self) -> bool {
        self.is_iga() && self.row.paging == Paging::Offset && self.segments().len() == 3
    }

    /// The list of a page-numbered family itself (`/iga/governance/certification/template`),
    /// not one of its objects: it is asked for by `pageSize` and `pageNumber`.
    pub(crate) fn is_page_numbered_list(&self) -> bool {
        self.row.paging == Paging::PageNumber
            && self.segments().len() == self.row.prefix.split('/').skip(1).count()
    }
}

/// The scopes of a `--scope "fr:am:* fr:idm:*"` flag, or of a token answer's `scope`
/// (OAuth's space-separated form).
pub fn split_scopes(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_family_is_found_by_its_prefix_and_nothing_else() {
        let cases = [
            ("/openidm", ApiFamily::Idm),
            (
                "/openidm/managed/alpha_user?_queryFilter=true",
                ApiFamily::Idm,
            ),
            ("/openidmx", ApiFamily::Other),
            ("/environment/variables", ApiFamily::Esv),
            ("/iga/governance/user", ApiFamily::Iga),
            ("/igax", ApiFamily::Other),
            ("/am/oauth2/access_token", ApiFamily::AmOAuth2),
            ("/am/oauth2x", ApiFamily::Am),
            ("/am/json/realms/root/sessions", ApiFamily::Am),
            ("/am/XUI/", ApiFamily::Am),
            ("/monitoring/health", ApiFamily::Health),
            ("/monitoring/health/x", ApiFamily::Logs),
            ("/monitoring/logs?source=am-core", ApiFamily::Logs),
            ("/monitoring/logs/tail", ApiFamily::Logs),
            ("/", ApiFamily::Other),
            ("/platform/", ApiFamily::Other),
        ];
        for (path, family) in cases {
            assert_eq!(Endpoint::of(path).family(), family, "{path}");
        }
    }

    #[test]
    fn bearer_for_idm_esv_iga_oauth2_the_log_key_for_monitoring() {
        let need = |path: &str| Endpoint::of(path).credential();
        for path in [
            "/openidm",
            "/openidm/managed/alpha_user?x",
            "/environment/variables",
            "/iga/governance/user",
            "/am/oauth2/access_token",
        ] {
            assert_eq!(need(path), CredentialNeed::Bearer, "{path}");
        }
        for path in [
            "/am/json/realms/root/sessions",
            "/am",
            "/openidmx",
            "/monitoring/health",
            "/",
        ] {
            assert_eq!(need(path), CredentialNeed::ProfileOwn, "{path}");
        }
        for path in ["/monitoring/logs", "/monitoring/logs/sources"] {
            assert_eq!(need(path), CredentialNeed::LogKey, "{path}");
        }
    }

    #[test]
    fn scopes_by_family() {
        let scope = |path: &str| Endpoint::of(path).scope();
        assert_eq!(
            scope("/openidm/managed/x?_queryFilter=true"),
            Some("fr:idm:*")
        );
        assert_eq!(scope("/environment/secrets"), Some("fr:idc:esv:read"));
        assert_eq!(scope("/iga/governance/user"), Some("fr:iga:*"));
        assert_eq!(scope("/am/json/realms/root"), Some("fr:am:*"));
        assert_eq!(scope("/am/oauth2/authorize"), Some("fr:am:*"));
        assert_eq!(scope("/monitoring/logs"), None);
        assert_eq!(scope("/x"), None);
    }

    #[test]
    fn paging_and_rows_by_id() {
        assert_eq!(Endpoint::of("/openidm/managed/u").paging(), Paging::Cookie);
        assert_eq!(
            Endpoint::of("/iga/governance/user").paging(),
            Paging::Offset
        );
        assert_eq!(Endpoint::of("/monitoring/logs").paging(), Paging::LogCookie);
        assert_eq!(Endpoint::of("/am/oauth2/authorize").paging(), Paging::None);
        let by_id = |path: &str| Endpoint::of(path).addresses_rows_by_id();
        let queried = |path: &str| Endpoint::of(path).is_queried_collection();
        for path in [
            "/openidm/managed/alpha_user",
            "/openidm/managed/alpha_user/",
            "/openidm/internal/role?_queryFilter=true",
            "/openidm/system/OUD/__ACCOUNT__",
        ] {
            assert!(by_id(path) && queried(path), "{path}");
        }
        for path in [
            "/openidm/managed/alpha_user/u1/roles",
            "/environment/variables",
            "/environment/secrets",
        ] {
            assert!(by_id(path) && !queried(path), "{path}");
        }
        for path in [
            "/openidm/managed/alpha_user/abc",
            "/openidm/config",
            "/openidm/config/ui/configuration",
            "/openidm/system/OUD",
            "/environment/variables/esv-a",
            "/environment/startup",
            "/iga/governance/user",
            "/am/json/realms/root/sessions",
        ] {
            assert!(!by_id(path) && !queried(path), "{path}");
        }
    }

    #[test]
    fn the_query_and_fragment_are_cut_once() {
        let endpoint = Endpoint::of("/openidm/managed/u?_queryFilter=a#b");
        assert_eq!(endpoint.path(), "/openidm/managed/u");
        assert_eq!(without_query("/x#y?z"), "/x");
        assert!(Endpoint::of("/iga?x").is_iga());
        assert!(Endpoint::of("/openidm#x").is_idm());
    }

    #[test]
    fn accept_api_version_follows_the_recorded_table() {
        let cases = [
            ("/am/json/serverinfo/*", Some("resource=1.1")),
            (
                "/am/json/serverinfo/version",
                Some("protocol=2.1,resource=1.0"),
            ),
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
            assert_eq!(
                Endpoint::of(path)
                    .api_version()
                    .map(ApiVersion::header_value),
                expected,
                "{path}"
            );
        }
    }

    #[test]
    fn the_builtin_client_is_exchanged_per_family() {
        use Exchange::{For, Primary, Unreachable};
        for (path, expected) in [
            ("/openidm/managed/alpha_user", Primary),
            ("/am/json/realms/root/realms/alpha/users/x", For("fr:am:*")),
            (
                "/environment/variables?_pageSize=1",
                For("fr:idc:esv:read fr:idc:esv:update"),
            ),
            (
                "/environment/secrets/esv-x/versions",
                For("fr:idc:esv:read fr:idc:esv:update"),
            ),
            (
                "/environment/startup?_action=restart",
                Unreachable("fr:idc:esv:restart"),
            ),
            (
                "/environment/promotion/lock",
                Unreachable("fr:idc:promotion:*"),
            ),
            ("/iga/governance/user", Unreachable("fr:iga:*")),
            ("/monitoring/logs/sources", For("fr:idc:monitoring:*")),
            ("/monitoring/health", Primary),
            ("/am/oauth2/access_token", Primary),
        ] {
            assert_eq!(Endpoint::of(path).exchange(), expected, "{path}");
        }
        // The promotion and restart rows stay ESV in every other respect.
        assert_eq!(
            Endpoint::of("/environment/startup").family(),
            ApiFamily::Esv
        );
        assert_eq!(
            Endpoint::of("/environment/promotion/lock").family(),
            ApiFamily::Esv
        );
    }

    /// The redacted recordings of real tenant traffic (`tests/fixtures/frodo-recordings`).
    fn recordings_dir() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/frodo-recordings")
    }

    // The `Accept-API-Version` idc sends for a path is the one the real tenant was sent for
    // it: every vendored recording that carries (or omits) the header is compared with
    // `Endpoint::of(path).api_version()`. The recordings are the oracle, not a hand-written
    // copy of the table.

    /// `resource=2.0, protocol=1.0` and `protocol=1.0,resource=1.0` compare by their parts.
    fn parts(header: &str) -> Vec<String> {
        let mut parts: Vec<String> = header
            .split(',')
            .map(|part| part.trim().replace(' ', ""))
            .filter(|part| !part.is_empty())
            .collect();
        parts.sort();
        parts
    }

    /// Every recorded request: (file, method, path with query, its Accept-API-Version).
    fn recorded_requests() -> Vec<(String, String, String, Option<String>)> {
        let mut requests = Vec::new();
        for entry in std::fs::read_dir(recordings_dir()).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let doc: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let file = path.file_name().unwrap().to_string_lossy().into_owned();
            for entry in doc["entries"].as_array().into_iter().flatten() {
                let url = url::Url::parse(entry["url"].as_str().expect("url")).unwrap();
                let path_and_query = match url.query() {
                    Some(query) => format!("{}?{query}", url.path()),
                    None => url.path().to_string(),
                };
                let version = entry["request_headers"]
                    .as_object()
                    .and_then(|headers| {
                        headers
                            .iter()
                            .find(|(name, _)| name.eq_ignore_ascii_case("accept-api-version"))
                    })
                    .and_then(|(_, value)| value.as_str())
                    .map(str::to_string);
                let method = entry["method"].as_str().unwrap_or("").to_string();
                requests.push((file.clone(), method, path_and_query, version));
            }
        }
        requests
    }

    #[test]
    fn the_api_version_of_every_recorded_request_is_what_idc_sends() {
        let requests = recorded_requests();
        let with_header = requests.iter().filter(|r| r.3.is_some()).count();
        assert!(
            with_header >= 8,
            "only {with_header} recorded requests carry Accept-API-Version: are the recordings read?"
        );
        // A path recorded with several values (AM took both) may be sent with any of them.
        let mut differences = Vec::new();
        for (file, method, path, _) in &requests {
            let recorded: Vec<Option<Vec<String>>> = requests
                .iter()
                .filter(|other| other.1 == *method && other.2 == *path)
                .map(|other| other.3.as_deref().map(parts))
                .collect();
            let sent = Endpoint::of(path).api_version().map(|v| v.header_value());
            if !recorded.contains(&sent.map(parts)) {
                differences.push(format!(
                    "{file}: {method} {path}: recorded {recorded:?}, idc sends {sent:?}"
                ));
            }
        }
        assert!(
            differences.is_empty(),
            "Accept-API-Version differs from the recordings:\n{}",
            differences.join("\n")
        );
    }
}
