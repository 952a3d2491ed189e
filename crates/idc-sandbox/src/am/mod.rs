//! Access Management: OAuth2 (`oauth`: the token endpoint; `authorize`: the admin
//! console's authorize), journeys (`authenticate`), SSO sessions and users (`sessions`),
//! and `serverinfo`.

pub mod authenticate;
pub mod authorize;
pub mod oauth;
pub mod serverinfo;
pub mod sessions;
