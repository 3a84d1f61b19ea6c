use serde::Serialize;
use utoipa::ToSchema;

/// One invalid input: which field (a JSON field or query parameter name) and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Why a name is refused when it holds characters a reader cannot see: bidirectional
/// overrides and isolates (which can show `abc` for `cba`), zero-width characters and
/// other control characters (which make two names look alike).
pub const INVISIBLE_MESSAGE: &str =
    "must not contain control, zero-width or bidirectional formatting characters";

/// The contract's pattern for a name: at least one visible character, and none that
/// [`has_invisible_characters`] refuses (ECMA-262 syntax, as JSON Schema uses).
pub const NAME_PATTERN: &str = r"^[^\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]*[^\s\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF][^\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]*$";

/// Whether `text` holds a character [`INVISIBLE_MESSAGE`] names.
pub fn has_invisible_characters(text: &str) -> bool {
    text.chars().any(is_invisible)
}

/// A control, zero-width or bidirectional-override character: one that is not seen, or
/// changes how the text around it is seen.
pub fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2069}'
                | '\u{061C}'
                | '\u{FEFF}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_zero_width_and_controls_are_invisible_and_chinese_is_not() {
        for text in [
            "a\u{202E}cba",
            "云\u{200B}阳",
            "x\u{2066}y",
            "tab\there",
            "\u{FEFF}bom",
        ] {
            assert!(has_invisible_characters(text), "{text:?}");
        }
        assert!(!has_invisible_characters("洞鹿风电项目（200MW）·一期"));
    }
}
