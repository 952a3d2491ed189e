//! Users computed from (seed, realm, index) on demand, with every field a tenant's
//! `<realm>_user` answers.

use super::names::{CITIES, City, GIVEN_NAMES, SURNAMES};
use super::seed::{hash, uuid_for};
use serde_json::{Value, json};
use uuid::Uuid;

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
