//! The guard on production at the entry of each write verb: on a `production` profile
//! without `--yes` (or `IDC_ASSUME_YES=1`), the rows are planned as `--dry-run` would plan
//! them and the command fails with one message (the profile, its tier, the row count) whose
//! help is the dry-run table; nothing is sent and nothing is saved.

use idc_core::writes::{self, Plan};
use idc_core::{Idc, Profile};
use nu_plugin::EvaluatedCall;
use nu_protocol::{LabeledError, PipelineData, Value};

use super::{WriteCall, rows_of};
use crate::errors::{self, ArgSpans};
use crate::values::value_to_json;

/// The switch every write to production needs.
pub(crate) const YES_FLAG: &str = "yes";

/// How many planned requests the refusal lists before saying how many more.
const SHOWN: usize = 20;

/// `input` unchanged when the write may go ahead; else the refusal (the rows read to plan
/// them are not written anywhere).
pub(crate) fn guard(
    idc: &Idc,
    profile: &Profile,
    call: &EvaluatedCall,
    write: &WriteCall,
    input: PipelineData,
    spans: &ArgSpans,
) -> Result<PipelineData, LabeledError> {
    let yes = call.has_flag(YES_FLAG)? || call.has_flag("dry-run")?;
    if idc.require_write_consent(profile, yes, "").is_ok() {
        return Ok(input);
    }
    let rows: Vec<Value> = rows_of(input).collect();
    let choices = Plan {
        force: call.has_flag("force").unwrap_or(false),
        computed: Vec::new(),
    };
    let requests: Vec<String> = if rows.is_empty() {
        vec![request_line(profile, write, None, &choices)]
    } else {
        rows.iter()
            .map(|row| request_line(profile, write, value_to_json(row).ok().as_ref(), &choices))
            .collect()
    };
    let count = requests.len();
    let what = format!(
        "{count} {} ({}) to {}",
        if count == 1 { "request" } else { "requests" },
        write.verb.name(),
        write.path.item
    );
    let refusal = idc
        .require_write_consent(profile, yes, &what)
        .expect_err("refused above");
    let mut table = String::from("the dry run (--dry-run) of what would be sent:");
    for line in requests.iter().take(SHOWN) {
        table.push_str("\n  ");
        table.push_str(line);
    }
    if count > SHOWN {
        table.push_str(&format!("\n  ... and {} more", count - SHOWN));
    }
    Err(errors::labeled(&refusal, spans).with_help(table))
}

/// `METHOD /path` of the request a row plans to, or why it would not be sent.
fn request_line(
    profile: &Profile,
    write: &WriteCall,
    row: Option<&serde_json::Value>,
    choices: &Plan,
) -> String {
    let row = row.or(write.body.as_ref());
    match writes::plan(
        profile,
        &write.verb,
        &write.path.item,
        row,
        write.operations.as_ref(),
        choices,
    ) {
        Ok(planned) => {
            let query = planned
                .url
                .query()
                .map(|query| format!("?{query}"))
                .unwrap_or_default();
            format!("{} {}{query}", planned.method, planned.url.path())
        }
        Err(error) => format!("(not sent: {error})"),
    }
}
