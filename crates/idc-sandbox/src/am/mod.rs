//! Access Management: OAuth2 (`oauth`: the token endpoint; `authorize`: the admin
//! console's authorize), journeys (`authenticate`), SSO sessions and users (`sessions`),
//! `serverinfo`, and one AM collection, the realms' scripts (`scripts`), paged as AM pages;
//! the public CLI clients `idc-cli` and `AICMCPClient` (`cli`: their
//! rules and token grants; `builtin`: Ping's built-in clients and the token exchange;
//! `browser`: authorize, device grant and the login steps; `pages`: their HTML; `totp`:
//! the admin's one-time codes; `grant_answers`: token answers the grants share; `rotation`:
//! strict refresh-token rotation); the admin console's sign-in (`console`); a realm's
//! `end-user-ui` client, which exchanges a realm user's session for an IDM token (`enduser`).

pub mod authenticate;
pub mod authorize;
pub mod browser;
pub mod builtin;
pub mod cli;
pub mod console;
pub mod enduser;
pub mod grant_answers;
pub mod oauth;
pub mod pages;
pub mod rotation;
pub mod scripts;
pub mod serverinfo;
pub mod sessions;
pub mod totp;
