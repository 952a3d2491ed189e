//! An internet-like edge: latency before every answer, a bandwidth cap on bodies, gzip
//! when the client accepts it (tower-http), and counters of what went on the wire.
//!
//! Layer order (outermost first): [`edge`] (latency, metering, throttling) → compression →
//! faults → handlers, so the meter sees the compressed bytes the client really receives.

use crate::state::Shared;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use http_body::{Frame, SizeHint};
use std::future::Future as _;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::{Instant, Sleep};

/// Command-line flags of the internet-like edge.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct InternetArgs {
    /// Delay every answer by N milliseconds before its first byte (not /__sandbox).
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Send response bodies no faster than K KiB/s, kibibytes a second (0: unlimited; not
    /// /__sandbox).
    #[arg(long, value_name = "K", default_value_t = 0)]
    pub bandwidth_kib_per_s: u64,
    /// Allow at most N IDM writes a second (a burst of N, then 429 with Retry-After; 0: no limit).
    #[arg(long, default_value_t = 0)]
    pub rate_limit: u32,
}

/// gzip for every answer whose client sends `Accept-Encoding: gzip` (tower-http's default
/// predicate skips bodies known to be under 32 bytes, images and event streams). Level 1,
/// as nginx's default `gzip_comp_level`: the sandbox shares its cores with the client in
/// benchmarks, so compression must not become the bottleneck.
pub fn compression() -> tower_http::compression::CompressionLayer {
    tower_http::compression::CompressionLayer::new()
        .gzip(true)
        .quality(tower_http::CompressionLevel::Fastest)
}

/// Delays, meters and throttles every answer except the `/__sandbox` control routes,
/// which stay fast and uncounted so tests can read stats cheaply.
pub async fn edge(State(state): State<Shared>, request: Request, next: Next) -> Response {
    if request.uri().path().starts_with("/__sandbox") {
        return next.run(request).await;
    }
    if !state.network.latency.is_zero() {
        tokio::time::sleep(state.network.latency).await;
    }
    let response = next.run(request).await;
    if response.headers().contains_key(header::CONTENT_ENCODING) {
        state
            .network
            .compressed_responses
            .fetch_add(1, Ordering::Relaxed);
    }
    let rate = state.network.rate;
    response.map(|inner| {
        Body::new(Metered {
            inner,
            state,
            rate,
            pending: Bytes::new(),
            start: None,
            sent: 0,
            sleep: None,
        })
    })
}

/// A body that counts the bytes it yields and, with a rate, yields them in small chunks
/// no faster than the rate (so a large page arrives progressively, as over a slow link).
struct Metered {
    inner: Body,
    state: Shared,
    rate: Option<u64>,
    /// Data taken from `inner` and not yet sent (throttled bodies only).
    pending: Bytes,
    start: Option<Instant>,
    sent: u64,
    sleep: Option<Pin<Box<Sleep>>>,
}

impl Metered {
    fn count(&self, bytes: usize) {
        self.state
            .network
            .bytes_sent
            .fetch_add(bytes as u64, Ordering::Relaxed);
    }
}

impl http_body::Body for Metered {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = &mut *self;
        loop {
            if this.pending.is_empty() {
                let frame = match Pin::new(&mut this.inner).poll_frame(cx) {
                    Poll::Ready(Some(Ok(frame))) => frame,
                    other => return other,
                };
                match frame.into_data() {
                    Ok(data) if this.rate.is_none() => {
                        this.count(data.len());
                        return Poll::Ready(Some(Ok(Frame::data(data))));
                    }
                    Ok(data) => {
                        this.pending = data;
                        continue;
                    }
                    // Trailers pass through.
                    Err(frame) => return Poll::Ready(Some(Ok(frame))),
                }
            }
            let Some(rate) = this.rate else {
                // Unreachable in practice (pending is only filled when throttled): flush it.
                let data = std::mem::take(&mut this.pending);
                this.count(data.len());
                return Poll::Ready(Some(Ok(Frame::data(data))));
            };
            let start = *this.start.get_or_insert_with(Instant::now);
            // When the bytes already sent may have left at `rate`.
            let due = start + Duration::from_secs_f64(this.sent as f64 / rate as f64);
            if Instant::now() < due {
                let sleep = this
                    .sleep
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(due)));
                sleep.as_mut().reset(due);
                match sleep.as_mut().poll(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(()) => continue,
                }
            }
            // 50 ms worth of bytes per chunk: smooth enough, few wake-ups.
            let chunk = (rate / 20).clamp(1, 64 * 1024) as usize;
            let data = this.pending.split_to(chunk.min(this.pending.len()));
            this.sent += data.len() as u64;
            this.count(data.len());
            return Poll::Ready(Some(Ok(Frame::data(data))));
        }
    }

    fn is_end_stream(&self) -> bool {
        self.pending.is_empty() && self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        let inner = self.inner.size_hint();
        let extra = self.pending.len() as u64;
        let mut hint = SizeHint::new();
        hint.set_lower(inner.lower().saturating_add(extra));
        if let Some(upper) = inner.upper() {
            hint.set_upper(upper.saturating_add(extra));
        }
        hint
    }
}
