//! Requests to the tenant: the URL of a path or full URL (only ever the profile's tenant),
//! query encoding as the recorded clients do it, IDM's query defaults, and GET with the
//! single renewal and retry on a 401. The place for the write verbs' requests too.

use serde_json::Value;
use url::Url;

use crate::api::Endpoint;
use crate::credentials::{Credential, Credentials};
use crate::error::{Error, Result};
use crate::http::{self, Answer};
use crate::paging::{Query, ReadProgress};
use crate::percent::encode_component;
use crate::profile::Profile;

/// Replace (or add) the query parameters `params` of `url`, keeping the others in order.
pub(crate) fn set_query_params(url: &mut Url, params: &[(String, String)]) {
    let mut pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    for (name, value) in params {
        if let Some(existing) = pairs.iter_mut().find(|(n, _)| n == name) {
            existing.1 = value.clone();
        } else {
            pairs.push((name.clone(), value.clone()));
        }
    }
    let query: Vec<String> = pairs
        .iter()
        .map(|(name, value)| format!("{}={}", encode_component(name), encode_component(value)))
        .collect();
    url.set_query((!query.is_empty()).then(|| query.join("&")).as_deref());
}

/// The URL for `path` (a tenant path or a full URL of the profile's tenant) with the
/// query applied and the IDM defaults (`_queryFilter=true`, `_pageSize=1000`).
pub(crate) fn request_url(profile: &Profile, path: &str, query: &Query) -> Result<Url> {
    let mut url = tenant_target(profile, path)?;
    let params = query_params(&url, query);
    set_query_params(&mut url, &params);
    Ok(url)
}

/// `path` on the profile's tenant, or a full URL that must be on it; no fragment.
pub(crate) fn tenant_target(profile: &Profile, path: &str) -> Result<Url> {
    let path = path.trim();
    let invalid = |reason: String| Error::InvalidUrl {
        url: crate::api::without_query(path).to_string(),
        reason,
    };
    let mut url = if path.starts_with("//") {
        return Err(invalid("a path must start with a single '/'".to_string()));
    } else if path.starts_with('/') {
        profile
            .tenant
            .join(path)
            .map_err(|error| invalid(error.to_string()))?
    } else if path.starts_with("http://") || path.starts_with("https://") {
        Url::parse(path).map_err(|error| invalid(error.to_string()))?
    } else {
        return Err(invalid(
            "give a path that starts with '/' (e.g. /openidm/managed/alpha_user) or a full URL of the tenant"
                .to_string(),
        ));
    };
    if !profile.matches(&url) {
        return Err(invalid(format!(
            "it is not on the tenant of profile '{}' ({}): idc sends credentials only to the profile's tenant",
            profile.name,
            http::origin(&profile.tenant)
        )));
    }
    url.set_fragment(None);
    Ok(url)
}

/// The query's parameters for `url`, with IDM's defaults where the URL and the query
/// give none: `_queryFilter=true` for a collection, `_pageSize=1000` for a query.
fn query_params(url: &Url, query: &Query) -> Vec<(String, String)> {
    let existing: Vec<String> = url
        .query_pairs()
        .map(|(name, _)| name.into_owned())
        .collect();
    let mut params: Vec<(String, String)> = Vec::new();
    if let Some(filter) = &query.filter {
        params.push(("_queryFilter".to_string(), filter.clone()));
    }
    if let Some(fields) = &query.fields {
        params.push(("_fields".to_string(), fields.join(",")));
    }
    if let Some(sort) = &query.sort {
        params.push(("_sortKeys".to_string(), sort.join(",")));
    }
    if let Some(page_size) = query.page_size {
        params.push(("_pageSize".to_string(), page_size.to_string()));
    }
    params.extend(query.extra.iter().cloned());
    let has = |params: &[(String, String)], name: &str| {
        existing.iter().any(|n| n == name) || params.iter().any(|(n, _)| n == name)
    };
    let queried = |params: &[(String, String)]| {
        ["_queryFilter", "_queryId", "_queryExpression"]
            .iter()
            .any(|name| has(params, name))
    };
    let endpoint = Endpoint::of(url.path());
    if endpoint.is_queried_collection() && !queried(&params) {
        params.insert(0, ("_queryFilter".to_string(), "true".to_string()));
    }
    // As frodo does: IDM queries ask for big pages, so a page cookie comes back.
    if endpoint.is_idm() && queried(&params) && !has(&params, "_pageSize") {
        params.push(("_pageSize".to_string(), "1000".to_string()));
    }
    // An ESV list takes pages of 100 at most (a larger one is a 400, peer-verified live).
    if endpoint.is_esv_collection() {
        cap_page_size(&mut params, crate::api::ESV_MAX_PAGE_SIZE);
    }
    if endpoint.is_iga() {
        // IGA's default page is 10 and a page over its largest comes back empty (frodo).
        let largest = crate::api::IGA_MAX_PAGE_SIZE;
        cap_page_size(&mut params, largest);
        if endpoint.is_iga_list() && !has(&params, "_pageSize") {
            params.push(("_pageSize".to_string(), largest.to_string()));
        }
        // Certification templates take `pageSize` and `pageNumber` (frodo's recorded
        // request: `pageSize=10000&pageNumber=0`).
        if endpoint.is_page_numbered_list() {
            for (name, _) in &mut params {
                if name == "_pageSize" {
                    *name = "pageSize".to_string();
                }
            }
            if !has(&params, "pageSize") {
                params.push(("pageSize".to_string(), largest.to_string()));
            }
            if !has(&params, "pageNumber") {
                params.push(("pageNumber".to_string(), "0".to_string()));
            }
        }
    }
    params
}

/// `_pageSize` cut to `largest`, the most the family answers.
fn cap_page_size(params: &mut [(String, String)], largest: u32) {
    for (name, value) in params {
        if name == "_pageSize"
            && value
                .parse::<u64>()
                .is_ok_and(|size| size > u64::from(largest))
        {
            *value = largest.to_string();
        }
    }
}

fn send_get(
    credentials: &Credentials,
    profile: &Profile,
    url: &Url,
    credential: &Credential,
) -> Result<Answer> {
    http::send(
        &credentials.client(profile)?,
        &profile.tenant,
        url.path(),
        |client| {
            client.get(url.clone()).header(
                credential.header_name.as_str(),
                credential.header_value.expose().as_str(),
            )
        },
    )
}

/// GET `url` with the profile's credential; on a 401, renew the credential once and retry.
pub(crate) fn get_json(credentials: &Credentials, profile: &Profile, url: &Url) -> Result<Value> {
    get_success(credentials, profile, url)?.parse()
}

/// GET `url` once with the profile's credential as it is: no renewal on a 401 and no
/// forgetting of the token, for a look that is only worth having when it works (what a
/// tenant says of itself at login) and must never cost the login its credential. `None`
/// for any answer but a success.
pub(crate) fn get_once(
    credentials: &Credentials,
    profile: &Profile,
    url: &Url,
) -> Result<Option<Value>> {
    let credential = credentials.credential(profile, url.path(), None)?;
    let answer = send_get(credentials, profile, url, &credential)?;
    if !answer.is_success() {
        return Ok(None);
    }
    answer.json(url.path()).map(Some)
}

/// GET `url` like [`get_json`], but hand back the successful answer unparsed: a prefetching
/// reader reads only the paging fields before asking for the next page.
pub(crate) fn get_success(
    credentials: &Credentials,
    profile: &Profile,
    url: &Url,
) -> Result<crate::paging::RawPage> {
    let path = url.path().to_string();
    let answer = credentials.send_renewing(profile, &path, |credential| {
        send_get(credentials, profile, url, credential)
    })?;
    if answer.is_success() {
        Ok(crate::paging::RawPage::new(path, answer))
    } else {
        Err(refused_end_user(profile, answer.error("GET", &path)))
    }
}

/// A 403 to a realm user's session profile is said as what it is: such a profile reads
/// only the user's own records (a scope or an administrator's login would not help).
pub(crate) fn refused_end_user(profile: &Profile, error: Error) -> Error {
    match (profile.end_user(), &error) {
        (
            Some(user),
            Error::Service {
                method,
                path,
                status: 403,
                ..
            },
        ) => Error::EndUser {
            profile: profile.name.clone(),
            username: user.to_string(),
            realm: crate::auth::realm::realm_label(&profile.realm),
            reason: format!("{method} {path}: 403 Forbidden"),
        },
        _ => error,
    }
}

/// One page's GET, counted into `progress`, its waits shown as they happen.
pub(crate) fn get_counted(
    credentials: &Credentials,
    profile: &Profile,
    url: &Url,
    progress: &ReadProgress,
) -> Result<crate::paging::RawPage> {
    let observer = progress.clone();
    let page = crate::http::observing_waits(
        move |wait| observer.transport_wait(wait),
        || get_success(credentials, profile, url),
    );
    progress.request();
    page
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::sa_profile;

    /// Certification templates are asked for as frodo's recorded request asks: `pageSize`
    /// and `pageNumber`, never IGA's `_pageSize`; one template is asked for as given. An ESV
    /// list gets pages of 100 at most.
    #[test]
    fn each_family_is_asked_for_the_pages_it_takes() {
        let profile = sa_profile();
        let url =
            |path: &str, query: &Query| request_url(&profile, path, query).unwrap().to_string();
        let templates = "/iga/governance/certification/template";
        assert_eq!(
            url(templates, &Query::default()),
            format!("https://tenant.example.com{templates}?pageSize=10000&pageNumber=0")
        );
        let small = Query {
            page_size: Some(5),
            ..Query::default()
        };
        assert_eq!(
            url(templates, &small),
            format!("https://tenant.example.com{templates}?pageSize=5&pageNumber=0")
        );
        assert_eq!(
            url(&format!("{templates}/f52d6c57"), &Query::default()),
            format!("https://tenant.example.com{templates}/f52d6c57")
        );
        // An ESV list takes pages of 100 at most.
        let big = Query {
            page_size: Some(1000),
            ..Query::default()
        };
        assert_eq!(
            url("/environment/variables", &big),
            "https://tenant.example.com/environment/variables?_pageSize=100"
        );
        // The rest of IGA keeps its own parameters.
        assert!(
            url("/iga/governance/user", &Query::default()).ends_with("?_pageSize=10000"),
            "{}",
            url("/iga/governance/user", &Query::default())
        );
    }

    #[test]
    fn idm_collections_get_default_filter_and_page_size() {
        let profile = sa_profile();
        let url =
            |path: &str, query: &Query| request_url(&profile, path, query).unwrap().to_string();
        let none = Query::default();
        assert_eq!(
            url("/openidm/managed/alpha_user", &none),
            "https://tenant.example.com/openidm/managed/alpha_user?_queryFilter=true&_pageSize=1000"
        );
        assert_eq!(
            url("/openidm/system/OUD/__ACCOUNT__", &none),
            "https://tenant.example.com/openidm/system/OUD/__ACCOUNT__?_queryFilter=true&_pageSize=1000"
        );
        assert_eq!(
            url("/openidm/managed/alpha_user/abc", &none),
            "https://tenant.example.com/openidm/managed/alpha_user/abc"
        );
        let query = Query {
            filter: Some("sn sw \"S\"".to_string()),
            fields: Some(vec!["userName".to_string(), "sn".to_string()]),
            sort: Some(vec!["-sn".to_string()]),
            page_size: Some(50),
            extra: vec![("_totalPagedResultsPolicy".to_string(), "EXACT".to_string())],
        };
        assert_eq!(
            url("/openidm/managed/alpha_user", &query),
            "https://tenant.example.com/openidm/managed/alpha_user?_queryFilter=sn%20sw%20%22S%22&_fields=userName%2Csn&_sortKeys=-sn&_pageSize=50&_totalPagedResultsPolicy=EXACT"
        );
        assert_eq!(
            url(
                "https://tenant.example.com:443/openidm/managed/alpha_user?_queryId=query-all-ids",
                &none
            ),
            "https://tenant.example.com/openidm/managed/alpha_user?_queryId=query-all-ids&_pageSize=1000"
        );
        assert_eq!(
            url("/environment/variables", &none),
            "https://tenant.example.com/environment/variables"
        );
        // IGA lists in the largest page it answers; an object as it is; never more.
        assert_eq!(
            url("/iga/governance/user", &none),
            "https://tenant.example.com/iga/governance/user?_pageSize=10000"
        );
        assert_eq!(
            url("/iga/governance/user/abc", &none),
            "https://tenant.example.com/iga/governance/user/abc"
        );
        let big = Query {
            page_size: Some(50_000),
            ..Query::default()
        };
        assert_eq!(
            url("/iga/governance/application", &big),
            "https://tenant.example.com/iga/governance/application?_pageSize=10000"
        );
        assert_eq!(
            url("/am/json/serverinfo/*", &none),
            "https://tenant.example.com/am/json/serverinfo/*"
        );
    }

    #[test]
    fn credentials_go_only_to_the_profiles_tenant() {
        let profile = sa_profile();
        for bad in [
            "https://evil.example.com/openidm/managed/alpha_user",
            "http://tenant.example.com/openidm",
            "https://tenant.example.com:8443/openidm",
            "//evil.example.com/x",
            "openidm/managed/alpha_user",
        ] {
            let result = request_url(&profile, bad, &Query::default());
            assert!(
                matches!(result, Err(Error::InvalidUrl { .. })),
                "{bad}: {result:?}"
            );
        }
    }
}
