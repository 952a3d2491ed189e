//! Request counters, so tests can prove caching, single-flight and lazy paging.

use crate::respond::{JSON_PLAIN, json};
use crate::state::Shared;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

pub async fn get_stats(State(state): State<Shared>) -> Response {
    let mut snapshot = state.stats.snapshot();
    state.network.add_counters(&mut snapshot);
    state.service_accounts.add_counters(&mut snapshot);
    state.promotion.add_counters(&mut snapshot);
    json(StatusCode::OK, JSON_PLAIN, &[], &snapshot)
}

pub async fn reset_stats(State(state): State<Shared>) -> Response {
    state.stats.reset();
    state.network.reset();
    state.service_accounts.reset();
    state.promotion.reset_counters();
    let mut snapshot = state.stats.snapshot();
    state.network.add_counters(&mut snapshot);
    state.service_accounts.add_counters(&mut snapshot);
    state.promotion.add_counters(&mut snapshot);
    json(StatusCode::OK, JSON_PLAIN, &[], &snapshot)
}
