//! README's Troubleshooting table says which messages a user meets. Each row is provoked
//! here through the real front ends (the helper, or nu where the message is nu's), one test
//! per part of the table, and the fragments checked must be in the row as well as in what
//! the user got: a reworded message fails its test until the table says it too. Each test
//! lists the rows it provokes and fails unless it provokes every one; a row that no test
//! lists (and [`NOT_PROVOKED`] does not explain) fails
//! `every_row_is_provoked_by_one_test_or_said_why_not`.

mod accounts;
mod answers;

use std::collections::BTreeSet;
use std::process::{Command, Output};

use idc_e2e::{Sandbox, UserEnv, run_with_stdin, success_stdout, workspace_root};

/// Rows no scenario can provoke, each found by a text only it holds, with why.
const NOT_PROVOKED: [(&str, &str); 1] = [(
    "`plugin add` fails",
    "a plugin built for another nu version: the suite has one nu",
)];

/// The rows each test provokes, each found by a text of its message column.
const PROFILES_SESSIONS_AND_STORES: &[&str] = &[
    "`no profile yet`",
    "no profile for URL",
    "several profiles match URL",
    "several profiles and no default",
    "is not in the none store",
    "is not in the file store",
    "`status`: `VALID no`",
    "has expired`",
    "asks for a second factor after the password",
    "refused scopes fr:iga:*",
];
const REFUSALS_AND_END_USERS: &[&str] = &[
    "naming a scope",
    "401 Unauthorized",
    "it reads only that user's own records",
    "no IDM token for this session",
];
const REACHING_THE_TENANT: &[&str] = &[
    "refusing plain http",
    "does not resolve",
    "`cannot reach https://TENANT: ...`",
    "does not trust",
    "CA bundle PATH",
    "has expired (or is not valid yet)",
];
const ANSWERS_STREAMS_AND_WRITES: &[&str] = &[
    "an HTML page instead of JSON",
    "the most idc reads",
    "held no item",
    "stopped after N rows",
    "rows failed (the others were written)",
];
const LOG_KEYS_AND_FILES: &[&str] = &[
    "has no log API key",
    "the tenant refused the log API key",
    "holds only a log API key",
    "`refusing PATH: it belongs to another user`",
];
const SECTIONS: [&[&str]; 5] = [
    PROFILES_SESSIONS_AND_STORES,
    REFUSALS_AND_END_USERS,
    REACHING_THE_TENANT,
    ANSWERS_STREAMS_AND_WRITES,
    LOG_KEYS_AND_FILES,
];

/// The table's rows, as README.md has them.
fn rows() -> Vec<String> {
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).expect("README.md");
    let table = readme
        .split("## Troubleshooting")
        .nth(1)
        .expect("a Troubleshooting section")
        .split("\n## ")
        .next()
        .unwrap();
    table
        .lines()
        .filter(|line| line.starts_with("| ") && !line.starts_with("| message |"))
        .map(str::to_string)
        .collect()
}

/// The index of the one row of `rows` holding `marker`.
fn row_index(rows: &[String], marker: &str) -> usize {
    let matching: Vec<usize> = (0..rows.len())
        .filter(|i| rows[*i].contains(marker))
        .collect();
    assert_eq!(
        matching.len(),
        1,
        "`{marker}` picks {} rows of the table",
        matching.len()
    );
    matching[0]
}

/// Spaces as one: nu and terminals wrap long messages.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The rows one test provokes: checked one by one, and on drop (unless the test already
/// failed) every row the test lists must have been checked.
struct Table {
    rows: Vec<String>,
    listed: &'static [&'static str],
    provoked: BTreeSet<&'static str>,
}

impl Table {
    fn new(listed: &'static [&'static str]) -> Table {
        Table {
            rows: rows(),
            listed,
            provoked: BTreeSet::new(),
        }
    }

    /// `got` is what the user saw; every fragment is in it and in the one row holding
    /// `row` (a text of that row's message column, one of the rows this test lists).
    fn check(&mut self, row: &'static str, fragments: &[&str], got: &str) {
        assert!(
            self.listed.contains(&row),
            "`{row}` is not in this test's list of rows"
        );
        let index = row_index(&self.rows, row);
        let (line, got) = (flat(&self.rows[index]), flat(got));
        for fragment in fragments {
            assert!(
                line.contains(fragment),
                "README's row lacks `{fragment}`: {line}"
            );
            assert!(
                got.contains(fragment),
                "the user got no `{fragment}` (row `{row}`): {got}"
            );
        }
        self.provoked.insert(row);
    }
}

impl Drop for Table {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let missed: Vec<&&str> = self
            .listed
            .iter()
            .filter(|row| !self.provoked.contains(**row))
            .collect();
        assert!(
            missed.is_empty(),
            "rows this test lists but never provokes: {missed:?}"
        );
    }
}

/// A refusal's stderr: the command failed and printed no credential.
fn refused(output: &Output) -> String {
    assert!(!output.status.success(), "it succeeded: {output:?}");
    assert!(output.stdout.is_empty(), "it printed: {output:?}");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn run(command: &mut Command) -> Output {
    command.output().expect("run")
}

/// What nu printed on stderr for a script that went on (a warning, not an error).
fn nu_stderr(env: &UserEnv, script: &str) -> String {
    let output = run(&mut env.nu(script));
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn login_sa(env: &UserEnv, sandbox: &Sandbox, profile: &str, extra: &[&str]) -> Output {
    run(env
        .helper()
        .args(["login", "--profile", profile, "--tenant", &sandbox.url])
        .args(["--service-account", sandbox.service_account_id()])
        .args(["--jwk", sandbox.jwk_path()])
        .args(extra))
}

fn login_user(env: &UserEnv, sandbox: &Sandbox) -> Output {
    let user = &sandbox.info["user"];
    run_with_stdin(
        env.helper()
            .args(["login", "--profile", "bob", "--tenant", &sandbox.url])
            .args(["--realm", "alpha", "--username"])
            .arg(user["username"].as_str().unwrap())
            .arg("--password-stdin"),
        &format!("{}\n", user["password"].as_str().unwrap()),
    )
}

/// A profile logged in with the sandbox's service account as `ci`, its default.
fn logged_in_ci(sandbox: &Sandbox) -> UserEnv {
    let env = UserEnv::new();
    success_stdout(&login_sa(&env, sandbox, "ci", &[]));
    env
}

#[test]
fn every_row_is_provoked_by_one_test_or_said_why_not() {
    let rows = rows();
    let mut covered = BTreeSet::new();
    for section in SECTIONS {
        for marker in section {
            assert!(
                covered.insert(row_index(&rows, marker)),
                "`{marker}`'s row is listed by two tests"
            );
        }
    }
    for (marker, why) in NOT_PROVOKED {
        let index = rows
            .iter()
            .position(|row| row.contains(marker))
            .unwrap_or_else(|| panic!("NOT_PROVOKED `{marker}` ({why}) matches no row"));
        assert!(covered.insert(index), "`{marker}` is also provoked");
    }
    let missed: Vec<&String> = (0..rows.len())
        .filter(|i| !covered.contains(i))
        .map(|i| &rows[i])
        .collect();
    assert!(missed.is_empty(), "rows no test provokes: {missed:#?}");
}
