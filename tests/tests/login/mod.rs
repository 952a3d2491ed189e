//! Browser and device logins (issue 20) and the admin console's session handed over
//! (issue 24): a real headless Chromium on the sandbox's pages.

mod browser;
mod builtin;
mod session_cookie;
