//! Writes: the CREST verbs (create, update, patch, delete, action) for rows of a table.
//!
//! Two steps, as reads have: [`plan`] turns a row and the user's choices into the exact
//! request ([`Write`]) without any I/O, so `--dry-run` shows what would be sent and the
//! rules are unit-tested; a [`WriteStream`] sends planned writes through a window of
//! requests in flight sized by an adaptive limiter (`limiter`, `window`) and answers one
//! [`Outcome`] per input, in input order (`reorder`). A refused row (412 stale revision,
//! 403 policy, 404, 409) is an outcome like any other: it never stops the rest. Only a
//! 429 is retried (the tenant did nothing), a 401 once after renewing the credential, and
//! a create by `_id` after a lost answer (`If-None-Match: *` makes that safe); anything
//! else that may have been applied is never sent twice.

mod address;
mod limiter;
mod reorder;
mod secrets;
mod send;
mod window;

use serde_json::{Map, Value};
use url::Url;

use crate::api::Endpoint;
use crate::profile::Profile;
use crate::request;

use address::{check_segments, child_url};
pub use secrets::hide_secrets;
pub(crate) use window::HoldsCredentials;
pub use window::{Concurrency, Progress, WriteStream};

/// Properties never sent in a `PUT` body, whatever the schema says: the revision travels in
/// `If-Match`, `_meta` is IDM's bookkeeping, and these are virtual properties of users that
/// IDM computes (the `effective*` family and `memberOfOrgIDs`).
const ALWAYS_COMPUTED: &[&str] = &["_rev", "_meta", "memberOfOrgIDs"];

/// What the ESV API reports and keeps itself (recording: `e_environment_esv.json`): left
/// out of a `PUT` body, with the `_id` the URL carries, as the recorded writes do.
const ESV_READ_ONLY: &[&str] = &[
    "_id",
    "loaded",
    "lastChangeDate",
    "lastChangedBy",
    "activeVersion",
    "loadedVersion",
];

/// [`writable_body`] for `url`: an ESV's without what the ESV API keeps itself.
fn body_for(url: &Url, row: &Map<String, Value>, computed: &[String]) -> Value {
    let mut body = writable_body(row, computed);
    if is_esv_object(url)
        && let Value::Object(fields) = &mut body
    {
        fields.retain(|name, _| !ESV_READ_ONLY.contains(&name.as_str()));
    }
    body
}

/// The CREST verbs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verb {
    Create,
    Update,
    Patch,
    Delete,
    /// `POST ?_action=<name>`.
    Action(String),
}

impl Verb {
    /// The name in a result row's `action` column.
    pub fn name(&self) -> &str {
        match self {
            Verb::Create => "create",
            Verb::Update => "update",
            Verb::Patch => "patch",
            Verb::Delete => "delete",
            Verb::Action(name) => name,
        }
    }
}

/// One write, exactly as it would be sent. `Debug` leaves the body out: a created user's
/// body can carry a password.
#[derive(Clone, PartialEq)]
pub struct Write {
    pub verb: Verb,
    pub method: &'static str,
    pub url: Url,
    /// The object's `_id`, when known before sending.
    pub id: Option<String>,
    pub if_match: Option<String>,
    /// `If-None-Match: *`: create only if absent.
    pub if_none_match: bool,
    pub body: Option<Value>,
}

impl std::fmt::Debug for Write {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Write")
            .field("verb", &self.verb)
            .field("method", &self.method)
            .field("url", &self.url.as_str())
            .field("id", &self.id)
            .field("if_match", &self.if_match)
            .field("if_none_match", &self.if_none_match)
            .field("body", &self.body.as_ref().map(|_| "<body>"))
            .finish()
    }
}

/// What the user chose for a batch of writes.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// `If-Match: *` where a row has no `_rev` (update, patch, delete).
    pub force: bool,
    /// Properties of the target type to leave out of a `PUT` (from its schema).
    pub computed: Vec<String>,
}

/// Why a row was not written, or what the tenant said.
#[derive(Clone, Debug, PartialEq)]
pub enum RowError {
    /// The input item is not a record.
    NotARecord,
    /// A collection was addressed but the row has no string `_id`.
    NoId,
    /// The `_id` cannot name an object under the collection: empty, blank, a dot segment
    /// in any spelling, a `/` or `\`, or a control character (see `address::check_id`).
    BadId(String),
    /// The target path itself cannot be written (an empty `//` segment).
    BadPath(String),
    /// A row whose `_id` names another object was sent to a path that does not address
    /// rows by `_id` (one object, or a collection of another kind): it would write the
    /// path itself once per row.
    NotAddressedById { path: String, id: String },
    /// `update` of a row without `_rev`, and not forced: writing it could undo someone
    /// else's change.
    NoRev,
    /// A create without `_id` under a collection that creates only by a `PUT` on the id
    /// (ESV variables and secrets).
    CreateNeedsId,
    /// The operations of a patch are not a list of `{operation, field[, value]}` records.
    BadOperations(String),
    /// The tenant refused the row: status and its message (a policy failure names each
    /// failing property and requirement).
    Refused { status: u16, message: String },
    /// The request did not get an answer (network, credential).
    Failed(String),
    /// A create whose answer was lost (timeout, reset after sending): the object may or
    /// may not exist, and sending it again could create it twice.
    Unknown(String),
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RowError::NotARecord => write!(f, "the input is not a record"),
            RowError::NoId => write!(f, "the row has no _id to address it by"),
            RowError::BadId(id) => write!(
                f,
                "the _id {id:?} cannot name an object (it must be one non-empty path segment: no '/', '\\', control characters, '.' or '..')"
            ),
            RowError::BadPath(why) => write!(f, "{why}"),
            RowError::NotAddressedById { path, id } => write!(
                f,
                "{path} does not address rows by _id, so the row with _id {id:?} would write {path} itself: give the row's own path, or a collection whose rows are addressed by _id (managed objects, their relationships, ESV variables and secrets)"
            ),
            RowError::NoRev => write!(
                f,
                "the row has no _rev, so the write could undo a newer change (read the row first, or force it)"
            ),
            RowError::CreateNeedsId => write!(
                f,
                "ESV variables and secrets are created with a PUT on their id: give the row an _id (esv-...)"
            ),
            RowError::BadOperations(why) => write!(f, "bad patch operations: {why}"),
            RowError::Refused { message, .. } => write!(f, "{message}"),
            RowError::Failed(message) => write!(f, "{message}"),
            RowError::Unknown(message) => write!(
                f,
                "unknown: the answer was lost ({message}); the object may or may not have been created: look before sending the row again"
            ),
        }
    }
}

/// A row ready to go: the request to send, or the outcome of a row that cannot be sent.
#[derive(Clone, Debug, PartialEq)]
pub enum Planned {
    Send(Write),
    Unsent(Outcome),
}

/// The result of one input row.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub id: Option<String>,
    pub action: String,
    /// The HTTP status; `None` when nothing was sent.
    pub code: Option<u16>,
    pub rev: Option<String>,
    pub error: Option<RowError>,
    /// The tenant's answer on success (what an action returns, the object written).
    pub body: Option<Value>,
    /// How many times the row was sent again (after a 429, or a lost answer of a create
    /// by `_id`).
    pub retries: u32,
}

impl Outcome {
    /// The outcome of a row that could not be planned: nothing sent.
    pub fn unsent(verb: &Verb, row: Option<&Value>, error: RowError) -> Outcome {
        Outcome {
            id: row.and_then(|row| string_member(row, "_id")),
            action: verb.name().to_string(),
            code: None,
            rev: None,
            error: Some(error),
            body: None,
            retries: 0,
        }
    }
}

fn string_member(row: &Value, name: &str) -> Option<String> {
    row.get(name).and_then(Value::as_str).map(str::to_string)
}

/// The target URL: `path` itself, or, for a collection that addresses rows by `_id`, the
/// row's `_id` under it.
fn object_url(
    profile: &Profile,
    path: &str,
    row: Option<&Value>,
) -> std::result::Result<(Url, Option<String>), RowError> {
    let base = target(profile, path)?;
    let id = row.and_then(|row| string_member(row, "_id"));
    if Endpoint::of(base.path()).addresses_rows_by_id() {
        let id = id.ok_or(RowError::NoId)?;
        return Ok((child_url(&base, &id)?, Some(id)));
    }
    // One object, named by its path: a row may say which (IDM config ids hold '/'), never
    // another one.
    let decoded = crate::percent::decode_lossy(base.path());
    match id {
        Some(id)
            if !decoded.trim_end_matches('/').ends_with(&format!("/{id}")) && decoded != id =>
        {
            Err(RowError::NotAddressedById {
                path: base.path().to_string(),
                id,
            })
        }
        Some(id) => Ok((base, Some(id))),
        None => {
            let last = base
                .path_segments()
                .and_then(|mut s| s.next_back())
                .map(str::to_string);
            Ok((base, last))
        }
    }
}

/// The tenant URL of `path`, refused when it has an empty segment.
fn target(profile: &Profile, path: &str) -> std::result::Result<Url, RowError> {
    let base =
        request::tenant_target(profile, path).map_err(|e| RowError::Failed(e.to_string()))?;
    check_segments(&base)?;
    Ok(base)
}

fn with_action(mut url: Url, action: &str) -> Url {
    request::set_query_params(&mut url, &[("_action".to_string(), action.to_string())]);
    url
}

fn revision(row: Option<&Value>, force: bool) -> Option<String> {
    row.and_then(|row| string_member(row, "_rev"))
        .or_else(|| force.then(|| "*".to_string()))
}

fn as_record(row: &Value) -> std::result::Result<&Map<String, Value>, RowError> {
    row.as_object().ok_or(RowError::NotARecord)
}

/// The body of a `PUT`/create: the row without what the tenant computes.
pub(crate) fn writable_body(row: &Map<String, Value>, computed: &[String]) -> Value {
    let body: Map<String, Value> = row
        .iter()
        .filter(|(name, _)| {
            !ALWAYS_COMPUTED.contains(&name.as_str())
                && !name.starts_with("effective")
                && !computed.iter().any(|c| c == *name)
        })
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect();
    Value::Object(body)
}

/// Check and normalise CREST patch operations: a list of records with `operation` and
/// `field` (a JSON pointer; a bare name gets its `/`), and `value` where the operation
/// takes one. Null values are dropped from the records (a table with a `value` column
/// gives `remove` rows a null `value`).
pub(crate) fn patch_operations(operations: &Value) -> std::result::Result<Value, RowError> {
    let items = match operations {
        Value::Array(items) => items.clone(),
        Value::Object(_) => vec![operations.clone()],
        _ => {
            return Err(RowError::BadOperations(
                "give a list of records with operation, field and value".to_string(),
            ));
        }
    };
    if items.is_empty() {
        return Err(RowError::BadOperations("no operations given".to_string()));
    }
    let mut checked = Vec::with_capacity(items.len());
    for item in items {
        let Value::Object(mut record) = item else {
            return Err(RowError::BadOperations(
                "each operation must be a record".to_string(),
            ));
        };
        record.retain(|_, value| !value.is_null());
        let operation = record
            .get("operation")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let operation = operation.as_str();
        if !matches!(
            operation,
            "add" | "remove" | "replace" | "increment" | "copy" | "move" | "transform"
        ) {
            return Err(RowError::BadOperations(format!(
                "unknown operation '{operation}' (add, remove, replace, increment, copy, move, transform)"
            )));
        }
        let Some(field) = record.get("field").and_then(Value::as_str) else {
            return Err(RowError::BadOperations(format!(
                "the '{operation}' operation has no field"
            )));
        };
        if !field.starts_with('/') {
            let pointer = format!("/{field}");
            record.insert("field".to_string(), Value::String(pointer));
        }
        if matches!(operation, "add" | "replace" | "increment") && !record.contains_key("value") {
            return Err(RowError::BadOperations(format!(
                "the '{operation}' operation needs a value"
            )));
        }
        checked.push(Value::Object(record));
    }
    Ok(Value::Array(checked))
}

/// The request for `verb` on `path` with `row` (the piped record, if any). Pure.
pub fn plan(
    profile: &Profile,
    verb: &Verb,
    path: &str,
    row: Option<&Value>,
    operations: Option<&Value>,
    choices: &Plan,
) -> std::result::Result<Write, RowError> {
    let write = |method, url, id, if_match, if_none_match, body| Write {
        verb: verb.clone(),
        method,
        url,
        id,
        if_match,
        if_none_match,
        body,
    };
    match verb {
        Verb::Create => {
            let row = as_record(row.ok_or(RowError::NotARecord)?)?;
            let base = target(profile, path)?;
            match row.get("_id").and_then(Value::as_str) {
                None if Endpoint::of(base.path()).is_esv_collection() => {
                    Err(RowError::CreateNeedsId)
                }
                // A chosen id: PUT it, and only if it does not exist yet.
                Some(id) => {
                    let url = child_url(&base, id)?;
                    let body = body_for(&url, row, &choices.computed);
                    Ok(write(
                        "PUT",
                        url,
                        Some(id.to_string()),
                        None,
                        true,
                        Some(body),
                    ))
                }
                None => Ok(write(
                    "POST",
                    with_action(base, "create"),
                    None,
                    None,
                    false,
                    Some(writable_body(row, &choices.computed)),
                )),
            }
        }
        Verb::Update => {
            let record = as_record(row.ok_or(RowError::NotARecord)?)?;
            let (url, id) = object_url(profile, path, row)?;
            // ESVs carry no revision: a PUT on the id replaces the value, as the console's.
            let if_match = match revision(row, choices.force) {
                Some(rev) => Some(rev),
                None if is_esv_object(&url) => None,
                None => return Err(RowError::NoRev),
            };
            let body = body_for(&url, record, &choices.computed);
            Ok(write("PUT", url, id, if_match, false, Some(body)))
        }
        Verb::Patch => {
            if let Some(row) = row {
                as_record(row)?;
            }
            let operations = patch_operations(operations.unwrap_or(&Value::Null))?;
            let (url, id) = object_url(profile, path, row)?;
            // Patch operations are field by field: without a known revision they apply
            // to whatever is current, as IDM's own clients do.
            let if_match = revision(row, choices.force);
            Ok(write("PATCH", url, id, if_match, false, Some(operations)))
        }
        Verb::Delete => {
            if let Some(row) = row {
                as_record(row)?;
            }
            let (url, id) = object_url(profile, path, row)?;
            let if_match = revision(row, choices.force);
            Ok(write("DELETE", url, id, if_match, false, None))
        }
        Verb::Action(name) => {
            let url = target(profile, path)?;
            let id = row.and_then(|row| string_member(row, "_id"));
            Ok(write(
                "POST",
                with_action(url, name),
                id,
                None,
                false,
                Some(row.cloned().unwrap_or_else(|| Value::Object(Map::new()))),
            ))
        }
    }
}

/// Whether `url` is one ESV (`/environment/variables/<id>`, `/environment/secrets/<id>`).
fn is_esv_object(url: &Url) -> bool {
    let path = url.path().trim_end_matches('/');
    path.rsplit_once('/')
        .is_some_and(|(parent, id)| !id.is_empty() && Endpoint::of(parent).is_esv_collection())
}

/// Whether `path` (a tenant path or full URL) names a collection whose rows are addressed
/// by their `_id` (`Endpoint::addresses_rows_by_id`), rather than one object.
pub fn is_collection(path: &str) -> bool {
    let path = path.trim();
    let path = if path.starts_with("http://") || path.starts_with("https://") {
        Url::parse(path)
            .map(|url| url.path().to_string())
            .unwrap_or_default()
    } else {
        path.to_string()
    };
    Endpoint::of(&path).addresses_rows_by_id()
}

/// The managed object type a path names (`alpha_user` of `/openidm/managed/alpha_user[/id]`).
pub(crate) fn managed_type(path: &str) -> Option<String> {
    let path = crate::api::without_query(path);
    let path = match path.find("/openidm/") {
        Some(start) => &path[start..],
        None => path,
    };
    let mut segments = path.trim_start_matches('/').split('/');
    match (segments.next(), segments.next(), segments.next()) {
        (Some("openidm"), Some("managed"), Some(name)) if !name.is_empty() => {
            Some(name.to_string())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Answer;
    use crate::testing::sa_profile;
    use serde_json::json;

    fn planned(
        verb: Verb,
        path: &str,
        row: Option<Value>,
        force: bool,
    ) -> std::result::Result<Write, RowError> {
        plan(
            &sa_profile(),
            &verb,
            path,
            row.as_ref(),
            Some(&json!([{"operation":"replace","field":"givenName","value":"Ann"}])),
            &Plan {
                force,
                computed: vec!["roles".to_string()],
            },
        )
    }

    const USERS: &str = "/openidm/managed/alpha_user";

    #[test]
    fn esvs_are_written_by_a_put_on_their_id_without_a_revision() {
        let variables = "/environment/variables";
        let row = json!({"valueBase64": "aGk=", "expressionType": "string"});
        assert_eq!(
            planned(Verb::Create, variables, Some(row.clone()), false),
            Err(RowError::CreateNeedsId)
        );
        let mut with_id = row.clone();
        with_id["_id"] = json!("esv-x");
        let write = planned(Verb::Create, variables, Some(with_id.clone()), false).unwrap();
        assert_eq!(
            (write.method, write.url.path()),
            ("PUT", "/environment/variables/esv-x")
        );
        // ESVs carry no _rev: an update needs none, and sends no If-Match; what the API
        // keeps itself stays out of the body, as in the recorded writes.
        with_id["loaded"] = json!(true);
        with_id["lastChangeDate"] = json!("2026-07-07T13:42:48.36266Z");
        let write = planned(Verb::Update, variables, Some(with_id), false).unwrap();
        assert_eq!(write.method, "PUT");
        assert_eq!(write.if_match, None);
        assert_eq!(write.body, Some(row));
        let write = planned(
            Verb::Update,
            "/environment/secrets/esv-s",
            Some(json!({"valueBase64": "aGk="})),
            false,
        )
        .unwrap();
        assert_eq!(write.if_match, None);
        // Managed objects still need their revision.
        assert_eq!(
            planned(Verb::Update, USERS, Some(json!({"_id": "a"})), false),
            Err(RowError::NoRev)
        );
    }

    #[test]
    fn create_posts_or_puts_with_if_none_match() {
        let write = planned(
            Verb::Create,
            USERS,
            Some(json!({"userName":"a","_rev":"1"})),
            false,
        )
        .unwrap();
        assert_eq!(write.method, "POST");
        assert_eq!(
            write.url.as_str(),
            "https://tenant.example.com/openidm/managed/alpha_user?_action=create"
        );
        assert_eq!(write.body, Some(json!({"userName":"a"})));
        let write = planned(
            Verb::Create,
            USERS,
            Some(json!({"_id":"a b","userName":"a"})),
            false,
        )
        .unwrap();
        assert_eq!(write.method, "PUT");
        assert!(write.if_none_match);
        assert_eq!(
            write.url.as_str(),
            "https://tenant.example.com/openidm/managed/alpha_user/a%20b"
        );
        assert_eq!(write.id.as_deref(), Some("a b"));
        // A '/' (which servers may decode from %2F) never reaches a URL.
        assert_eq!(
            planned(Verb::Create, USERS, Some(json!({"_id":"a/b"})), false),
            Err(RowError::BadId("a/b".to_string()))
        );
    }

    #[test]
    fn update_needs_a_rev_or_force_and_strips_computed_fields() {
        let row = json!({"_id":"u1","_rev":"7","_meta":{"x":1},"userName":"a",
            "effectiveRoles":[],"memberOfOrgIDs":[],"roles":[],"mail":"a@x"});
        let write = planned(Verb::Update, USERS, Some(row), false).unwrap();
        assert_eq!(write.method, "PUT");
        assert_eq!(write.if_match.as_deref(), Some("7"));
        assert_eq!(write.url.path(), "/openidm/managed/alpha_user/u1");
        assert_eq!(
            write.body,
            Some(json!({"_id":"u1","userName":"a","mail":"a@x"}))
        );
        let no_rev = json!({"_id":"u1","userName":"a"});
        assert_eq!(
            planned(Verb::Update, USERS, Some(no_rev.clone()), false),
            Err(RowError::NoRev)
        );
        let forced = planned(Verb::Update, USERS, Some(no_rev), true).unwrap();
        assert_eq!(forced.if_match.as_deref(), Some("*"));
        assert_eq!(
            planned(Verb::Update, USERS, Some(json!({"_rev":"1"})), false),
            Err(RowError::NoId)
        );
        assert_eq!(
            planned(Verb::Update, USERS, Some(json!("text")), false),
            Err(RowError::NotARecord)
        );
        // An object path: the row's _id does not move the target.
        let write = planned(
            Verb::Update,
            "/openidm/managed/alpha_user/u2",
            Some(json!({"_rev":"3","mail":"m"})),
            false,
        )
        .unwrap();
        assert_eq!(write.url.path(), "/openidm/managed/alpha_user/u2");
        assert_eq!(write.id.as_deref(), Some("u2"));
    }

    #[test]
    fn patch_and_delete_send_the_rows_revision() {
        let write = planned(
            Verb::Patch,
            USERS,
            Some(json!({"_id":"u1","_rev":"5"})),
            false,
        )
        .unwrap();
        assert_eq!(write.method, "PATCH");
        assert_eq!(write.if_match.as_deref(), Some("5"));
        assert_eq!(
            write.body,
            Some(json!([{"operation":"replace","field":"/givenName","value":"Ann"}]))
        );
        let write = planned(Verb::Patch, "/openidm/managed/alpha_user/u9", None, false).unwrap();
        assert_eq!(write.if_match, None);
        assert_eq!(write.id.as_deref(), Some("u9"));
        let write = planned(
            Verb::Delete,
            USERS,
            Some(json!({"_id":"u1","_rev":"5"})),
            false,
        )
        .unwrap();
        assert_eq!(
            (write.method, write.if_match.as_deref()),
            ("DELETE", Some("5"))
        );
        assert_eq!(write.body, None);
        let write = planned(Verb::Delete, USERS, Some(json!({"_id":"u1"})), true).unwrap();
        assert_eq!(write.if_match.as_deref(), Some("*"));
        assert_eq!(
            planned(Verb::Delete, USERS, None, false),
            Err(RowError::NoId)
        );
    }

    #[test]
    fn rows_go_under_every_collection_that_addresses_them_by_id() {
        let row = json!({"_id": "esv-a"});
        for (path, expected) in [
            ("/environment/variables", "/environment/variables/esv-a"),
            ("/environment/secrets", "/environment/secrets/esv-a"),
            (
                "/openidm/managed/alpha_user/u1/roles",
                "/openidm/managed/alpha_user/u1/roles/esv-a",
            ),
        ] {
            for verb in [Verb::Delete, Verb::Patch, Verb::Update] {
                let write = planned(verb.clone(), path, Some(row.clone()), true).unwrap();
                assert_eq!(write.url.path(), expected, "{verb:?} {path}");
            }
        }
        // A row naming another object is refused on an object's path, never sent there.
        assert_eq!(
            planned(
                Verb::Delete,
                "/environment/startup",
                Some(row.clone()),
                true
            ),
            Err(RowError::NotAddressedById {
                path: "/environment/startup".to_string(),
                id: "esv-a".to_string()
            })
        );
        // Its own _id (IDM config ids hold '/') is fine.
        let config = json!({"_id": "ui/configuration", "_rev": "1"});
        let write = planned(
            Verb::Update,
            "/openidm/config/ui/configuration",
            Some(config),
            false,
        )
        .unwrap();
        assert_eq!(write.url.path(), "/openidm/config/ui/configuration");
        // Empty segments name nothing for sure.
        assert!(matches!(
            planned(Verb::Delete, "/openidm//managed/alpha_user", None, true),
            Err(RowError::BadPath(_))
        ));
        assert!(matches!(
            planned(Verb::Delete, USERS, Some(json!({"_id": ".\t."})), true),
            Err(RowError::BadId(_))
        ));
    }

    #[test]
    fn actions_post_the_row_as_body() {
        let write = planned(
            Verb::Action("restart".to_string()),
            "/environment/startup",
            None,
            false,
        )
        .unwrap();
        assert_eq!(
            write.url.as_str(),
            "https://tenant.example.com/environment/startup?_action=restart"
        );
        assert_eq!(write.body, Some(json!({})));
        assert!(
            planned(
                Verb::Action("x".into()),
                "https://evil.example.com/x",
                None,
                false
            )
            .is_err()
        );
    }

    #[test]
    fn patch_operations_are_checked() {
        assert_eq!(
            patch_operations(&json!([{"operation":"remove","field":"mail","value":null}])).unwrap(),
            json!([{"operation":"remove","field":"/mail"}])
        );
        for bad in [
            json!([]),
            json!("replace"),
            json!([{"operation":"frobnicate","field":"/a"}]),
            json!([{"operation":"replace","value":1}]),
            json!([{"operation":"replace","field":"a"}]),
            json!([1]),
        ] {
            assert!(
                matches!(patch_operations(&bad), Err(RowError::BadOperations(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_policy_refusal_names_the_property() {
        let answer = Answer {
            status: 403,
            content_type: Some("application/json".into()),
            location: None,
            body: json!({"code":403,"reason":"Forbidden","message":"Failed policy validation",
                "detail":{"result":false,"failedPolicyRequirements":[
                    {"policyRequirements":[{"policyRequirement":"REQUIRED"}],"property":"sn"},
                    {"policyRequirements":[{"params":{"minLength":8},"policyRequirement":"MIN_LENGTH"},
                        {"policyRequirement":"AT_LEAST_X_NUMBERS"}],"property":"password"}]}})
            .to_string()
            .into_bytes(),
            retries: 0,
            rate: Default::default(),
        };
        assert_eq!(
            send::refusal_message(&answer),
            "Failed policy validation: sn: REQUIRED; password: MIN_LENGTH, AT_LEAST_X_NUMBERS"
        );
    }

    #[test]
    fn passwords_stay_out_of_debug_and_dry_runs() {
        let row = json!({"userName":"a","password":"Sup3rSecret!"});
        let write = planned(Verb::Create, USERS, Some(row), false).unwrap();
        assert!(!format!("{write:?}").contains("Sup3rSecret"));
        let shown = write.shown_body(&[]).unwrap();
        assert_eq!(shown, json!({"userName":"a","password":"<hidden>"}));
    }

    #[test]
    fn managed_types_come_from_paths() {
        assert_eq!(managed_type(USERS).as_deref(), Some("alpha_user"));
        assert_eq!(
            managed_type("https://t.example.com/openidm/managed/bravo_role/x?y").as_deref(),
            Some("bravo_role")
        );
        assert_eq!(managed_type("/environment/variables"), None);
    }
}
