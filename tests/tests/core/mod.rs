//! idc-core in process against the real sandbox: logins, the facade, paging, the cache.

mod api_versions;
mod flows_facade;
mod flows_session;
mod service_account;
mod session_client_credentials;
