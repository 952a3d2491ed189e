//! Monitoring: the log API and the layer that logs every request (`logs`), the shapes of
//! the events it writes and its seeded history (`log_events`), and log API keys (`keys`).

pub mod keys;
pub mod log_events;
pub mod logs;
