//! Optimistic concurrency: a write names the version of the object it read.

use super::Error;

/// The versions a writer says it read (HTTP: `If-Match` with the project's `ETag`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IfMatch {
    Missing,
    /// `*`: any version, which does not prevent a lost update, so it is refused like none.
    Any,
    /// Entity tags as sent, e.g. `"7"`; only strong tags can match.
    Tags(Vec<String>),
}

impl IfMatch {
    /// The precondition of a writer that read `version` (a form, an import row).
    pub fn version(version: i64) -> Self {
        Self::Tags(vec![format!("\"{version}\"")])
    }

    /// The version the writer read, if it is `current`: [`Error::VersionRequired`] without a
    /// tag, [`Error::Stale`] when the tags name another version (weak tags never match).
    pub fn expect(&self, current: i64) -> Result<i64, Error> {
        match self {
            Self::Missing | Self::Any => Err(Error::VersionRequired),
            Self::Tags(tags) => {
                let strong = format!("\"{current}\"");
                if tags.contains(&strong) {
                    Ok(current)
                } else {
                    Err(Error::Stale)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(tags: &[&str]) -> IfMatch {
        IfMatch::Tags(tags.iter().map(|tag| tag.to_string()).collect())
    }

    #[test]
    fn only_a_strong_tag_of_the_current_version_matches() {
        assert_eq!(tags(&["\"7\""]).expect(7).unwrap(), 7);
        assert_eq!(tags(&["\"6\"", "\"7\""]).expect(7).unwrap(), 7);
        assert_eq!(IfMatch::version(7).expect(7).unwrap(), 7);
        for stale in [tags(&["\"6\""]), tags(&["W/\"7\""]), tags(&["7"])] {
            assert!(matches!(stale.expect(7), Err(Error::Stale)), "{stale:?}");
        }
        for missing in [IfMatch::Any, IfMatch::Missing] {
            assert!(matches!(missing.expect(7), Err(Error::VersionRequired)));
        }
    }
}
