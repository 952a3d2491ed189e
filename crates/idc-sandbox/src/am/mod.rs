//! Access Management: OAuth2 (`oauth`: the token endpoint; `authorize`: the admin
//! console's authorize), journeys (`authenticate`), SSO sessions and users (`sessions`),
//! and `serverinfo`; the public CLI client `idc-cli` (`cli`: its rules and token grants;
//! `browser`: authorize, device grant and the login steps; `pages`: their HTML; `totp`:
//! the admin's one-time codes).

pub mod authenticate;
pub mod authorize;
pub mod browser;
pub mod cli;
pub mod oauth;
pub mod pages;
pub mod rotation;
pub mod serverinfo;
pub mod sessions;
pub mod totp;
