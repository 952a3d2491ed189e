//! The command line (clap derive). Only the shape of the arguments lives here; what each
//! command does is in `commands/`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueHint};

use crate::formats::TokenFormat;

/// Hands idc's cached credential to git, curl, httpie and xh, so no token is ever pasted
/// on a command line.
#[derive(Debug, Parser)]
#[command(name = "git-credential-idc", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// git credential protocol: answer git's request on stdin
    Get,
    /// git credential protocol: git reports a credential that worked (nothing to keep)
    Store,
    /// git credential protocol: git reports a credential that failed; renew ours next time
    Erase,
    /// git credential protocol: announce the capabilities this helper understands
    Capability,
    /// Log in to a tenant and cache the credential (the logins of `idc login`)
    ///
    /// With only --profile, the saved login runs again (its user name or client
    /// remembered). Secrets never come from a flag value: a session's password from
    /// --password-stdin or --password-file, or a prompt that does not echo on a terminal;
    /// a client secret, log API key secret or session cookie from --secret-stdin or
    /// --secret-file. Nushell's `idc login` takes them from the pipeline instead.
    Login(Box<LoginArgs>),
    /// End the session and remove the profile's cached credentials
    Logout(LogoutArgs),
    /// Print the credential (bare token, or JSON)
    Token(TokenArgs),
    /// Print one `Name: value` header line for URL
    Header(TargetArgs),
    /// Print curl config lines for URL: `curl -K <(git-credential-idc curl-config URL) URL`
    CurlConfig(TargetArgs),
    /// Print an httpie/xh session for URL: `http --session-read-only=<(...) GET URL`
    HttpieSession(TargetArgs),
    /// Show every profile, its tenant and whether its credential is valid (`*`: the default)
    Status,
    /// Choose the default profile, or remove a profile
    #[command(subcommand)]
    Profile(ProfileCommand),
    /// Service accounts for scripts and CI, with an administrator's login
    #[command(subcommand)]
    ServiceAccount(ServiceAccountCommand),
    /// Print the completion script for a shell
    Completions {
        #[arg(value_enum)]
        shell: Shell,
    },
    /// Tenant URLs and endpoint paths that start with PREFIX (used by the completion scripts)
    #[command(hide = true)]
    CompleteUrl {
        #[arg(default_value = "")]
        prefix: String,
    },
    /// Values of a flag that start with PREFIX: profile names, tenant URLs or endpoint
    /// paths (used by the completion scripts, so these flags never complete file names)
    #[command(hide = true)]
    CompleteFlag {
        #[arg(value_enum)]
        flag: CompletedFlag,
        #[arg(default_value = "")]
        prefix: String,
    },
}

/// The flags whose values the completion scripts ask `complete-flag` for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum CompletedFlag {
    /// `--profile`: the saved profiles' names.
    Profile,
    /// `--tenant`: the saved profiles' tenant URLs.
    Tenant,
    /// `--path`: the endpoint paths of the chosen (or default) profile.
    Path,
}

/// The shells `completions` writes a script for (the script itself is `completions.rs`'s).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Nushell,
}

/// `profile default|remove NAME`.
#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Make NAME the profile used when no --profile or $IDC_PROFILE names one
    Default(ProfileNameArg),
    /// Log NAME out (its credentials removed, a session ended) and remove it from config.toml
    Remove(ProfileNameArg),
}

#[derive(Debug, Args)]
pub struct ProfileNameArg {
    /// The profile
    #[arg(value_name = "NAME")]
    pub name: String,
}

/// `service-account ...`: every verb runs with an administrator's profile (`--profile`).
#[derive(Debug, Subcommand)]
pub enum ServiceAccountCommand {
    /// Create a service account (key pair made here, private key kept in the credential
    /// store) and a profile NAME that logs in with it
    Create(ServiceAccountCreateArgs),
    /// List the tenant's service accounts and the local profiles that log in as them
    List(ProfileArg),
    /// Delete a service account at the tenant, its stored key and its profile
    Delete(ServiceAccountNameArgs),
    /// Write a service account's private key to a new file (mode 0600) for CI
    ExportKey(ExportKeyArgs),
}

#[derive(Debug, Args)]
pub struct ServiceAccountCreateArgs {
    /// The account's name at the tenant, and the new profile's
    pub name: String,
    /// Scopes the account may grant, one space-separated string: "fr:idm:* fr:am:*"
    #[arg(long, visible_alias = "scope", value_name = "SCOPES", required = true)]
    pub scopes: String,
    /// The account's description at the tenant
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,
    /// The administrator's profile (default: $IDC_PROFILE, else the default profile)
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Consent to write to a production tenant (IDC_ASSUME_YES=1 also serves)
    #[arg(long, short = 'y')]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct ServiceAccountNameArgs {
    /// The account's name
    pub name: String,
    /// The administrator's profile (default: $IDC_PROFILE, else the default profile)
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Consent to write to a production tenant (IDC_ASSUME_YES=1 also serves)
    #[arg(long, short = 'y')]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct ExportKeyArgs {
    /// The service account's profile (made by `service-account create`)
    pub name: String,
    /// The file to write (it must not exist, unless --force)
    #[arg(value_hint = ValueHint::FilePath)]
    pub path: PathBuf,
    /// Replace an existing file
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ProfileArg {
    /// Profile name (default: $IDC_PROFILE, else the default profile)
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
}

#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// Profile name (default: $IDC_PROFILE, else the default profile)
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Also end an admin console session handed over (--session-cookie) at the tenant,
    /// which signs the console out
    #[arg(long)]
    pub end_session: bool,
    /// Delete the profile's log API key at the tenant first (one made by
    /// --create-log-api-key otherwise stays there)
    #[arg(long)]
    pub delete_log_key: bool,
}

#[derive(Debug, Args)]
pub struct TokenArgs {
    /// Profile name (default: $IDC_PROFILE, else the default profile)
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    pub format: TokenFormat,
    /// The endpoint path the credential is for (default: the session for session
    /// profiles, the bearer token otherwise)
    #[arg(long, value_name = "PATH")]
    pub path: Option<String>,
}

#[derive(Debug, Args)]
pub struct TargetArgs {
    /// Profile name (default: the profile whose tenant matches URL)
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// The URL the request goes to: picks the profile (scheme, host, port) and the
    /// credential for its path
    #[arg(value_hint = ValueHint::Url)]
    pub url: Option<String>,
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Profile name to create or update (-p, as in `idc login`)
    #[arg(long, short = 'p', value_name = "NAME")]
    pub profile: Option<String>,
    /// Tenant URL, e.g. https://openam-acme.forgeblocks.com
    #[arg(long, value_name = "URL", value_hint = ValueHint::Url)]
    pub tenant: Option<String>,
    /// Realm of the identities (default: alpha); for a session, the login realm (default: root, as administrators log in)
    #[arg(long, value_name = "REALM")]
    pub realm: Option<String>,

    /// Service account id (JWT bearer login)
    #[arg(long, value_name = "ID", conflicts_with_all = ["username", "client_id"])]
    pub service_account: Option<String>,
    /// Path of the service account's private JWK (alone: a new key for a saved service-account profile)
    #[arg(long, value_name = "PATH", value_hint = ValueHint::FilePath)]
    pub jwk: Option<PathBuf>,
    /// Requested scopes, one space-separated string: "fr:am:* fr:idm:*"
    #[arg(long, visible_alias = "scopes", value_name = "SCOPES")]
    pub scope: Option<String>,

    /// User name (session login through the callbacks journey); remembered in the profile
    #[arg(long, value_name = "NAME", conflicts_with = "client_id")]
    pub username: Option<String>,
    /// Authentication journey (session login)
    #[arg(long, value_name = "JOURNEY", requires = "username")]
    pub journey: Option<String>,
    /// Send the user name and password as headers in one request instead of filling the
    /// journey's callbacks (session login)
    #[arg(long, requires = "username")]
    pub zero_page: bool,
    /// The tenant's tier (writes to production need --yes); kept in the profile
    #[arg(long, value_name = "TIER", value_parser = ["sandbox", "development", "staging", "production"])]
    pub tier: Option<String>,
    /// PEM bundle of CAs to trust for this tenant besides the system's (private CA,
    /// TLS-inspecting proxy); kept in the profile
    #[arg(long, value_name = "PATH", value_hint = ValueHint::FilePath)]
    pub ca_cert: Option<PathBuf>,
    /// Read a session login's password from stdin (without it or --password-file, a
    /// terminal is asked, unechoed)
    #[arg(long, conflicts_with = "password_file")]
    pub password_stdin: bool,
    /// Read a session login's password from a file
    #[arg(long, value_name = "PATH", value_hint = ValueHint::FilePath)]
    pub password_file: Option<PathBuf>,

    /// OAuth client id: client credentials login (its secret kept, so a login again needs
    /// neither), or with --browser/--device the tenant's public client for command-line
    /// logins; remembered in the profile
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,

    /// Log in in a browser (authorization code + PKCE, redirect to http://127.0.0.1:PORT/callback)
    #[arg(long, conflicts_with_all = ["service_account", "username", "device", "log_api_key", "create_log_api_key"])]
    pub browser: bool,
    /// Log in with a code entered in a browser anywhere (device authorization, RFC 8628)
    #[arg(long, conflicts_with_all = ["service_account", "username", "log_api_key", "create_log_api_key"])]
    pub device: bool,
    /// Browser login: the loopback redirect's port (default: a free one); remembered in the profile
    #[arg(long, value_name = "PORT")]
    pub redirect_port: Option<u16>,
    /// Browser and device logins: give up after SECS seconds (default: 300)
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<u64>,
    /// Browser login: print the login page's URL only, open no browser
    #[arg(long)]
    pub no_browser: bool,
    /// Hand over the admin console's session: its cookie (the value, name=value, or a whole
    /// Cookie: line) is read from stdin, or from --secret-file
    #[arg(long, conflicts_with_all = ["service_account", "username", "client_id", "browser", "device", "log_api_key", "create_log_api_key", "password_stdin", "password_file"])]
    pub session_cookie: bool,
    /// Read the client secret, the log API key's secret or the session cookie from stdin
    #[arg(long, conflicts_with = "secret_file")]
    pub secret_stdin: bool,
    /// Read the client secret, the log API key's secret or the session cookie from a file
    #[arg(long, value_name = "PATH", value_hint = ValueHint::FilePath)]
    pub secret_file: Option<PathBuf>,

    /// Add this log API key id to the profile (the secret from --secret-stdin or --secret-file)
    #[arg(long, value_name = "KEY", conflicts_with_all = ["service_account", "username", "client_id"])]
    pub log_api_key: Option<String>,
    /// Create a log API key with the profile's administrator session and keep it
    #[arg(long, conflicts_with = "log_api_key")]
    pub create_log_api_key: bool,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    /// idc-core's login problems name flags (and point at them): every one is a flag of
    /// `login` or `logout` here, spelled alike.
    #[test]
    fn every_flag_a_login_problem_names_is_ours() {
        let command = Cli::command();
        let longs: Vec<String> = ["login", "logout"]
            .iter()
            .flat_map(|name| {
                command
                    .find_subcommand(name)
                    .unwrap_or_else(|| panic!("no {name} command"))
                    .get_arguments()
                    .filter_map(|arg| arg.get_long().map(|long| format!("--{long}")))
                    .collect::<Vec<_>>()
            })
            .collect();
        for flag in idc_core::LoginProblem::FLAGS {
            assert!(longs.iter().any(|long| long == flag), "{flag} is not ours");
        }
    }

    #[test]
    fn secrets_are_never_flag_values() {
        let refused = Cli::try_parse_from([
            "git-credential-idc",
            "login",
            "--username",
            "bob",
            "--password",
            "hunter2",
        ]);
        assert!(refused.is_err());
    }

    #[test]
    fn browser_and_device_flags_parse_and_exclude_other_logins() {
        let parsed = Cli::try_parse_from([
            "git-credential-idc",
            "login",
            "--browser",
            "--client-id",
            "idc-cli",
            "--scopes",
            "openid fr:idm:*",
            "--redirect-port",
            "8765",
            "--timeout",
            "60",
            "--no-browser",
        ])
        .unwrap();
        let Command::Login(args) = parsed.command else {
            panic!("not a login");
        };
        assert!(args.browser && args.no_browser);
        assert_eq!(args.scope.as_deref(), Some("openid fr:idm:*"));
        assert_eq!((args.redirect_port, args.timeout), (Some(8765), Some(60)));
        for refused in [
            &["--browser", "--device"][..],
            &["--browser", "--username", "bob"],
            &["--device", "--service-account", "sa", "--jwk", "k"],
            &["--browser", "--redirect-port", "99999"],
        ] {
            let mut args = vec!["git-credential-idc", "login"];
            args.extend(refused);
            assert!(Cli::try_parse_from(&args).is_err(), "{refused:?}");
        }
    }

    #[test]
    fn a_session_cookie_is_never_a_flag_value_and_excludes_other_logins() {
        let parsed = Cli::try_parse_from([
            "git-credential-idc",
            "login",
            "--tenant",
            "https://tenant",
            "--session-cookie",
            "--secret-file",
            "cookie.txt",
        ])
        .unwrap();
        let Command::Login(args) = parsed.command else {
            panic!("not a login");
        };
        assert!(args.session_cookie);
        for refused in [
            &["--session-cookie", "AQIC5w.abc"][..],
            &["--session-cookie", "--username", "bob"],
            &["--session-cookie", "--browser"],
            &["--session-cookie", "--client-id", "c"],
        ] {
            let mut args = vec!["git-credential-idc", "login"];
            args.extend(refused);
            assert!(Cli::try_parse_from(&args).is_err(), "{refused:?}");
        }
        let logout =
            Cli::try_parse_from(["git-credential-idc", "logout", "--end-session"]).unwrap();
        assert!(matches!(
            logout.command,
            Command::Logout(LogoutArgs {
                end_session: true,
                ..
            })
        ));
    }

    /// Which logins `--jwk` goes with is idc-core's rule (a saved service-account profile
    /// takes it alone), not the parser's.
    #[test]
    fn a_jwk_alone_is_left_to_the_login_rules() {
        let parsed = Cli::try_parse_from([
            "git-credential-idc",
            "login",
            "--profile",
            "sa",
            "--jwk",
            "k.jwk",
        ])
        .unwrap();
        let Command::Login(args) = parsed.command else {
            panic!("not a login");
        };
        assert_eq!(args.jwk.as_deref(), Some(std::path::Path::new("k.jwk")));
    }

    #[test]
    fn git_actions_parse() {
        for action in ["get", "store", "erase", "capability"] {
            assert!(Cli::try_parse_from(["git-credential-idc", action]).is_ok());
        }
    }
}
