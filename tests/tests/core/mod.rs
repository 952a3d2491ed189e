//! idc-core in process against the real sandbox: logins, the facade, paging, the cache.

mod flows_facade;
mod service_account;
mod session_client_credentials;
