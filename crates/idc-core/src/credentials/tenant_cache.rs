//! Facts about a tenant kept between runs that are no secret (the session cookie name, the
//! managed object names): not credentials, so apart from the credential store.

use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};
use url::Url;

use crate::fsutil;

/// Facts about a tenant that are not secrets and are worth keeping between runs (the
/// session cookie name, the managed object names): one JSON file per tenant and area,
/// `<cache dir>/<area>/<hash of the tenant's origin>.json`, written atomically. A missing
/// or unreadable record is a miss; a failed write only costs a request next time.
#[derive(Clone, Debug)]
pub(crate) struct TenantCache {
    cache_dir: PathBuf,
    /// Off with the `none` store, which writes nothing anywhere.
    enabled: bool,
}

impl TenantCache {
    pub(crate) fn new(cache_dir: &Path) -> TenantCache {
        TenantCache {
            cache_dir: cache_dir.to_path_buf(),
            enabled: true,
        }
    }

    /// A cache that keeps nothing: every record is a miss and saving does nothing.
    pub(crate) fn disabled(cache_dir: &Path) -> TenantCache {
        TenantCache {
            enabled: false,
            ..TenantCache::new(cache_dir)
        }
    }

    fn path(&self, area: &str, tenant: &Url) -> PathBuf {
        let origin = tenant.origin().ascii_serialization();
        let digest = Sha256::digest(origin.as_bytes());
        let short: String = digest
            .iter()
            .take(8)
            .map(|byte| format!("{byte:02x}"))
            .collect();
        self.cache_dir.join(area).join(format!("{short}.json"))
    }

    pub(crate) fn load<T: serde::de::DeserializeOwned>(
        &self,
        area: &str,
        tenant: &Url,
    ) -> Option<T> {
        if !self.enabled {
            return None;
        }
        // Unsafe or missing: the endpoint cache is only a cache, so it is a miss.
        let bytes = fsutil::read_private(&self.path(area, tenant)).ok()??;
        serde_json::from_slice(&bytes).ok()
    }

    pub(crate) fn save<T: Serialize>(&self, area: &str, tenant: &Url, record: &T) {
        if !self.enabled {
            return;
        }
        if let Ok(text) = serde_json::to_string(record) {
            let _ = fsutil::write_atomic(&self.path(area, tenant), text.as_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tenant() -> Url {
        Url::parse("https://tenant.example.com").unwrap()
    }

    #[test]
    fn records_are_kept_per_tenant_and_area() {
        let dir = tempfile::tempdir().unwrap();
        let tenants = TenantCache::new(dir.path());
        let other = Url::parse("https://other.example.com").unwrap();
        assert!(tenants.load::<String>("tenants", &tenant()).is_none());
        tenants.save("tenants", &tenant(), &"iPlanetDirectoryPro");
        assert_eq!(
            tenants.load::<String>("tenants", &tenant()).as_deref(),
            Some("iPlanetDirectoryPro")
        );
        assert!(tenants.load::<String>("tenants", &other).is_none());
        assert!(tenants.load::<String>("schemas", &tenant()).is_none());
        // A path on the tenant is the same tenant.
        let page = tenant().join("/am/console").unwrap();
        assert!(tenants.load::<String>("tenants", &page).is_some());
    }

    #[test]
    fn a_disabled_cache_keeps_nothing_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("cache");
        let tenants = TenantCache::disabled(&cache);
        tenants.save("tenants", &tenant(), &serde_json::json!({"a": 1}));
        assert!(
            tenants
                .load::<serde_json::Value>("tenants", &tenant())
                .is_none()
        );
        assert!(!cache.exists());
    }
}
