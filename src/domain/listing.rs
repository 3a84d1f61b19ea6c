//! The project list: filters, sort order, page size and the opaque keyset cursor.

use std::str::FromStr;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{OrganizationId, ProjectId, ProjectStatus};

/// Which projects to list. Codes are resolved and checked by the caller.
#[derive(Debug, Clone, Default)]
pub struct ProjectFilter {
    pub plan: Option<String>,
    pub category: Option<String>,
    pub statuses: Vec<ProjectStatus>,
    pub lead_department: Option<OrganizationFilter>,
    pub implementing_org: Option<OrganizationFilter>,
    pub text: Option<SearchText>,
    pub updated_since: Option<DateTime<Utc>>,
    /// Projects under way in this year: started in or before it and not finished before it
    /// (an unknown end year is open); a project without a start year is in no year.
    pub year: Option<i32>,
    /// Reserve projects whose reserve expires within this many days (already expired ones
    /// included, until the sweep withdraws them).
    pub expiring_within_days: Option<u32>,
}

/// The longest look ahead for expiring reserve projects, in days (ten years).
pub const MAX_EXPIRING_WITHIN_DAYS: u32 = 3650;

/// `expiring_within_days`: a whole number of days from 0 to 3650.
pub fn parse_expiring_within_days(text: &str) -> Result<u32, &'static str> {
    text.parse::<u32>()
        .ok()
        .filter(|days| *days <= MAX_EXPIRING_WITHIN_DAYS)
        .ok_or("must be a whole number of days from 0 to 3650")
}

/// An organization filter: a given organization, or `none` for projects without one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrganizationFilter {
    Unassigned,
    Is(OrganizationId),
}

impl FromStr for OrganizationFilter {
    type Err = &'static str;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text == "none" {
            return Ok(Self::Unassigned);
        }
        text.parse()
            .map(Self::Is)
            .map_err(|_| "must be an organization id (uuid) or `none`")
    }
}

/// A literal substring to look for in the name, code or location: no wildcards, at most
/// 200 characters, compared case-insensitively for Latin letters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchText(String);

impl SearchText {
    pub const MAX_CHARS: usize = 200;

    pub fn parse(text: &str) -> Result<Self, &'static str> {
        if text.is_empty() {
            return Err("must not be empty");
        }
        if text.chars().count() > Self::MAX_CHARS {
            return Err("must be at most 200 characters");
        }
        Ok(Self(text.to_owned()))
    }

    /// A `LIKE` pattern (escape character `\`) matching the text anywhere in a value that
    /// was lower-cased like this one (ASCII only, as SQLite's `lower` does).
    pub fn like_pattern(&self) -> String {
        let mut pattern = String::with_capacity(self.0.len() + 2);
        pattern.push('%');
        for c in self.0.chars() {
            if matches!(c, '%' | '_' | '\\') {
                pattern.push('\\');
            }
            pattern.push(c.to_ascii_lowercase());
        }
        pattern.push('%');
        pattern
    }
}

/// What the list is ordered by; ties are broken by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortKey {
    Code,
    Name,
    UpdatedAt,
    /// Projects without a planned total sort before every amount.
    TotalInvestment,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProjectSort {
    pub key: SortKey,
    pub descending: bool,
}

impl Default for ProjectSort {
    fn default() -> Self {
        Self {
            key: SortKey::Code,
            descending: false,
        }
    }
}

impl FromStr for ProjectSort {
    type Err = &'static str;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (descending, name) = match text.strip_prefix('-') {
            Some(name) => (true, name),
            None => (false, text),
        };
        let key = match name {
            "code" => SortKey::Code,
            "name" => SortKey::Name,
            "updated_at" => SortKey::UpdatedAt,
            "total_investment" => SortKey::TotalInvestment,
            _ => {
                return Err(
                    "must be one of code, name, updated_at, total_investment, each with an optional leading -",
                );
            }
        };
        Ok(Self { key, descending })
    }
}

/// Page size: 1–200, 50 unless asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageLimit(u32);

impl PageLimit {
    pub const MAX: u32 = 200;
    /// The largest page, for reading a whole list page by page (an export).
    pub const LARGEST: PageLimit = PageLimit(Self::MAX);

    pub fn get(self) -> u32 {
        self.0
    }
}

impl Default for PageLimit {
    fn default() -> Self {
        Self(50)
    }
}

impl FromStr for PageLimit {
    type Err = &'static str;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.parse::<u32>() {
            Ok(limit) if (1..=Self::MAX).contains(&limit) => Ok(Self(limit)),
            _ => Err("must be a whole number from 1 to 200"),
        }
    }
}

/// The sort value of the last project on a page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortValue {
    Text(String),
    Time(DateTime<Utc>),
    /// The planned total in fen, -1 when unset.
    Fen(i64),
}

/// Where the next page starts: after the project with this sort value and id, in this
/// order. Opaque to clients (URL-safe base64 of JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    pub key: SortKey,
    pub descending: bool,
    pub value: SortValue,
    pub id: ProjectId,
}

/// An opaque cursor: URL-safe base64 of the position's JSON.
pub fn encode_cursor(position: &impl Serialize) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(position).expect("a cursor serializes"))
}

/// The position in a cursor from [`encode_cursor`]; `None` for anything else.
pub fn decode_cursor<T: serde::de::DeserializeOwned>(text: &str) -> Option<T> {
    let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Whether a time lies in the years both backends store (1 to 9999).
pub fn storable(time: &chrono::DateTime<chrono::Utc>) -> bool {
    (1..=9999).contains(&chrono::Datelike::year(time))
}

impl Cursor {
    pub fn encode(&self) -> String {
        encode_cursor(self)
    }

    /// Decodes a cursor handed out for the same sort order.
    pub fn decode(text: &str, sort: ProjectSort) -> Result<Self, &'static str> {
        let cursor: Cursor =
            decode_cursor(text).ok_or("is not a cursor this service handed out")?;
        let value_fits_key = match (cursor.key, &cursor.value) {
            // U+0000 is in no stored text (and PostgreSQL cannot compare with it).
            (SortKey::Code | SortKey::Name, SortValue::Text(text)) => !text.contains('\0'),
            // A time no stored row can have (PostgreSQL's range ends long before chrono's)
            // is no cursor this service handed out.
            (SortKey::UpdatedAt, SortValue::Time(time)) => storable(time),
            (SortKey::TotalInvestment, SortValue::Fen(_)) => true,
            _ => false,
        };
        if !value_fits_key {
            return Err("is not a cursor this service handed out");
        }
        if cursor.key != sort.key || cursor.descending != sort.descending {
            return Err("belongs to another sort order: keep the sort of the page it came from");
        }
        Ok(cursor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_accepts_the_four_keys_with_an_optional_minus() {
        let sort: ProjectSort = "-total_investment".parse().unwrap();
        assert_eq!(sort.key, SortKey::TotalInvestment);
        assert!(sort.descending);
        assert_eq!(
            "code".parse::<ProjectSort>().unwrap(),
            ProjectSort::default()
        );
        for text in ["", "-", "+code", "id", "Code", "--name"] {
            assert!(text.parse::<ProjectSort>().is_err(), "{text:?}");
        }
    }

    #[test]
    fn limit_must_be_between_1_and_200() {
        assert_eq!("200".parse::<PageLimit>().unwrap().get(), 200);
        for text in ["0", "201", "-1", "ten", "1.5", ""] {
            assert!(text.parse::<PageLimit>().is_err(), "{text:?}");
        }
    }

    #[test]
    fn cursor_round_trips_and_is_bound_to_its_sort() {
        let sort: ProjectSort = "-name".parse().unwrap();
        let cursor = Cursor {
            key: sort.key,
            descending: sort.descending,
            value: SortValue::Text("洞鹿风电项目".into()),
            id: ProjectId::new_random(),
        };
        assert_eq!(Cursor::decode(&cursor.encode(), sort), Ok(cursor.clone()));
        assert!(Cursor::decode(&cursor.encode(), ProjectSort::default()).is_err());
        assert!(Cursor::decode("not-a-cursor", sort).is_err());
    }

    #[test]
    fn search_text_is_literal_in_the_like_pattern() {
        let text = SearchText::parse("50%_Wind\\").unwrap();
        assert_eq!(text.like_pattern(), "%50\\%\\_wind\\\\%");
        assert!(SearchText::parse("").is_err());
        assert!(SearchText::parse(&"光".repeat(201)).is_err());
    }
}
