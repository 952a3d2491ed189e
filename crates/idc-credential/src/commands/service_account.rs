//! `service-account create|list|delete|export-key`: idc-core does the work with the
//! administrator's profile; this prints what it did. The private key is never printed.

use idc_core::{CreateServiceAccount, Idc};

use super::output::print;
use crate::cli::ServiceAccountCommand;
use crate::error::HelperError;

fn shown(text: &str) -> String {
    idc_core::sanitize::terminal_safe(text).into_owned()
}

pub fn run(command: ServiceAccountCommand) -> Result<(), HelperError> {
    let idc = Idc::from_env()?;
    match command {
        ServiceAccountCommand::Create(args) => {
            let created = idc.create_service_account(&CreateServiceAccount {
                name: args.name,
                scopes: idc_core::split_scopes(&args.scopes),
                admin_profile: args.profile,
                description: args.description,
                yes: args.yes,
            })?;
            print(&format!(
                "Created service account {} (id {}) at {}\nProfile: {} (its private key is in the credential store: {})\nScopes:  {}\n",
                shown(&created.name),
                shown(&created.id),
                idc_core::tenant_text(&created.tenant),
                created.profile,
                created.store.as_str(),
                shown(&created.scopes.join(" ")),
            ))
        }
        ServiceAccountCommand::List(args) => {
            let rows = idc.list_service_accounts(args.profile.as_deref())?;
            let mut lines = vec![[
                "ID".to_string(),
                "NAME".to_string(),
                "STATUS".to_string(),
                "SCOPES".to_string(),
                "PROFILE".to_string(),
                "KEY HERE".to_string(),
            ]];
            lines.extend(rows.into_iter().map(|row| {
                [
                    shown(&row.id),
                    shown(&row.name),
                    shown(row.status.as_deref().unwrap_or("-")),
                    shown(&row.scopes.join(" ")),
                    row.profile.unwrap_or_else(|| "-".to_string()),
                    if row.local_key { "yes" } else { "no" }.to_string(),
                ]
            }));
            print(&super::session::table(&lines))
        }
        ServiceAccountCommand::Delete(args) => {
            let deleted =
                idc.delete_service_account(&args.name, args.profile.as_deref(), args.yes)?;
            let id = deleted.id.as_deref().map(shown).unwrap_or_default();
            let mut text = if deleted.deleted_at_tenant {
                format!(
                    "Deleted service account {} (id {id}) at the tenant\n",
                    shown(&deleted.name)
                )
            } else {
                format!(
                    "The tenant has no service account {} any more; removed what was kept here\n",
                    shown(&deleted.name)
                )
            };
            if !deleted.removed_profiles.is_empty() {
                text.push_str(&format!(
                    "Removed profile: {}\n",
                    deleted.removed_profiles.join(", ")
                ));
            }
            if deleted.removed_key {
                text.push_str("Removed its private key from the credential store\n");
            }
            print(&text)
        }
        ServiceAccountCommand::ExportKey(args) => {
            let path = if args.path.is_absolute() {
                args.path
            } else {
                std::env::current_dir()
                    .map_err(|error| {
                        HelperError::Input(format!("cannot read the current directory: {error}"))
                    })?
                    .join(args.path)
            };
            let exported = idc.export_service_account_key(&args.name, &path, args.force)?;
            print(&format!(
                "{}\n{}\n",
                exported.path.display(),
                shown(&exported.id)
            ))
        }
    }
}
