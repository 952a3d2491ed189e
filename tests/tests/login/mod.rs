//! Browser and device logins (issue 20), the admin console's session handed over and
//! service accounts made in one command with an administrator's login (issue 24), and the
//! loopback's and a replaced login's trust rules (issue 25), end-user profiles (issue 30),
//! an administrator's password login with a second factor and a narrow admin client: a
//! real headless Chromium on the sandbox's pages where a person is needed.

mod admin_password;
mod browser;
mod builtin;
mod end_user;
mod loopback;
mod relative_paths;
mod replace;
mod service_accounts;
mod session_cookie;
