//! Every `IDC_*` variable read once, from one lookup (the process environment or a
//! Nushell session's), into a [`Settings`] value the facade is built from: a bad value is
//! one [`Error::Setting`] naming its variable, before anything else runs.

use std::path::PathBuf;

use crate::credentials::store_choice::StoreSetting;
use crate::env_login;
use crate::error::{Error, Result};
use crate::http::NetworkEnv;
use crate::paging::DEFAULT_MAX_EMPTY_PAGES;

/// The environment variables `Idc::from_lookup` reads.
pub mod vars {
    pub const CONFIG_DIR: &str = "IDC_CONFIG_DIR";
    pub const CACHE_DIR: &str = "IDC_CACHE_DIR";
    pub use crate::credentials::store_choice::vars::{CREDENTIAL_STORE, KEYRING_TIMEOUT};
    pub const PROFILE: &str = "IDC_PROFILE";
    pub use crate::http::client::vars::{CA_BUNDLE, CONNECT_TIMEOUT, MAX_RESPONSE_BYTES, TIMEOUT};
    /// How many pages in a row may hold no item before paging stops with an error.
    pub const MAX_EMPTY_PAGES: &str = "IDC_MAX_EMPTY_PAGES";
    /// `1` consents to every write to a production profile, as `--yes` does (CI).
    pub const ASSUME_YES: &str = "IDC_ASSUME_YES";
    /// Writes in flight at once (pinned), when the command has no `--concurrency`.
    pub const WRITE_CONCURRENCY: &str = "IDC_WRITE_CONCURRENCY";
}

/// What the `IDC_*` variables say, parsed; empty values count as unset.
pub(crate) struct Settings {
    /// `IDC_CONFIG_DIR`, else the user's config directory's `idc`.
    pub(crate) config_dir: PathBuf,
    /// `IDC_CACHE_DIR`, else the user's cache directory's `idc`.
    pub(crate) cache_dir: PathBuf,
    /// `IDC_CREDENTIAL_STORE` and `IDC_KEYRING_TIMEOUT`.
    pub(crate) store: StoreSetting,
    /// `IDC_PROFILE`, a valid profile name.
    pub(crate) idc_profile_var: Option<String>,
    /// `IDC_CA_BUNDLE`, the timeouts, the response cap and the proxy variables.
    pub(crate) network: NetworkEnv,
    /// The environment-only login (`IDC_TENANT`, `IDC_SERVICE_ACCOUNT_*`, ...), or why it
    /// is incomplete.
    pub(crate) env_login:
        std::result::Result<Option<env_login::EnvLogin>, crate::error::EnvProblem>,
    /// `IDC_MAX_EMPTY_PAGES`.
    pub(crate) max_empty_pages: usize,
    /// `IDC_ASSUME_YES`: consent to writes to production profiles.
    pub(crate) assume_yes: bool,
    /// `IDC_WRITE_CONCURRENCY`, at least 1.
    pub(crate) write_concurrency: Option<usize>,
}

impl Settings {
    pub(crate) fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Settings> {
        let lookup = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let dir = |variable: &'static str, base: Option<PathBuf>, what: &str| match lookup(variable)
        {
            // A relative directory would be another one in every working directory (and
            // the plugin's is not the shell's).
            Some(dir) if PathBuf::from(&dir).is_relative() => {
                Err(Error::setting(variable, &dir, "an absolute path"))
            }
            Some(dir) => Ok(PathBuf::from(dir)),
            None => base.map(|base| base.join("idc")).ok_or_else(|| {
                Error::Store(format!(
                    "cannot find the user's {what} directory: set {variable}"
                ))
            }),
        };
        let config_dir = dir(vars::CONFIG_DIR, dirs::config_dir(), "config")?;
        let cache_dir = dir(vars::CACHE_DIR, dirs::cache_dir(), "cache")?;
        let store = StoreSetting::from_lookup(&lookup)?;
        let env_login = env_login::from_lookup(lookup);
        let network = NetworkEnv::from_lookup(lookup)?;
        let max_empty_pages = match lookup(vars::MAX_EMPTY_PAGES) {
            Some(text) => text
                .trim()
                .parse::<usize>()
                .map_err(|_| Error::setting(vars::MAX_EMPTY_PAGES, &text, "a number of pages"))?,
            None => DEFAULT_MAX_EMPTY_PAGES,
        };
        let assume_yes = match lookup(vars::ASSUME_YES) {
            Some(text) => crate::guard::assume_yes(Some(&text))
                .map_err(|()| Error::setting(vars::ASSUME_YES, &text, "1 or 0"))?,
            None => false,
        };
        let write_concurrency = lookup(vars::WRITE_CONCURRENCY)
            .map(|text| match text.trim().parse::<usize>() {
                Ok(n) if n > 0 => Ok(n),
                _ => Err(Error::setting(
                    vars::WRITE_CONCURRENCY,
                    &text,
                    "a number of requests, at least 1",
                )),
            })
            .transpose()?;
        let idc_profile_var = lookup(vars::PROFILE);
        if let Some(name) = &idc_profile_var
            && crate::profile::validate_profile_name(name).is_err()
        {
            return Err(Error::setting(
                vars::PROFILE,
                name,
                "a profile name (letters, digits, '-', '_' and '.'; at most 64, not starting with '.')",
            ));
        }
        Ok(Settings {
            config_dir,
            cache_dir,
            store,
            idc_profile_var,
            network,
            env_login,
            max_empty_pages,
            assume_yes,
            write_concurrency,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        Settings::from_lookup(move |name| {
            pairs
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, value)| value.clone())
        })
    }

    const DIRS: [(&str, &str); 2] = [("IDC_CONFIG_DIR", "/c/idc"), ("IDC_CACHE_DIR", "/k/idc")];

    fn with_dirs(pairs: &[(&'static str, &'static str)]) -> Result<Settings> {
        let mut all = DIRS.to_vec();
        all.extend_from_slice(pairs);
        settings(&all)
    }

    fn refused_naming(pairs: &[(&'static str, &'static str)], variable: &str) {
        let error = with_dirs(pairs).err().expect("refused");
        assert!(error.to_string().contains(variable), "{error}");
    }

    #[test]
    fn the_directories_are_absolute_paths() {
        let read = with_dirs(&[]).unwrap();
        assert_eq!(read.config_dir, PathBuf::from("/c/idc"));
        assert_eq!(read.cache_dir, PathBuf::from("/k/idc"));
        let error = settings(&[("IDC_CONFIG_DIR", "rel"), DIRS[1]])
            .err()
            .unwrap();
        assert!(
            matches!(
                error,
                Error::Setting {
                    variable: "IDC_CONFIG_DIR",
                    ..
                }
            ),
            "{error}"
        );
        let error = settings(&[DIRS[0], ("IDC_CACHE_DIR", "rel")])
            .err()
            .unwrap();
        assert!(
            matches!(
                error,
                Error::Setting {
                    variable: "IDC_CACHE_DIR",
                    ..
                }
            ),
            "{error}"
        );
    }

    #[test]
    fn max_empty_pages_is_a_number_and_empty_means_the_default() {
        assert_eq!(
            with_dirs(&[("IDC_MAX_EMPTY_PAGES", " 3 ")])
                .unwrap()
                .max_empty_pages,
            3
        );
        let unset = with_dirs(&[("IDC_MAX_EMPTY_PAGES", " ")]).unwrap();
        // README's Limits: 10 pages in a row without an item.
        assert_eq!(unset.max_empty_pages, 10);
        let error = with_dirs(&[("IDC_MAX_EMPTY_PAGES", "many")]).err().unwrap();
        assert!(
            matches!(
                error,
                Error::Setting {
                    variable: "IDC_MAX_EMPTY_PAGES",
                    ..
                }
            ),
            "{error}"
        );
    }

    #[test]
    fn assume_yes_is_read_once_and_a_typo_is_refused() {
        assert!(with_dirs(&[("IDC_ASSUME_YES", "1")]).unwrap().assume_yes);
        assert!(!with_dirs(&[("IDC_ASSUME_YES", "0")]).unwrap().assume_yes);
        assert!(!with_dirs(&[]).unwrap().assume_yes);
        refused_naming(&[("IDC_ASSUME_YES", "yep")], "IDC_ASSUME_YES");
    }

    #[test]
    fn write_concurrency_is_a_positive_number() {
        let read = with_dirs(&[("IDC_WRITE_CONCURRENCY", " 1 ")]).unwrap();
        assert_eq!(read.write_concurrency, Some(1));
        assert_eq!(with_dirs(&[]).unwrap().write_concurrency, None);
        refused_naming(&[("IDC_WRITE_CONCURRENCY", "0")], "IDC_WRITE_CONCURRENCY");
        refused_naming(
            &[("IDC_WRITE_CONCURRENCY", "many")],
            "IDC_WRITE_CONCURRENCY",
        );
    }

    #[test]
    fn the_profile_is_a_valid_name() {
        let read = with_dirs(&[("IDC_PROFILE", "dev")]).unwrap();
        assert_eq!(read.idc_profile_var.as_deref(), Some("dev"));
        refused_naming(&[("IDC_PROFILE", "a/b")], "IDC_PROFILE");
    }

    #[test]
    fn each_bad_store_and_network_value_names_its_variable() {
        for (variable, bad) in [
            ("IDC_CREDENTIAL_STORE", "floppy"),
            ("IDC_KEYRING_TIMEOUT", "soon"),
            ("IDC_CONNECT_TIMEOUT", "soon"),
            ("IDC_TIMEOUT", "-1"),
            ("IDC_MAX_RESPONSE_BYTES", "lots"),
            ("IDC_CA_BUNDLE", "ca.pem"),
        ] {
            refused_naming(&[(variable, bad)], variable);
        }
    }

    #[test]
    fn an_incomplete_environment_login_is_kept_as_its_problem() {
        let read = with_dirs(&[("IDC_TENANT", "https://tenant.example.com")]).unwrap();
        let Err(problem) = read.env_login else {
            panic!("an incomplete environment login was accepted");
        };
        assert_eq!(
            problem,
            crate::error::EnvProblem::Incomplete {
                missing: vec!["IDC_SERVICE_ACCOUNT_ID", "IDC_SERVICE_ACCOUNT_JWK"]
            }
        );
        assert!(
            problem.to_string().contains("IDC_SERVICE_ACCOUNT_ID"),
            "{problem}"
        );
        assert!(matches!(with_dirs(&[]).unwrap().env_login, Ok(None)));
    }
}
