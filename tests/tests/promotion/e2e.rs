//! End to end, issue 28 (promotions): an IDM configuration object changed in the lower
//! environment to refer to a new ESV is one row of the provisional report with the ESV
//! named as missing; a dry run names it; once the ESV exists upstairs the environments are
//! locked, the change promoted and found upstairs, and the environments unlocked. Each
//! refusal is one message and sends nothing (the upper sandbox's `promotion_writes`).

use idc_e2e::promotion_pair::PromotionPair;
use idc_e2e::{UserEnv, success_stdout};
use serde_json::{Value, json};

fn nu_json(env: &UserEnv, script: &str) -> Value {
    let out = env
        .nu(&format!("{script} | to json -r"))
        .output()
        .expect("run nu");
    let stdout = success_stdout(&out);
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}

/// Runs a script that must fail: its stderr (the one error message).
fn refused(env: &UserEnv, script: &str) -> String {
    let out = env.nu(script).output().expect("run nu");
    assert!(!out.status.success(), "`{script}` was not refused");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The rows of a report table other than `missing-esv` and `encrypted-secret`.
fn changes(rows: &Value) -> Vec<&Value> {
    rows.as_array()
        .expect("a table")
        .iter()
        .filter(|row| row["side"] != "ESV")
        .collect()
}

#[test]
fn a_config_change_is_promoted_once_its_esv_exists_upstairs() {
    let pair = PromotionPair::start();
    let env = pair.logged_in();
    let upper = &pair.upper;

    // 1. The lower environment's welcome e-mail now comes from a new ESV.
    let welcome = nu_json(
        &env,
        "idc get /openidm/config/emailTemplate/welcome --profile lower",
    );
    assert_eq!(welcome["from"], "&{esv.support.email}");
    let written = nu_json(
        &env,
        "idc get /openidm/config/emailTemplate/welcome --profile lower | upsert from '&{esv.promo.sender}' | idc update /openidm/config/emailTemplate/welcome --force --profile lower",
    );
    assert_eq!(written[0]["code"], 200, "{written}");
    assert_eq!(written[0]["error"], Value::Null, "{written}");
    upper.reset_stats();

    // 2. One row for the change, one for the missing ESV.
    let rows = nu_json(&env, "idc promotion report --provisional --profile upper");
    let changed = changes(&rows);
    assert_eq!(changed.len(), 1, "{rows}");
    assert_eq!(
        changed[0],
        &json!({"config_item": "emailTemplate", "change": "modified", "name": "welcome",
                "realm": "", "uid": "emailTemplate/welcome", "side": "IDM"})
    );
    let missing: Vec<&Value> = rows
        .as_array()
        .unwrap()
        .iter()
        .filter(|row| row["config_item"] == "missing-esv")
        .collect();
    assert_eq!(missing.len(), 1, "{rows}");
    assert_eq!(missing[0]["name"], "esv-promo-sender");

    // 3. A dry run (no --yes) says so, names the ESV and sends nothing.
    let out = env
        .nu("idc promotion promote --profile upper | to json -r")
        .output()
        .expect("run nu");
    let stdout = success_stdout(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("dry run (no --yes)"), "{stderr}");
    assert!(stderr.contains("esv-promo-sender"), "{stderr}");
    assert!(stdout.contains("\"missing-esv\""), "{stdout}");
    assert_eq!(upper.stat("promotion_writes"), 0);

    // Lock without waiting: the lock ends on the sandbox's clock.
    let locking = nu_json(&env, "idc promotion lock --profile upper");
    assert_eq!(locking["result"], "locking", "{locking}");
    upper.advance_clock(2);
    let status = nu_json(&env, "idc promotion status --profile upper");
    assert_eq!(status["lock"]["result"], "locked", "{status}");
    assert_eq!(status["lock"]["lower"]["state"], "locked", "{status}");
    assert_eq!(status["promotion"]["blocking_error"], false, "{status}");
    assert_eq!(upper.stat("promotion_writes"), 1, "the lock only");

    // A real promotion with the ESV missing: one message naming it, nothing sent.
    let before = env.snapshot();
    let stderr = refused(&env, "idc promotion promote --yes --profile upper");
    assert!(stderr.contains("lacks the ESVs"), "{stderr}");
    assert!(stderr.contains("esv-promo-sender"), "{stderr}");
    assert!(
        stderr.contains("create them in the upper environment"),
        "{stderr}"
    );
    assert_eq!(upper.stat("promotion_writes"), 1, "nothing sent");
    assert_eq!(env.snapshot(), before, "config and cache untouched");

    // 4. The ESV is created upstairs (as in the console: the ESV commands are apart).
    upper
        .client()
        .put(upper.at("/__sandbox/variables/esv-promo-sender"))
        .send()
        .and_then(|r| r.error_for_status())
        .expect("create the variable upstairs");

    // 6. Promote, follow it to the end: the report's row, then the object upstairs.
    let rows = nu_json(
        &env,
        "idc promotion promote --yes --wait --description 'new sender' --profile upper",
    );
    let changed = changes(&rows);
    assert_eq!(changed.len(), 1, "{rows}");
    assert_eq!(changed[0]["uid"], "emailTemplate/welcome");
    let promoted = nu_json(
        &env,
        "idc get /openidm/config/emailTemplate/welcome --profile upper",
    );
    assert_eq!(promoted["from"], "&{esv.promo.sender}", "{promoted}");
    let reports = nu_json(&env, "idc promotion reports --profile upper");
    assert_eq!(reports.as_array().map(Vec::len), Some(1), "{reports}");
    assert_eq!(reports[0]["dry_run"], false);
    let by_id = nu_json(
        &env,
        "idc promotion report --id (idc promotion reports --profile upper | get 0.report_id) --profile upper",
    );
    assert_eq!(by_id, rows, "the report by its id is the one --wait showed");
    let again = nu_json(&env, "idc promotion report --provisional --profile upper");
    assert!(
        changes(&again).is_empty(),
        "nothing left to promote: {again}"
    );

    // A rollback shows what it would revert first, then reverts it with --yes.
    let revert = nu_json(&env, "idc promotion rollback --profile upper");
    assert_eq!(changes(&revert).len(), 1, "{revert}");
    assert_eq!(changes(&revert)[0]["uid"], "emailTemplate/welcome");
    let writes = upper.stat("promotion_writes");
    nu_json(&env, "idc promotion rollback --yes --wait --profile upper");
    assert_eq!(
        upper.stat("promotion_writes"),
        writes + 1,
        "one rollback sent"
    );
    let reverted = nu_json(
        &env,
        "idc get /openidm/config/emailTemplate/welcome --profile upper",
    );
    assert_eq!(reverted["from"], "&{esv.support.email}", "{reverted}");
    let reports = nu_json(&env, "idc promotion reports --profile upper | get type");
    assert_eq!(reports, json!(["promotion", "rollback"]));

    // 7. Unlock, following it to `unlocked`.
    let unlocked = nu_json(&env, "idc promotion unlock --yes --wait --profile upper");
    assert_eq!(unlocked["result"], "unlocked", "{unlocked}");
}

#[test]
fn each_refusal_is_one_message_and_sends_nothing() {
    let pair = PromotionPair::start();
    let env = pair.logged_in();
    let upper = &pair.upper;
    upper.reset_stats();
    let before = env.snapshot();
    let offered = env.nu_complete(&format!(
        "{}idc promotion promote --profile ",
        env.nu_prelude()
    ));
    assert!(
        offered.contains(&"upper".to_string()) && offered.contains(&"lower".to_string()),
        "{offered:?}"
    );

    let refusals = [
        (
            "idc promotion promote --yes --profile upper",
            "not locked",
            "idc promotion lock --wait",
        ),
        (
            "idc promotion unlock --profile upper",
            "unlocking the environments needs --yes",
            "--yes",
        ),
        (
            "idc promotion unlock --yes --profile upper",
            "not locked",
            "idc promotion lock --wait",
        ),
        (
            "idc promotion rollback --yes --profile upper",
            "not locked",
            "idc promotion lock --wait",
        ),
    ];
    for (script, message, next) in refusals {
        let stderr = refused(&env, script);
        assert!(stderr.contains(message), "{script}: {stderr}");
        assert!(stderr.contains(next), "{script}: {stderr}");
        assert_eq!(
            stderr.matches("Error:").count(),
            1,
            "{script}: one message: {stderr}"
        );
        assert_eq!(upper.stat("promotion_writes"), 0, "{script} sent something");
    }
    assert_eq!(env.snapshot(), before, "config and cache untouched");

    // A blocking error left by a failed promotion.
    let locked = nu_json(&env, "idc promotion lock --wait --profile upper");
    assert_eq!(locked["result"], "locked", "{locked}");
    upper
        .client()
        .post(upper.at("/__sandbox/promotion/blocking-error"))
        .json(&json!({"message": "config invalid"}))
        .send()
        .and_then(|r| r.error_for_status())
        .expect("set a blocking error");
    let writes = upper.stat("promotion_writes");
    let stderr = refused(&env, "idc promotion promote --yes --profile upper");
    assert!(
        stderr.contains("blocking error: config invalid"),
        "{stderr}"
    );
    assert_eq!(upper.stat("promotion_writes"), writes, "nothing sent");
    // Nothing was promoted: no rollback either.
    let stderr = refused(&env, "idc promotion rollback --yes --profile upper");
    assert!(stderr.contains("no promotion to roll back"), "{stderr}");
    assert_eq!(upper.stat("promotion_writes"), writes, "nothing sent");
    // Locking twice is refused before anything is sent.
    let stderr = refused(&env, "idc promotion lock --profile upper");
    assert!(stderr.contains("already locked"), "{stderr}");
    assert_eq!(upper.stat("promotion_writes"), writes, "nothing sent");
}

/// On a terminal, `--wait` shows the state and the time elapsed on one line rewritten in
/// place; piped (every other test here), it shows nothing.
#[test]
fn waiting_on_a_terminal_shows_the_state_and_the_time() {
    let pair = PromotionPair::start();
    let env = pair.logged_in();
    // On a pseudo-terminal: stdout and stderr both reach its output.
    let Some(text) =
        env.nu_on_a_terminal("idc promotion lock --wait --profile upper | get result | print $in")
    else {
        return;
    };
    assert!(text.contains("locking (0s)"), "no progress line: {text:?}");
    assert!(
        text.contains("\rlocked") || text.contains("\u{1b}[2Klocked"),
        "{text:?}"
    );
    assert!(text.trim_end().ends_with("locked"), "{text:?}");
}
