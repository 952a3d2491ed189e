//! `/environment/promotion/*`: self-service promotions, this sandbox being the upper
//! environment (Ping runs the API against the upper one: a pull model) of the sandbox at
//! `--promotion-lower`. Paths, bodies and shapes from Ping's "Manage self-service
//! promotions using the API" and frodo-lib's `EnvPromotionApi.ts` (docs/tenant-facts.md,
//! "Promotions"); the refusals' wording is the sandbox's own.
//!
//! The promotable configuration is IDM's (`/openidm/config/*`); ESVs are not promoted: an
//! `&{esv.x}` the promoted configuration refers to that the upper environment lacks is a
//! `missingESVs` entry, and a real promotion with one ends blocked.

use crate::clock::{iso_seconds, now_ms};
use crate::respond::{JSON_PLAIN, code_message_body, json};
use crate::state::promotion::{
    Change, Configs, Kind, Lock, Machine, PHASE_MS, Run, differences, esv_references,
    has_encrypted_value, report,
};
use crate::state::{AppState, Issued, Shared, lock, scope_allows};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::sync::atomic::Ordering;

const SCOPE: &str = "fr:idc:promotion:*";

fn error(status: StatusCode, message: &str) -> Response {
    json(status, JSON_PLAIN, &[], &code_message_body(status, message))
}

fn ok(body: &Value) -> Response {
    json(StatusCode::OK, JSON_PLAIN, &[], body)
}

/// Counts the request; 401 without a live token (the built-in client's own tokens
/// included), 403 without `fr:idc:promotion:*`.
fn guard(state: &AppState, headers: &HeaderMap, write: bool) -> Result<(), Response> {
    state.promotion.requests.fetch_add(1, Ordering::Relaxed);
    if write {
        state.promotion.writes.fetch_add(1, Ordering::Relaxed);
    }
    let Some(token) = state
        .bearer(headers)
        .filter(|t| t.issued != Issued::BuiltinPrimary)
    else {
        return Err(error(
            StatusCode::UNAUTHORIZED,
            "Access denied: a valid bearer token is required",
        ));
    };
    if !scope_allows(&token.scopes, SCOPE) {
        return Err(error(
            StatusCode::FORBIDDEN,
            &format!("Access denied: the token lacks scope {SCOPE}"),
        ));
    }
    Ok(())
}

/// The machine, moved on to now (a finished run applied to the upper configuration).
fn settled(state: &AppState) -> std::sync::MutexGuard<'_, Machine> {
    let mut machine = lock(&state.promotion.machine);
    let mut configs = lock(&state.promotion.configs);
    machine.settle(now_ms(), &mut configs);
    machine
}

fn env_state(machine: &Machine) -> Value {
    let id = machine.promotion_id.clone().unwrap_or_default();
    json!({"promotionId": id, "proxyState": machine.lock.name(), "state": machine.lock.name()})
}

/// `GET /environment/promotion/lock/state`
pub async fn lock_state(State(state): State<Shared>, headers: HeaderMap) -> Response {
    if let Err(refused) = guard(&state, &headers, false) {
        return refused;
    }
    let machine = settled(&state);
    let description = match machine.lock {
        Lock::Unlocked => "Environments are unlocked",
        Lock::Locking { .. } => "Environments are being locked",
        Lock::Locked => "Environments are locked",
        Lock::Unlocking { .. } => "Environments are being unlocked",
    };
    ok(&json!({
        "description": description,
        "lowerEnv": env_state(&machine),
        "promotionId": machine.promotion_id.clone().unwrap_or_default(),
        "result": machine.lock.name(),
        "upperEnv": env_state(&machine),
    }))
}

/// `POST /environment/promotion/lock`
pub async fn lock_environments(State(state): State<Shared>, headers: HeaderMap) -> Response {
    if let Err(refused) = guard(&state, &headers, true) {
        return refused;
    }
    let mut machine = settled(&state);
    if machine.lock != Lock::Unlocked {
        return error(
            StatusCode::CONFLICT,
            &format!("The environments are {}", machine.lock.name()),
        );
    }
    let id = uuid::Uuid::new_v4().to_string();
    machine.lock = Lock::Locking {
        until: now_ms() + PHASE_MS,
    };
    machine.promotion_id = Some(id.clone());
    ok(
        &json!({"description": "Environments are being locked", "promotionId": id, "result": "locking"}),
    )
}

/// `DELETE /environment/promotion/lock/<promotionId>`
pub async fn unlock_environments(
    State(state): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(refused) = guard(&state, &headers, true) {
        return refused;
    }
    let mut machine = settled(&state);
    if machine.run.is_some() {
        return error(
            StatusCode::CONFLICT,
            "A promotion is running: unlock when it has finished",
        );
    }
    if machine.lock != Lock::Locked {
        return error(
            StatusCode::CONFLICT,
            &format!("The environments are {}", machine.lock.name()),
        );
    }
    if machine.promotion_id.as_deref() != Some(id.as_str()) {
        return error(
            StatusCode::NOT_FOUND,
            &format!("No lock with promotion id {id}"),
        );
    }
    machine.lock = Lock::Unlocking {
        until: now_ms() + PHASE_MS,
    };
    ok(
        &json!({"description": "Environments are being unlocked", "promotionId": id, "result": "unlocking"}),
    )
}

/// `GET /environment/promotion/promote`
pub async fn promotion_status(State(state): State<Shared>, headers: HeaderMap) -> Response {
    if let Err(refused) = guard(&state, &headers, false) {
        return refused;
    }
    let machine = settled(&state);
    let status = &machine.status;
    let (name, message) = match &machine.run {
        Some(run) => (
            "RUNNING",
            format!(
                "{} in progress",
                if run.kind == Kind::Rollback {
                    "Rollback"
                } else {
                    "Promotion"
                }
            ),
        ),
        None => (status.status, status.message.clone()),
    };
    ok(&json!({
        "blockingError": status.blocking_error,
        "encryptedSecrets": status.encrypted_secrets,
        "globalLock": if machine.lock == Lock::Unlocked { "UNLOCKED" } else { "LOCKED" },
        "message": message,
        "missingESVs": status.missing_esvs,
        "promotionId": machine.promotion_id.clone().unwrap_or_default(),
        "status": name,
        "timeStamp": iso_seconds(if status.at > 0 { status.at } else { now_ms() }),
        "type": machine.run.as_ref().map_or(status.kind, |run| run.kind).name(),
    }))
}

/// What promoting the lower environment now would do.
struct Plan {
    changes: Vec<Change>,
    result: Configs,
    missing: Vec<String>,
    encrypted: Vec<String>,
}

async fn plan(state: &AppState) -> Result<Plan, Response> {
    let upper = lock(&state.promotion.configs).clone();
    // Without `--promotion-lower` the sandbox promotes from itself: nothing to promote,
    // but every command runs (the plugin's examples run against one sandbox).
    let lower = match state.promotion.lower.clone() {
        None => upper.clone(),
        Some(lower_url) => super::promotion_lower::configs(&lower_url)
            .await
            .map_err(|reason| {
                error(
                    StatusCode::BAD_GATEWAY,
                    &format!("The lower environment cannot be reached: {reason}"),
                )
            })?,
    };
    let changes = differences(&lower, &upper);
    let mut referenced = BTreeSet::new();
    lower
        .values()
        .for_each(|config| esv_references(config, &mut referenced));
    let added = lock(&state.promotion.variables_added).clone();
    let missing = referenced
        .into_iter()
        .filter(|name| {
            !added.contains(name)
                && !lock(&state.esv.variables)
                    .iter()
                    .any(|v| v.get("_id").and_then(Value::as_str) == Some(name))
        })
        .collect();
    let encrypted = changes
        .iter()
        .filter(|c| c.change != "deleted" && lower.get(&c.uid).is_some_and(has_encrypted_value))
        .map(|c| c.uid.clone())
        .collect();
    Ok(Plan {
        changes,
        result: lower,
        missing,
        encrypted,
    })
}

fn meta(kind: Kind, dry_run: bool, request: &Value, promotion_id: &str) -> Value {
    let text = |name: &str| {
        request
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
    };
    let id = uuid::Uuid::new_v4().to_string();
    json!({
        "createdDate": iso_seconds(now_ms()),
        "dryRun": dry_run,
        "promoter": text("promoter"),
        "promotionDescription": text("promotionDescription"),
        "promotionId": promotion_id,
        "reportId": id,
        "reportName": format!("{}-{}", kind.name(), &id[..8]),
        "type": kind.name(),
    })
}

/// `GET /environment/promotion/report/provisional`
pub async fn provisional_report(State(state): State<Shared>, headers: HeaderMap) -> Response {
    if let Err(refused) = guard(&state, &headers, false) {
        return refused;
    }
    match plan(&state).await {
        Ok(plan) => {
            let id = lock(&state.promotion.machine)
                .promotion_id
                .clone()
                .unwrap_or_default();
            let meta = meta(Kind::Promotion, true, &json!({}), &id);
            ok(&report(&plan.changes, &plan.missing, meta))
        }
        Err(response) => response,
    }
}

/// `GET /environment/promotion/report/provisional-rollback`
pub async fn provisional_rollback_report(
    State(state): State<Shared>,
    headers: HeaderMap,
) -> Response {
    if let Err(refused) = guard(&state, &headers, false) {
        return refused;
    }
    let machine = settled(&state);
    let Some(before) = machine.before_last.clone() else {
        return error(StatusCode::NOT_FOUND, "There is no promotion to roll back");
    };
    let upper = lock(&state.promotion.configs).clone();
    let id = machine.promotion_id.clone().unwrap_or_default();
    let meta = meta(Kind::Rollback, true, &json!({}), &id);
    ok(&report(&differences(&before, &upper), &[], meta))
}

/// Why a run cannot start now, if it cannot.
fn cannot_start(machine: &Machine) -> Option<Response> {
    if machine.run.is_some() {
        return Some(error(
            StatusCode::CONFLICT,
            "A promotion is already running",
        ));
    }
    (machine.lock != Lock::Locked).then(|| {
        error(
            StatusCode::BAD_REQUEST,
            &format!(
                "The environments must be locked before a promotion (they are {})",
                machine.lock.name()
            ),
        )
    })
}

/// `POST /environment/promotion/promote`
pub async fn promote(State(state): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(refused) = guard(&state, &headers, true) {
        return refused;
    }
    let request: Value = serde_json::from_slice(&body).unwrap_or(json!({}));
    let flag = |name: &str| request.get(name).and_then(Value::as_bool).unwrap_or(false);
    let (dry_run, ignore_encrypted) = (flag("dryRun"), flag("ignoreEncryptedSecrets"));
    if let Some(refused) = cannot_start(&settled(&state)) {
        return refused;
    }
    let plan = match plan(&state).await {
        Ok(plan) => plan,
        Err(response) => return response,
    };
    let mut machine = settled(&state);
    if let Some(refused) = cannot_start(&machine) {
        return refused;
    }
    let id = machine.promotion_id.clone().unwrap_or_default();
    let meta = meta(Kind::Promotion, dry_run, &request, &id);
    machine.run = Some(Run {
        kind: Kind::Promotion,
        dry_run,
        until: now_ms() + PHASE_MS,
        report: report(&plan.changes, &plan.missing, meta),
        result: plan.result,
        unlock_after: flag("unlockEnvironmentsAfterPromotion"),
        missing_esvs: plan.missing,
        encrypted_secrets: if ignore_encrypted {
            Vec::new()
        } else {
            plan.encrypted
        },
    });
    ok(&json!({"result": "Promotion process initiated"}))
}

/// `POST /environment/promotion/rollback`
pub async fn rollback(State(state): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(refused) = guard(&state, &headers, true) {
        return refused;
    }
    let request: Value = serde_json::from_slice(&body).unwrap_or(json!({}));
    let mut machine = settled(&state);
    if let Some(refused) = cannot_start(&machine) {
        return refused;
    }
    let Some(before) = machine.before_last.clone() else {
        return error(StatusCode::NOT_FOUND, "There is no promotion to roll back");
    };
    let upper = lock(&state.promotion.configs).clone();
    let id = machine.promotion_id.clone().unwrap_or_default();
    let meta = meta(Kind::Rollback, false, &request, &id);
    machine.run = Some(Run {
        kind: Kind::Rollback,
        dry_run: false,
        until: now_ms() + PHASE_MS,
        report: report(&differences(&before, &upper), &[], meta),
        result: before,
        unlock_after: request
            .get("unlockEnvironmentsAfterPromotion")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        missing_esvs: Vec::new(),
        encrypted_secrets: Vec::new(),
    });
    ok(&json!({"result": "Rollback process initiated"}))
}

/// `GET /environment/promotion/report`: the last report.
pub async fn last_report(State(state): State<Shared>, headers: HeaderMap) -> Response {
    if let Err(refused) = guard(&state, &headers, false) {
        return refused;
    }
    match settled(&state).reports.last() {
        Some(report) => ok(report),
        None => error(StatusCode::NOT_FOUND, "No promotion report yet"),
    }
}

/// `GET /environment/promotion/report/<id>`
pub async fn report_by_id(
    State(state): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(refused) = guard(&state, &headers, false) {
        return refused;
    }
    let machine = settled(&state);
    match machine
        .reports
        .iter()
        .find(|r| r["reportId"].as_str() == Some(id.as_str()))
    {
        Some(report) => ok(report),
        None => error(StatusCode::NOT_FOUND, &format!("No report with id {id}")),
    }
}

/// `GET /environment/promotion/reports`: the stubs, in date order.
pub async fn reports(State(state): State<Shared>, headers: HeaderMap) -> Response {
    if let Err(refused) = guard(&state, &headers, false) {
        return refused;
    }
    let machine = settled(&state);
    let stubs: Vec<Value> = machine
        .reports
        .iter()
        .map(|r| {
            json!({
                "createdDate": r["createdDate"],
                "dryRun": r["dryRun"],
                "promotionId": r["promotionId"],
                "reportId": r["reportId"],
                "type": r["type"],
            })
        })
        .collect();
    ok(&Value::Array(stubs))
}
