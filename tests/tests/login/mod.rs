//! Browser and device logins (issue 20): a real headless Chromium on the sandbox's pages.

mod browser;
mod loopback;
mod replace;
