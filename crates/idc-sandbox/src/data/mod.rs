//! Deterministic seed data: users are computed from (seed, realm, index) on demand,
//! never stored as JSON, so 100 000 users cost almost no memory.

use serde_json::{Value, json};

mod names;
mod seed;
mod users;

pub use seed::{hash, uuid_for};
pub use users::{USER_DEFAULT_FIELDS, User, realm_user_count};

/// The tenant cookie name: 15 lowercase hex characters, as on cloud tenants.
pub fn cookie_name(seed: u64) -> String {
    format!("{:016x}", hash(seed, "cookie-name", 0))[..15].to_string()
}

/// A small seeded `<realm>_role` collection.
pub fn roles(seed: u64, realm: &str) -> Vec<Value> {
    let names = [
        ("Employees", "All employees"),
        ("Contractors", "External contractors"),
        ("Helpdesk", "Can reset passwords"),
        ("Finance", "Finance department"),
        ("Engineering", "Engineering department"),
        ("Sales", "Sales department"),
        ("Auditors", "Read-only audit access"),
        ("Managers", "People managers"),
    ];
    names
        .iter()
        .enumerate()
        .map(|(i, (name, description))| {
            json!({
                "_id": uuid_for(seed, &format!("{realm}_role"), i as u64).to_string(),
                "_rev": format!("{}-{}", uuid_for(seed, "role-rev", i as u64), 100 + i),
                "name": name,
                "description": description,
                "condition": null,
                "temporalConstraints": [],
            })
        })
        .collect()
}

/// The ESV variables a fresh sandbox holds.
pub fn variables() -> Vec<Value> {
    let raw: &[(&str, &str, &str, &str)] = &[
        (
            "esv-api-base-url",
            "Base URL of the orders API",
            "string",
            "https://api.example.com/v2",
        ),
        (
            "esv-feature-new-ui",
            "Enables the new end-user UI",
            "bool",
            "true",
        ),
        ("esv-max-login-attempts", "Lockout threshold", "int", "5"),
        (
            "esv-session-warning-minutes",
            "Minutes before idle timeout to warn",
            "number",
            "2.5",
        ),
        (
            "esv-allowed-origins",
            "CORS origins",
            "array",
            r#"["https://app.example.com","https://admin.example.com"]"#,
        ),
        (
            "esv-ip-allow-list",
            "IPv4 CIDR access rules: { \"allow\": [ \"address/mask\" ] }",
            "object",
            r#"{ "allow": [ "10.0.0.0/8", "192.168.0.0/16" ] }"#,
        ),
        (
            "esv-support-email",
            "Support contact",
            "string",
            "support@example.com",
        ),
        (
            "esv-default-locale",
            "Default locale for emails",
            "string",
            "en-US",
        ),
        (
            "esv-mfa-required-groups",
            "Groups that must use MFA",
            "list",
            "admins,finance",
        ),
        (
            "esv-tenant-display-name",
            "Name shown on the login page",
            "string",
            "Example Corp",
        ),
    ];
    raw.iter()
        .enumerate()
        .map(|(i, (id, description, kind, value))| {
            use base64::Engine as _;
            json!({
                "_id": id,
                "description": description,
                "expressionType": kind,
                "lastChangeDate": format!("2026-07-0{}T13:42:{:02}.36266Z", 1 + i % 9, 10 + i),
                "lastChangedBy": "idc-sandbox-admin",
                "loaded": true,
                "valueBase64": base64::engine::general_purpose::STANDARD.encode(value),
            })
        })
        .collect()
}

/// The ESV secrets a fresh sandbox holds (values are never exposed).
pub fn secrets() -> Vec<Value> {
    let raw: &[(&str, &str, &str, u32, bool)] = &[
        (
            "esv-smtp-password",
            "SMTP relay password",
            "generic",
            1,
            true,
        ),
        (
            "esv-hr-connector-key",
            "HR connector API key",
            "generic",
            3,
            true,
        ),
        ("esv-saml-signing-key", "SAML signing key", "pem", 2, false),
        (
            "esv-webhook-hmac",
            "Webhook HMAC secret",
            "base64hmac",
            1,
            false,
        ),
        (
            "esv-ldap-bind-password",
            "LDAP bind password",
            "generic",
            4,
            true,
        ),
    ];
    raw.iter()
        .enumerate()
        .map(|(i, (id, description, encoding, version, placeholders))| {
            json!({
                "_id": id,
                "activeVersion": version.to_string(),
                "description": description,
                "encoding": encoding,
                "lastChangeDate": format!("2026-07-08T17:5{}:06.765897Z", i),
                "lastChangedBy": "idc-sandbox-admin",
                "loaded": true,
                "loadedVersion": version.to_string(),
                "useInPlaceholders": placeholders,
            })
        })
        .collect()
}

/// Seeded IGA applications, shaped like the governance API's application objects.
pub fn iga_applications(seed: u64, count: u32, owners: &[User]) -> Vec<Value> {
    let templates = [
        ("salesforce", "Salesforce", "salesforce.cloud"),
        ("workday", "Workday", "workday.hr"),
        ("google", "Google Workspace", "google.workspace"),
        ("azure", "Microsoft Entra ID", "azure.ad"),
        ("servicenow", "ServiceNow", "servicenow.itsm"),
        ("slack", "Slack", "slack.cloud"),
        ("github", "GitHub", "github.enterprise"),
        ("ldap", "Corporate LDAP", "ldap.directory"),
        ("sap", "SAP S/4HANA", "sap.erp"),
        ("zoom", "Zoom", "zoom.cloud"),
    ];
    (0..count)
        .map(|i| {
            let (key, label, template) = templates[i as usize % templates.len()];
            let round = i as usize / templates.len();
            let name = if round == 0 { label.to_string() } else { format!("{label} {}", round + 1) };
            let owner = owners.get(i as usize % owners.len().max(1));
            let owners_json: Vec<Value> = owner
                .map(|u| {
                    vec![json!({
                        "id": format!("managed/user/{}", u.id),
                        "userName": u.user_name,
                        "givenName": u.given,
                        "sn": u.sn,
                        "mail": u.mail(),
                    })]
                })
                .unwrap_or_default();
            json!({
                "id": uuid_for(seed, "iga-application", u64::from(i)).to_string(),
                "name": name,
                "description": format!("{label} ({})", if i % 3 == 0 { "production" } else { "staging" }),
                "templateName": template,
                "templateVersion": "2.0",
                "authoritative": key == "workday",
                "connectorId": format!("{key}{}", i + 1),
                "icon": format!("https://cdn.forgerock.com/platform/app-templates/images/{key}.svg"),
                "mappingNames": [format!("system{key}{}__account___managedAlpha_user", i + 1), format!("managedAlpha_user_system{key}{}__account__", i + 1)],
                "owners": owners_json,
                "objectTypes": [{"name": "__ACCOUNT__", "accountAttribute": "__NAME__"}, {"name": "__GROUP__"}],
                "metadata": {
                    "createdDate": format!("2026-05-{:02}T19:59:37.787759168Z", 1 + i % 28),
                    "modifiedDate": format!("2026-06-{:02}T08:12:01.112233445Z", 1 + i % 28),
                },
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_are_deterministic_per_seed() {
        let a = User::generate(1, "alpha", 7);
        let b = User::generate(1, "alpha", 7);
        let c = User::generate(2, "alpha", 7);
        assert_eq!(a.id, b.id);
        assert_eq!(a.user_name, b.user_name);
        assert_ne!(a.id, c.id);
        assert_ne!(User::generate(1, "bravo", 7).id, a.id);
    }

    #[test]
    fn surnames_spread_over_initials() {
        let initials: std::collections::HashSet<char> = (0..2000)
            .map(|i| User::generate(1, "alpha", i).sn.chars().next().unwrap())
            .collect();
        assert!(initials.len() >= 20, "{initials:?}");
        let s_count = (0..2000)
            .filter(|i| User::generate(1, "alpha", *i).sn.starts_with('S'))
            .count();
        assert!(s_count > 100, "{s_count}");
    }

    #[test]
    fn cookie_name_is_15_hex() {
        let name = cookie_name(1);
        assert_eq!(name.len(), 15);
        assert!(
            name.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_eq!(name, cookie_name(1));
        assert_ne!(name, cookie_name(2));
    }

    #[test]
    fn default_fields_cover_the_user() {
        let u = User::generate(1, "alpha", 0);
        for field in USER_DEFAULT_FIELDS {
            assert!(u.get(field).is_some(), "{field}");
        }
        assert_eq!(u.get("memberOfOrgIDs"), Some(Value::Array(vec![])));
        assert_eq!(u.get("frIndexedString1"), Some(Value::Null));
        assert_eq!(u.get("nonsense"), None);
    }
}
