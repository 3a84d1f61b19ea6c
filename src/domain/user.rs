use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::organization::OrganizationKind;

/// What a user may do (see DESIGN.md, Roles).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 规划办公室: everything.
    PlanOffice,
    /// 主管部门: projects it leads.
    Department,
    /// 平台集团公司: projects it implements.
    PlatformCompany,
    /// 财政局: reads everything, reviews reports.
    Finance,
    /// Reads everything but the audit log and users.
    Viewer,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Self::PlanOffice,
        Self::Department,
        Self::PlatformCompany,
        Self::Finance,
        Self::Viewer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::PlanOffice => "plan_office",
            Self::Department => "department",
            Self::PlatformCompany => "platform_company",
            Self::Finance => "finance",
            Self::Viewer => "viewer",
        }
    }

    /// Whether a user of this role may belong to an organization of `kind`: each role
    /// belongs to its own kind of organization; a viewer to any.
    pub fn fits(self, kind: OrganizationKind) -> bool {
        match self {
            Self::PlanOffice => kind == OrganizationKind::PlanOffice,
            Self::Department => kind == OrganizationKind::Department,
            Self::PlatformCompany => kind == OrganizationKind::PlatformCompany,
            Self::Finance => kind == OrganizationKind::Finance,
            Self::Viewer => true,
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error(
    "unknown role {0:?}: expected plan_office, department, platform_company, finance or viewer"
)]
pub struct UnknownRole(String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|role| role.as_str() == text)
            .ok_or_else(|| UnknownRole(text.to_owned()))
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A login name: 3–64 characters, lower-case ASCII letters, digits, `.`, `_`, `-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Username(String);

impl Username {
    pub fn parse(text: &str) -> Result<Self, &'static str> {
        let ok = (3..=64).contains(&text.len())
            && text.bytes().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
            });
        if ok {
            Ok(Self(text.to_owned()))
        } else {
            Err("must be 3 to 64 characters: lower-case letters, digits, '.', '_' or '-'")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password that meets the policy: 12 to 256 characters and not one of the most common
/// passwords. The text is never logged or serialized.
pub struct NewPassword(String);

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

/// The most common passwords of 12 characters or more (from public breach corpora), lower-case.
const COMMON_PASSWORDS: &[&str] = &[
    "123456789012",
    "1234567890123",
    "12345678901234",
    "123456789012345",
    "1234567890qwerty",
    "1q2w3e4r5t6y",
    "1qaz2wsx3edc",
    "1qaz2wsx3edc4rfv",
    "qwertyuiop123",
    "qwertyuiopasdf",
    "qwerty123456",
    "qwerty1234567",
    "password1234",
    "password12345",
    "password123456",
    "passwordpassword",
    "passw0rd1234",
    "p@ssw0rd1234",
    "p@ssword1234",
    "administrator",
    "admin1234567",
    "adminadmin123",
    "welcome12345",
    "iloveyou1234",
    "abc123456789",
    "abcdefghijkl",
    "aaaaaaaaaaaa",
    "111111111111",
    "000000000000",
    "123123123123",
    "zaq12wsxcde3",
    "letmein12345",
    "changeme1234",
    "football1234",
    "baseball1234",
    "sunshine1234",
    "princess1234",
    "dragon123456",
    "monkey123456",
    "master123456",
    "woaini1314520",
    "woaini521521",
    "5201314520131",
    "asdfghjkl123",
    "asdfasdfasdf",
    "qazwsxedcrfv",
    "1234qwerasdf",
    "trustno11234",
];

impl NewPassword {
    pub const MIN_CHARS: usize = 12;
    pub const MAX_CHARS: usize = 256;

    pub fn parse(text: &str) -> Result<Self, &'static str> {
        let chars = text.chars().count();
        if chars < Self::MIN_CHARS {
            return Err("must be at least 12 characters");
        }
        if chars > Self::MAX_CHARS {
            return Err("must be at most 256 characters");
        }
        let lower = text.to_lowercase();
        let repeated = lower.chars().all(|c| lower.starts_with(c));
        if repeated || COMMON_PASSWORDS.contains(&lower.as_str()) {
            return Err("is one of the most common passwords; choose another");
        }
        Ok(Self(text.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_fits_its_own_kind_of_organization() {
        assert!(Role::Department.fits(OrganizationKind::Department));
        assert!(!Role::Department.fits(OrganizationKind::PlatformCompany));
        assert!(!Role::Finance.fits(OrganizationKind::PlanOffice));
        assert!(
            OrganizationKind::ALL
                .iter()
                .all(|kind| Role::Viewer.fits(*kind))
        );
    }

    #[test]
    fn usernames_are_lower_case_tokens() {
        assert!(Username::parse("eco.dept-01").is_ok());
        for bad in ["ab", "Admin", "a b c", "管理员", &"a".repeat(65)] {
            assert!(Username::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn passwords_need_12_characters_allow_64_and_refuse_common_ones() {
        assert!(NewPassword::parse("short-pass1").is_err());
        assert!(NewPassword::parse("correct horse battery").is_ok());
        assert!(
            NewPassword::parse(&"x7".repeat(32)).is_ok(),
            "64 characters are allowed"
        );
        assert!(NewPassword::parse(&"x".repeat(257)).is_err());
        for common in ["Password1234", "qwerty123456", "aaaaaaaaaaaaaaa"] {
            assert!(NewPassword::parse(common).is_err(), "{common}");
        }
        assert!(
            !format!("{:?}", NewPassword::parse("correct horse battery").unwrap())
                .contains("horse")
        );
    }
}

/// A user as the administration API shows it (never the password hash).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct User {
    #[schema(value_type = String, format = Uuid)]
    pub id: super::UserId,
    #[schema(example = "eco-dept")]
    pub username: String,
    #[schema(example = "生态环境部门项目管理员")]
    pub display_name: String,
    pub role: Role,
    #[schema(value_type = String, format = Uuid)]
    pub organization_id: super::OrganizationId,
    /// A deactivated user cannot log in, and its tokens stop working at once.
    pub active: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}
