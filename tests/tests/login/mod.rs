//! Browser and device logins (issue 20): a real headless Chromium on the sandbox's pages;
//! service accounts made in one command with an administrator's login (issue 24).

mod browser;
mod service_accounts;
