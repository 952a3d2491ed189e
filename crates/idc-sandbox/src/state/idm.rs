//! IDM's memory: the query engine's cache of match lists and what has been written
//! to managed objects.

use super::lock::lock;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};

/// How many (collection, filter, sort) match lists to keep: paging a large query then
/// costs one scan, not one per page.
const QUERY_CACHE_ENTRIES: usize = 8;

pub type MatchKey = (String, String, String);

#[derive(Default)]
pub struct QueryCache {
    pub matches: Mutex<Vec<(MatchKey, Arc<Vec<u32>>)>>,
    pub ids: Mutex<HashMap<String, Arc<HashMap<uuid::Uuid, u32>>>>,
}

impl QueryCache {
    pub fn get(&self, key: &MatchKey) -> Option<Arc<Vec<u32>>> {
        let mut entries = lock(&self.matches);
        let position = entries.iter().position(|(k, _)| k == key)?;
        let entry = entries.remove(position);
        let found = entry.1.clone();
        entries.insert(0, entry);
        Some(found)
    }

    pub fn put(&self, key: MatchKey, value: Arc<Vec<u32>>) {
        let mut entries = lock(&self.matches);
        entries.retain(|(k, _)| k != &key);
        entries.insert(0, (key, value));
        entries.truncate(QUERY_CACHE_ENTRIES);
    }
}

#[derive(Default)]
pub struct Written {
    /// id → the current object, or `None` once deleted.
    pub changed: HashMap<String, Option<Value>>,
    /// Ids that did not exist in the seeded data, in creation order.
    pub created: Vec<String>,
}

#[derive(Default)]
pub struct Inner {
    pub generation: u64,
    pub collections: HashMap<String, Written>,
    pub materialized: HashMap<String, (u64, Arc<Vec<Value>>)>,
}

/// What has been written to managed objects.
#[derive(Default)]
pub struct Overlay {
    pub inner: Mutex<Inner>,
    pub revisions: AtomicU64,
}
