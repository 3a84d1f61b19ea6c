//! Reading query strings: known parameters only, each once unless it may repeat.

use chrono::{DateTime, Utc};

use crate::domain::{Error, FieldError};

/// The query's `(name, value)` pairs; unknown and repeated parameters go to `errors`
/// instead (so that a misspelt filter never silently widens a list).
pub fn pairs(
    query: &str,
    known: &[&str],
    repeatable: &[&str],
    errors: &mut Errors,
) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    let errors = &mut errors.0;
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        let name = name.into_owned();
        if value.contains('\0') {
            errors.push(FieldError::new(&name, super::body::NUL_MESSAGE));
        } else if !known.contains(&name.as_str()) {
            errors.push(FieldError::new(&name, "is not a parameter of this list"));
        } else if !repeatable.contains(&name.as_str())
            && pairs.iter().any(|(seen, _)| *seen == name)
        {
            errors.push(FieldError::new(&name, "may be given only once"));
        } else {
            pairs.push((name, value.into_owned()));
        }
    }
    pairs
}

/// Collects the outcome of parsing one parameter, keeping every error.
#[derive(Default)]
pub struct Errors(pub Vec<FieldError>);

impl Errors {
    pub fn take<T, E: std::fmt::Display>(
        &mut self,
        field: &str,
        parsed: Result<T, E>,
    ) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(error) => {
                self.0.push(FieldError::new(field, error.to_string()));
                None
            }
        }
    }

    pub fn finish(self) -> Result<(), Error> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::Validation(self.0))
        }
    }
}

/// RFC 3339; a `+` of the offset that arrived unencoded (read as a space) is taken back.
pub fn parse_rfc3339(text: &str) -> Result<DateTime<Utc>, &'static str> {
    DateTime::parse_from_rfc3339(text)
        .or_else(|_| DateTime::parse_from_rfc3339(&text.replace(' ', "+")))
        .map(|time| time.with_timezone(&Utc))
        .map_err(|_| "must be an RFC 3339 time such as 2026-01-31T08:00:00+08:00")
}
