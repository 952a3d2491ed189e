//! Request counters, so tests can prove caching, single-flight and lazy paging.

use crate::respond::{JSON_PLAIN, json};
use crate::state::Shared;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

pub async fn get_stats(State(state): State<Shared>) -> Response {
    let mut snapshot = state.stats.snapshot();
    add_held(&state, &mut snapshot);
    state.network.add_counters(&mut snapshot);
    state.service_accounts.add_counters(&mut snapshot);
    state.promotion.add_counters(&mut snapshot);
    state.esv.add_counters(&mut snapshot);
    json(StatusCode::OK, JSON_PLAIN, &[], &snapshot)
}

pub async fn reset_stats(State(state): State<Shared>) -> Response {
    state.stats.reset();
    state.network.reset();
    state.service_accounts.reset();
    state.promotion.reset_counters();
    state.esv.reset_counters();
    state
        .faults
        .held
        .store(0, std::sync::atomic::Ordering::SeqCst);
    let mut snapshot = state.stats.snapshot();
    add_held(&state, &mut snapshot);
    state.network.add_counters(&mut snapshot);
    state.service_accounts.add_counters(&mut snapshot);
    state.promotion.add_counters(&mut snapshot);
    state.esv.add_counters(&mut snapshot);
    json(StatusCode::OK, JSON_PLAIN, &[], &snapshot)
}

/// `held_requests`: requests held so far (`POST /__sandbox/hold`).
fn add_held(state: &crate::state::AppState, snapshot: &mut serde_json::Value) {
    snapshot["held_requests"] = state
        .faults
        .held
        .load(std::sync::atomic::Ordering::SeqCst)
        .into();
}
