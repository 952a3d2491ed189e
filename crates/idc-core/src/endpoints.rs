//! Endpoint paths for completion: the tenant's managed object names (from
//! `/openidm/config/managed`, cached per tenant for a while) plus the fixed families
//! (`/openidm/config/...`, `/environment/...`, `/iga/governance/...`, `/am/json/realms/...`).

/// Fixed endpoint paths that every tenant has, for `realm`.
pub fn static_paths(realm: &str) -> Vec<String> {
    let _ = realm;
    todo!()
}
