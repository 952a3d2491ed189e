//! service_account
