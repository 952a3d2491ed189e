//! The log room end to end: log API keys at login, `idc logs` in real nu, the helper's
//! key headers.

mod e2e;
