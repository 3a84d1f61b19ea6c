//! Typed ids, so that an organization id can never be passed where a project id is expected.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! typed_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            pub fn new_random() -> Self {
                Self(Uuid::new_v4())
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(text).map(Self)
            }
        }

        /// The canonical hyphenated lower-case form, which is also how the id is stored.
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }
    };
}

typed_id!(
    /// A plan's id.
    PlanId
);
typed_id!(
    /// A project category's id.
    CategoryId
);
typed_id!(
    /// An organization's id (department, platform company, finance bureau, plan office).
    OrganizationId
);
typed_id!(
    /// A project's id.
    ProjectId
);
typed_id!(
    /// An adjustment request's id.
    AdjustmentId
);

typed_id!(
    /// A user's id.
    UserId
);
typed_id!(
    /// An API key's id (not the key).
    ApiKeyId
);
typed_id!(
    /// A progress report's id.
    ReportId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_as_canonical_lowercase_uuid_and_parses_back() {
        let id: ProjectId = "6F9619FF-8B86-D011-B42D-00C04FC964FF".parse().unwrap();
        assert_eq!(id.to_string(), "6f9619ff-8b86-d011-b42d-00c04fc964ff");
        assert_eq!(id.to_string().parse::<ProjectId>().unwrap(), id);
    }

    #[test]
    fn rejects_text_that_is_not_a_uuid() {
        assert!("YY-LC-001".parse::<ProjectId>().is_err());
    }
}
