//! The README's examples run as printed (issue 30, finding 2): every fenced ```nu and
//! ```sh block of README.md runs, in the README's order, in real nu or bash against
//! idc-sandbox, and must succeed. The only changes are the explicit [`SUBSTITUTIONS`]
//! (the example tenant and its names become the sandbox's) and the files and variables the
//! README says the reader has ([`reader_setup`]). A block that cannot run against a
//! sandbox by nature is in [`NOT_RUN`] with the reason; the test fails when an entry of
//! that list matches no block, so the list cannot outlive the README.

use std::process::Output;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use idc_e2e::{
    Sandbox, UserEnv, http_client, login_service_account, run_with_stdin, success_stdout,
    workspace_root,
};

/// The tenant the README is written for.
const README_TENANT: &str = "https://openam-acme.forgeblocks.com";

/// Blocks not run, each found by a text only it holds, with why.
const NOT_RUN: [(&str, &str); 14] = [
    // The two commands run the whole suite and a demo of their own: a test cannot run
    // the command that runs it.
    (
        "bash scripts/demo.sh",
        "the demo and the test command themselves",
    ),
    // Installs into ~/.cargo with a release build (minutes); scripts/check-package.sh
    // runs exactly these lines with IDC_CHECK_INSTALL=1.
    (
        "cargo install --locked",
        "release install, checked by check-package.sh",
    ),
    // The Log in section is being rewritten (issue 24); its logins are done here by
    // reader_setup, as its table says.
    (
        "idc status                   #",
        "Log in section, rewritten by issue 24",
    ),
    // A browser or a second device and a human: login::builtin and login::browser play
    // them in Chromium.
    (
        "--tenant https://openam-acme.forgeblocks.com --browser\n",
        "needs a person at a browser (login::builtin)",
    ),
    (
        "--tenant https://openam-acme.forgeblocks.com --device\n",
        "needs a person at a second device (login::builtin)",
    ),
    (
        "--device --client-id idc-cli --realm alpha",
        "needs a person at a second device (login::browser)",
    ),
    (
        "--browser --client-id idc-cli --realm alpha --scopes",
        "needs a person at a browser (login::browser)",
    ),
    // A cookie from a person's console sign-in: login::session_cookie signs in to the
    // sandbox's /platform/ in Chromium and hands the cookie over exactly so.
    (
        "idc login --profile admin --tenant $t --session-cookie",
        "needs a console session signed in by a person (login::session_cookie)",
    ),
    (
        "--session-cookie < cookie.txt",
        "needs a console session signed in by a person (login::session_cookie)",
    ),
    // Two tenants' profiles: guard::diff runs the same command against two sandboxes.
    (
        "idc diff --from staging --to production",
        "needs two tenants (guard::diff)",
    ),
    // A tenant behind a private CA (corp-ca.pem): network::tls runs each of these tools
    // against a TLS sandbox. Not yet run from here: it needs a second, TLS sandbox.
    (
        "REQUESTS_CA_BUNDLE=corp-ca.pem",
        "needs a tenant behind a private CA",
    ),
    // A lower and an upper environment: promotion::e2e runs this walk-through against a
    // pair of sandboxes (`--promotion-lower`), which this test's one sandbox is not.
    (
        "idc promotion lock --wait --profile upper",
        "needs two sandboxes, a lower and an upper one (promotion::e2e)",
    ),
    // The sandbox itself: servers that run until stopped (the harness starts the same
    // binary with the same flags, tests::sandbox).
    (
        "idc-sandbox --listen 127.0.0.1:0",
        "starts a server that runs until stopped",
    ),
    (
        "idc-sandbox --state-dir /tmp/sbx --tls",
        "starts a server that runs until stopped",
    ),
];

/// A fenced block of README.md: its language, its text, the line it starts on.
struct Block {
    language: String,
    text: String,
    line: usize,
}

fn readme_blocks(readme: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut open: Option<Block> = None;
    for (number, line) in readme.lines().enumerate() {
        match (&mut open, line.strip_prefix("```")) {
            (None, Some(language)) => {
                open = Some(Block {
                    language: language.trim().to_string(),
                    text: String::new(),
                    line: number + 1,
                })
            }
            (Some(_), Some("")) => blocks.extend(open.take()),
            (Some(block), _) => {
                block.text.push_str(line);
                block.text.push('\n');
            }
            (None, None) => {}
        }
    }
    assert!(open.is_none(), "README.md ends inside a code block");
    blocks
}

/// The substitutions, in order: (what the README says, what the sandbox has).
fn substitutions(sandbox: &Sandbox) -> Vec<(String, String)> {
    let info = &sandbox.info;
    let text = |pointer: &str| {
        info.pointer(pointer)
            .and_then(|value| value.as_str())
            .unwrap_or_else(|| panic!("sandbox.json lacks {pointer}"))
            .to_string()
    };
    vec![
        (README_TENANT.to_string(), sandbox.url.clone()),
        ("admin@acme.com".to_string(), text("/admin/username")),
        ("iga-client".to_string(), text("/iga_client/id")),
        // The test's own prelude has done `plugin use` with this home's registry.
        ("plugin use idc\n".to_string(), String::new()),
    ]
}

/// What the README's reader has before the blocks: the files and variables the Log in
/// section names, its logins (profile `sandbox` by default, `admin`, `iga`, `logs`), and a
/// user for the Writes block to find (`test.one`, mail at old.example).
fn reader_setup(sandbox: &Sandbox, env: &UserEnv) -> Vec<(&'static str, String)> {
    let home = env.home.path();
    let idc_dir = home.join(".idc");
    std::fs::create_dir_all(&idc_dir).expect("mkdir ~/.idc");
    std::fs::copy(sandbox.jwk_path(), idc_dir.join("sa.jwk")).expect("copy the JWK");
    let text = |pointer: &str| {
        sandbox
            .info
            .pointer(pointer)
            .and_then(|value| value.as_str())
            .unwrap_or_else(|| panic!("sandbox.json lacks {pointer}"))
            .to_string()
    };
    std::fs::write(idc_dir.join("iga.secret"), text("/iga_client/secret")).expect("secret");
    std::fs::write(idc_dir.join("log.secret"), text("/log_api/secret")).expect("secret");
    std::fs::write(
        home.join("users.csv"),
        "userName,givenName,sn,mail\nada.new,Ada,New,ada.new@example.com\n",
    )
    .expect("users.csv");

    success_stdout(&login_service_account(env, sandbox));
    let helper_login = |args: &[&str], stdin: &str| {
        let mut command = env.helper();
        command
            .arg("login")
            .args(["--tenant", &sandbox.url])
            .args(args)
            .current_dir(home);
        success_stdout(&run_with_stdin(&mut command, stdin));
    };
    let admin = text("/admin/username");
    let password = format!("{}\n", text("/admin/password"));
    helper_login(
        &[
            "--profile",
            "admin",
            "--username",
            &admin,
            "--password-stdin",
        ],
        &password,
    );
    let secret_file = |name: &str| idc_dir.join(name).display().to_string();
    let iga = text("/iga_client/id");
    helper_login(
        &[
            "--profile",
            "iga",
            "--client-id",
            &iga,
            "--secret-file",
            &secret_file("iga.secret"),
        ],
        "",
    );
    let key = text("/log_api/key");
    helper_login(
        &[
            "--profile",
            "logs",
            "--log-api-key",
            &key,
            "--secret-file",
            &secret_file("log.secret"),
        ],
        "",
    );
    success_stdout(
        &env.nu(
            "[[userName givenName sn mail]; [test.one Test One test.one@old.example]] \
             | idc create /openidm/managed/alpha_user | get 0.code",
        )
        .output()
        .expect("run nu"),
    );

    let jwk = std::fs::read_to_string(sandbox.jwk_path()).expect("read the JWK");
    vec![
        ("SA_ID", sandbox.service_account_id().to_string()),
        ("SA_JWK", jwk),
        ("KEY_ID", key),
        ("ADMIN_PASSWORD", password),
    ]
}

fn run_block(block: &Block, script: &str, env: &UserEnv, vars: &[(&str, String)]) -> Output {
    let password = &vars
        .iter()
        .find(|(name, _)| *name == "ADMIN_PASSWORD")
        .expect("password")
        .1;
    let mut command = match block.language.as_str() {
        "nu" => env.nu(script),
        "sh" => {
            let mut bash = env.command("bash");
            bash.args(["-e", "-o", "pipefail", "-c", script]);
            bash
        }
        other => panic!("README.md:{}: a ```{other} block", block.line),
    };
    command.current_dir(env.home.path());
    for (name, value) in vars {
        command.env(name, value);
    }
    // A `--password-stdin` line reads the administrator's password.
    run_with_stdin(&mut command, password)
}

#[test]
fn every_nu_and_sh_block_of_the_readme_runs_against_the_sandbox() {
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).expect("README.md");
    let blocks: Vec<Block> = readme_blocks(&readme)
        .into_iter()
        .filter(|block| matches!(block.language.as_str(), "nu" | "sh"))
        .collect();
    for (marker, why) in NOT_RUN {
        let matching = blocks.iter().filter(|b| b.text.contains(marker)).count();
        assert_eq!(
            matching, 1,
            "NOT_RUN entry `{marker}` ({why}) matches {matching} blocks of README.md: update the list"
        );
    }

    let sandbox = Sandbox::start(100);
    let env = UserEnv::new();
    let vars = reader_setup(&sandbox, &env);
    let substitutions = substitutions(&sandbox);

    // `idc logs tail ... | first 5` waits for new events: requests keep coming, as on a
    // tenant in use.
    let running = Arc::new(AtomicBool::new(true));
    let traffic = {
        let running = running.clone();
        let url = sandbox.at("/am/json/serverinfo/version");
        std::thread::spawn(move || {
            let client = http_client();
            while running.load(Ordering::SeqCst) {
                let _ = client.get(&url).send();
                // Spaces the traffic out, as on a tenant in use; it waits for nothing.
                std::thread::sleep(std::time::Duration::from_millis(300));
            }
        })
    };

    let mut ran = 0;
    for block in &blocks {
        if NOT_RUN
            .iter()
            .any(|(marker, _)| block.text.contains(marker))
        {
            continue;
        }
        let mut script = block.text.clone();
        for (from, to) in &substitutions {
            script = script.replace(from, to);
        }
        assert!(
            !script.contains("forgeblocks.com"),
            "README.md:{}: names a tenant the test does not map",
            block.line
        );
        let out = run_block(block, &script, &env, &vars);
        assert!(
            out.status.success(),
            "README.md:{}: the ```{} block failed ({}):\n{script}\nstdout: {}\nstderr: {}",
            block.line,
            block.language,
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        ran += 1;
    }
    running.store(false, Ordering::SeqCst);
    traffic.join().expect("traffic thread");
    assert!(ran >= 6, "only {ran} blocks ran");
}
