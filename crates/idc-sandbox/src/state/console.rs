//! The admin console's sign-ins under way (`/platform/`): each page shown, by its
//! single-use CSRF token, and the step its form answers.

use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsoleStep {
    /// The user name and password page.
    Password,
    /// The password was the administrator's; the one-time code is next.
    OneTimeCode,
}

#[derive(Debug, Clone)]
pub struct ConsoleFlow {
    pub step: ConsoleStep,
    pub expires_at_ms: i64,
}

#[derive(Default)]
pub struct ConsoleStore {
    pub flows: Mutex<HashMap<String, ConsoleFlow>>,
}
