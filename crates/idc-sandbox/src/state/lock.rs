//! Locking that survives a panicked handler.

use std::sync::{Mutex, MutexGuard};

/// Locks a mutex, recovering the data if a handler panicked while holding it.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
