//! What stands between client and tenant: TLS (`tls`), the internet's latency,
//! bandwidth and gzip (`internet`), and the gateway faults the control room queues (`faults`).

pub mod faults;
pub mod internet;
pub mod tls;
