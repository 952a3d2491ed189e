//! Deterministic seed data: users are computed from (seed, realm, index) on demand,
//! never stored as JSON, so 100 000 users cost almost no memory.

use serde_json::{Value, json};
use uuid::Uuid;

/// splitmix64: a small, well-mixed deterministic generator.
pub fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A hash of a seed, a label and a number.
pub fn hash(seed: u64, label: &str, n: u64) -> u64 {
    let mut h = mix(seed ^ 0xA5A5_5A5A_0F0F_F0F0);
    for b in label.bytes() {
        h = mix(h ^ u64::from(b));
    }
    mix(h ^ n)
}

/// A random-looking (version 4) uuid derived from the seed, a label and a number.
pub fn uuid_for(seed: u64, label: &str, n: u64) -> Uuid {
    let hi = hash(seed, label, n);
    let lo = hash(seed, label, n ^ 0xFFFF_0000_FFFF_0000);
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&hi.to_be_bytes());
    bytes[8..].copy_from_slice(&lo.to_be_bytes());
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

/// The tenant cookie name: 15 lowercase hex characters, as on cloud tenants.
pub fn cookie_name(seed: u64) -> String {
    format!("{:016x}", hash(seed, "cookie-name", 0))[..15].to_string()
}

const GIVEN_NAMES: &[&str] = &[
    "Emma",
    "Liam",
    "Olivia",
    "Noah",
    "Ava",
    "Elijah",
    "Sophia",
    "James",
    "Isabella",
    "Lucas",
    "Mia",
    "Mason",
    "Amelia",
    "Ethan",
    "Harper",
    "Logan",
    "Evelyn",
    "Oliver",
    "Abigail",
    "Aiden",
    "Emily",
    "Jacob",
    "Ella",
    "Michael",
    "Grace",
    "Daniel",
    "Chloe",
    "Henry",
    "Zoe",
    "Jackson",
    "Nora",
    "Samuel",
    "Lily",
    "Sebastian",
    "Hannah",
    "David",
    "Layla",
    "Carter",
    "Aria",
    "Wyatt",
    "Scarlett",
    "Owen",
    "Victoria",
    "Julian",
    "Madison",
    "Leo",
    "Luna",
    "Gabriel",
    "Penelope",
    "Anna",
    "Babs",
    "Kirk",
    "Priya",
    "Wei",
    "Fatima",
    "Mateo",
    "Yuki",
    "Ingrid",
    "Sven",
    "Amara",
];

// Surnames spread over most initials (the demos filter `sn sw "S"`).
const SURNAMES: &[&str] = &[
    "Adams",
    "Allen",
    "Anderson",
    "Baker",
    "Bailey",
    "Bell",
    "Brooks",
    "Brown",
    "Campbell",
    "Carter",
    "Clark",
    "Collins",
    "Cooper",
    "Davis",
    "Diaz",
    "Dixon",
    "Edwards",
    "Evans",
    "Ellis",
    "Fischer",
    "Fisher",
    "Flores",
    "Foster",
    "Garcia",
    "Gomez",
    "Gray",
    "Green",
    "Hall",
    "Harris",
    "Hughes",
    "Hill",
    "Ibrahim",
    "Ito",
    "Jackson",
    "Jensen",
    "Johnson",
    "Jones",
    "Kelly",
    "Khan",
    "King",
    "Kowalski",
    "Lee",
    "Lewis",
    "Lopez",
    "Martin",
    "Miller",
    "Moore",
    "Morgan",
    "Murphy",
    "Nelson",
    "Nguyen",
    "Novak",
    "Olsen",
    "Ortiz",
    "Owens",
    "Parker",
    "Patel",
    "Perez",
    "Phillips",
    "Quinn",
    "Ramirez",
    "Reed",
    "Reyes",
    "Roberts",
    "Rossi",
    "Sanchez",
    "Schmidt",
    "Scott",
    "Shaw",
    "Silva",
    "Smith",
    "Stewart",
    "Sullivan",
    "Suzuki",
    "Taylor",
    "Thomas",
    "Torres",
    "Turner",
    "Underwood",
    "Vance",
    "Vargas",
    "Volker",
    "Walker",
    "Ward",
    "White",
    "Williams",
    "Wilson",
    "Wright",
    "Xu",
    "Young",
    "Yamamoto",
    "Zhang",
    "Zimmerman",
];

#[derive(Debug)]
struct City {
    city: &'static str,
    country: &'static str,
    postal: &'static str,
    state: &'static str,
}

const CITIES: &[City] = &[
    City {
        city: "Austin",
        country: "US",
        postal: "78701",
        state: "TX",
    },
    City {
        city: "Boston",
        country: "US",
        postal: "02108",
        state: "MA",
    },
    City {
        city: "Chicago",
        country: "US",
        postal: "60601",
        state: "IL",
    },
    City {
        city: "Denver",
        country: "US",
        postal: "80202",
        state: "CO",
    },
    City {
        city: "Seattle",
        country: "US",
        postal: "98101",
        state: "WA",
    },
    City {
        city: "San Francisco",
        country: "US",
        postal: "94105",
        state: "CA",
    },
    City {
        city: "Toronto",
        country: "CA",
        postal: "M5H 2N2",
        state: "ON",
    },
    City {
        city: "Vancouver",
        country: "CA",
        postal: "V6B 1A1",
        state: "BC",
    },
    City {
        city: "London",
        country: "GB",
        postal: "EC1A 1BB",
        state: "England",
    },
    City {
        city: "Bristol",
        country: "GB",
        postal: "BS1 4DJ",
        state: "England",
    },
    City {
        city: "Paris",
        country: "FR",
        postal: "75001",
        state: "Ile-de-France",
    },
    City {
        city: "Lyon",
        country: "FR",
        postal: "69001",
        state: "Auvergne-Rhone-Alpes",
    },
    City {
        city: "Berlin",
        country: "DE",
        postal: "10115",
        state: "Berlin",
    },
    City {
        city: "Munich",
        country: "DE",
        postal: "80331",
        state: "Bavaria",
    },
    City {
        city: "Oslo",
        country: "NO",
        postal: "0150",
        state: "Oslo",
    },
    City {
        city: "Stockholm",
        country: "SE",
        postal: "111 20",
        state: "Stockholm",
    },
    City {
        city: "Madrid",
        country: "ES",
        postal: "28001",
        state: "Madrid",
    },
    City {
        city: "Sydney",
        country: "AU",
        postal: "2000",
        state: "NSW",
    },
    City {
        city: "Tokyo",
        country: "JP",
        postal: "100-0001",
        state: "Tokyo",
    },
    City {
        city: "Bangalore",
        country: "IN",
        postal: "560001",
        state: "Karnataka",
    },
];

/// The default fields of `<realm>_user`, in the order a tenant returns them.
pub const USER_DEFAULT_FIELDS: &[&str] = &[
    "_id",
    "_rev",
    "country",
    "frUnindexedString1",
    "mail",
    "memberOfOrgIDs",
    "frIndexedDate5",
    "frUnindexedString2",
    "frIndexedDate4",
    "frUnindexedString3",
    "frIndexedDate3",
    "frUnindexedString4",
    "postalCode",
    "frUnindexedString5",
    "profileImage",
    "frIndexedString5",
    "frIndexedString4",
    "frIndexedString3",
    "frIndexedString2",
    "frIndexedString1",
    "frIndexedMultivalued3",
    "frUnindexedInteger5",
    "consentedMappings",
    "frIndexedMultivalued4",
    "frUnindexedInteger4",
    "frIndexedMultivalued5",
    "frUnindexedInteger3",
    "frUnindexedInteger2",
    "effectiveGroups",
    "frIndexedMultivalued1",
    "frIndexedMultivalued2",
    "frUnindexedInteger1",
    "givenName",
    "stateProvince",
    "postalAddress",
    "telephoneNumber",
    "city",
    "displayName",
    "effectiveAssignments",
    "description",
    "effectiveApplications",
    "accountStatus",
    "frUnindexedDate3",
    "frUnindexedMultivalued1",
    "frUnindexedDate2",
    "frUnindexedDate5",
    "frUnindexedMultivalued3",
    "frUnindexedDate4",
    "frUnindexedMultivalued2",
    "aliasList",
    "frUnindexedMultivalued5",
    "frUnindexedMultivalued4",
    "kbaInfo",
    "frIndexedInteger4",
    "frIndexedInteger3",
    "frIndexedInteger2",
    "frIndexedInteger1",
    "sn",
    "frUnindexedDate1",
    "frIndexedInteger5",
    "preferences",
    "userName",
    "frIndexedDate2",
    "frIndexedDate1",
    "effectiveRoles",
];

/// Relationship and virtual fields that are not in the default set but answer `[]`
/// (or null) when asked for explicitly.
const USER_EXTRA_ARRAY_FIELDS: &[&str] = &[
    "authzRoles",
    "roles",
    "groups",
    "reports",
    "assignments",
    "applications",
    "memberOfOrg",
    "adminOfOrg",
    "ownerOfOrg",
    "devicePrintProfiles",
];
const USER_EXTRA_NULL_FIELDS: &[&str] = &["manager", "lastSync", "cn", "password"];

fn is_array_field(name: &str) -> bool {
    name.contains("Multivalued")
        || name.starts_with("effective")
        || matches!(
            name,
            "memberOfOrgIDs" | "consentedMappings" | "aliasList" | "kbaInfo"
        )
}

/// One generated user; cheap to build, answers any field.
#[derive(Debug, Clone)]
pub struct User {
    pub index: u32,
    pub id: Uuid,
    rev: u64,
    pub given: &'static str,
    pub sn: &'static str,
    pub user_name: String,
    active: bool,
    city: &'static City,
    phone: u32,
}

impl User {
    pub fn generate(seed: u64, realm: &str, index: u32) -> User {
        let i = u64::from(index);
        let h = hash(seed, realm, i);
        let given = GIVEN_NAMES[(h % GIVEN_NAMES.len() as u64) as usize];
        let sn = SURNAMES[((h >> 16) % SURNAMES.len() as u64) as usize];
        let city = &CITIES[((h >> 32) % CITIES.len() as u64) as usize];
        let active = !(h >> 40).is_multiple_of(10);
        let phone = ((h >> 44) % 10_000) as u32;
        let user_name = format!(
            "{}.{}{}",
            given.to_lowercase(),
            sn.to_lowercase(),
            index + 1
        );
        User {
            index,
            id: uuid_for(seed, realm, i),
            rev: h % 100_000,
            given,
            sn,
            user_name,
            active,
            city,
            phone,
        }
    }

    pub fn mail(&self) -> String {
        format!("{}@example.com", self.user_name)
    }

    pub fn display_name(&self) -> String {
        format!("{} {}", self.given, self.sn)
    }

    pub fn account_status(&self) -> &'static str {
        if self.active { "active" } else { "inactive" }
    }

    fn rev_string(&self) -> String {
        format!(
            "{}-{}",
            uuid_for(self.rev, "rev", u64::from(self.index)),
            self.rev
        )
    }

    /// The fields that carry data (all others are null or empty arrays).
    pub fn text_field(&self, name: &str) -> Option<String> {
        let text = match name {
            "_id" => self.id.to_string(),
            "_rev" => self.rev_string(),
            "userName" => self.user_name.clone(),
            "givenName" => self.given.to_string(),
            "sn" => self.sn.to_string(),
            "cn" | "displayName" => self.display_name(),
            "mail" => self.mail(),
            "accountStatus" => self.account_status().to_string(),
            "telephoneNumber" => format!("+1-555-01{:02}-{:04}", self.index % 100, self.phone),
            "city" => self.city.city.to_string(),
            "country" => self.city.country.to_string(),
            "postalCode" => self.city.postal.to_string(),
            "stateProvince" => self.city.state.to_string(),
            _ => return None,
        };
        Some(text)
    }

    /// A top-level field, `None` when the object has no such field.
    pub fn get(&self, name: &str) -> Option<Value> {
        if let Some(text) = self.text_field(name) {
            return Some(Value::String(text));
        }
        let value = match name {
            name if USER_EXTRA_ARRAY_FIELDS.contains(&name) => Value::Array(vec![]),
            name if USER_EXTRA_NULL_FIELDS.contains(&name) => Value::Null,
            name if USER_DEFAULT_FIELDS.contains(&name) => {
                if is_array_field(name) {
                    Value::Array(vec![])
                } else {
                    Value::Null
                }
            }
            _ => return None,
        };
        Some(value)
    }

    /// Writes the object with its default fields as JSON: the hot path of paging
    /// through 100 000 users, so it avoids building a `Value`.
    pub fn write_default_json(&self, out: &mut Vec<u8>) {
        out.push(b'{');
        for (n, name) in USER_DEFAULT_FIELDS.iter().enumerate() {
            if n > 0 {
                out.push(b',');
            }
            out.push(b'"');
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b"\":");
            match self.text_field(name) {
                // Writing to a Vec cannot fail.
                Some(text) => {
                    let _ = serde_json::to_writer(&mut *out, &text);
                }
                None if is_array_field(name) => out.extend_from_slice(b"[]"),
                None => out.extend_from_slice(b"null"),
            }
        }
        out.push(b'}');
    }

    /// The IGA view of this user.
    pub fn iga_json(&self) -> Value {
        json!({
            "id": self.id.to_string(),
            "userName": self.user_name,
            "givenName": self.given,
            "sn": self.sn,
            "mail": self.mail(),
            "accountStatus": self.account_status(),
            "displayName": self.display_name(),
            "city": self.city.city,
            "country": self.city.country,
        })
    }

    /// The AM identity shape (`/am/json/realms/.../users/<name>`).
    pub fn am_identity(&self, realm: &str) -> Value {
        json!({
            "username": self.user_name,
            "realm": format!("/{realm}"),
            "uid": [self.user_name],
            "universalid": [format!("id={},ou=user,o={realm},ou=services,ou=am-config", self.id)],
            "objectClass": ["iplanet-am-managed-person", "inetuser", "fr-idm-managed-user-explicit", "inetorgperson", "top"],
            "inetUserStatus": [if self.active { "Active" } else { "Inactive" }],
            "dn": [format!("fr-idm-uuid={},ou=user,o={realm},o=root,ou=identities", self.id)],
            "cn": [self.display_name()],
            "givenName": [self.given],
            "sn": [self.sn],
            "mail": [self.mail()],
            "createTimestamp": ["20260101120000Z"],
            "modifyTimestamp": ["20260101120000Z"],
        })
    }
}

/// How many users a realm has: alpha gets N, bravo a tenth of it.
pub fn realm_user_count(realm: &str, users: u32) -> Option<u32> {
    match realm {
        "alpha" => Some(users),
        "bravo" => Some(users / 10),
        _ => None,
    }
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
