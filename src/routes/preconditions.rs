//! Optimistic concurrency: writes to a project carry `If-Match` with its `ETag`.

use actix_web::{HttpRequest, http::header};

use crate::error::AppError;

/// What the client's `If-Match` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IfMatch {
    Missing,
    /// `*`: any version, which does not prevent a lost update, so it is refused like none.
    Any,
    Tags(Vec<String>),
}

impl IfMatch {
    pub fn from_request(request: &HttpRequest) -> Self {
        let values: Vec<String> = request
            .headers()
            .get_all(header::IF_MATCH)
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(|tag| tag.trim().to_owned())
            .filter(|tag| !tag.is_empty())
            .collect();
        if values.is_empty() {
            Self::Missing
        } else if values.iter().any(|tag| tag == "*") {
            Self::Any
        } else {
            Self::Tags(values)
        }
    }

    /// The version the client read, if it is `current`: 428 without a tag, 412 when the
    /// tags name another version (weak tags never match).
    pub fn expect(&self, current: i64) -> Result<i64, AppError> {
        match self {
            Self::Missing | Self::Any => Err(AppError::PreconditionRequired),
            Self::Tags(tags) => {
                let strong = format!("\"{current}\"");
                if tags.contains(&strong) {
                    Ok(current)
                } else {
                    Err(AppError::PreconditionFailed)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn if_match(value: Option<&str>) -> IfMatch {
        let mut request = TestRequest::default();
        if let Some(value) = value {
            request = request.insert_header((header::IF_MATCH, value));
        }
        IfMatch::from_request(&request.to_http_request())
    }

    #[test]
    fn only_a_strong_tag_of_the_current_version_matches() {
        assert_eq!(if_match(Some("\"7\"")).expect(7).unwrap(), 7);
        assert_eq!(if_match(Some("\"6\", \"7\"")).expect(7).unwrap(), 7);
        assert!(matches!(
            if_match(Some("\"6\"")).expect(7),
            Err(AppError::PreconditionFailed)
        ));
        assert!(matches!(
            if_match(Some("W/\"7\"")).expect(7),
            Err(AppError::PreconditionFailed)
        ));
        assert!(matches!(
            if_match(Some("7")).expect(7),
            Err(AppError::PreconditionFailed)
        ));
        assert!(matches!(
            if_match(Some("*")).expect(7),
            Err(AppError::PreconditionRequired)
        ));
        assert!(matches!(
            if_match(None).expect(7),
            Err(AppError::PreconditionRequired)
        ));
    }
}
