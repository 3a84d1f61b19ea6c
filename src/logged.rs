//! How a value that may come from a client appears in a log line.

use std::fmt::{self, Write};

use crate::domain::validation::is_invisible;

/// A value as a log line shows it. Whatever came from a request is logged through this:
/// control, zero-width and bidirectional characters (and `\\`) are escaped, so a newline or
/// terminal escape in a username forges no log line, and it is cut to a bounded length,
/// so a 200 KB username is not a 200 KB line. The same in text and JSON logs.
pub struct Logged<'a> {
    text: &'a str,
    limit: usize,
}

impl<'a> Logged<'a> {
    /// A value a client sent: a path, a method, a username.
    pub fn request(text: &'a str) -> Self {
        Self { text, limit: 256 }
    }

    /// An error's message and causes, which may quote what a client sent.
    pub fn error(text: &'a str) -> Self {
        Self { text, limit: 4096 }
    }
}

impl fmt::Display for Logged<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (shown, c) in self.text.chars().enumerate() {
            if shown == self.limit {
                let rest = self.text.chars().count() - shown;
                return write!(f, "…(+{rest} characters)");
            }
            if c == '\\' {
                f.write_str("\\\\")?;
            } else if is_invisible(c) {
                write!(f, "{}", c.escape_unicode())?;
            } else {
                f.write_char(c)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newlines_and_terminal_escapes_are_escaped() {
        let shown =
            Logged::request("eve\n2026-12-01T00:00:00Z INFO admin login succeeded\u{1b}[31m\\n")
                .to_string();
        assert!(!shown.chars().any(char::is_control), "{shown}");
        assert_eq!(
            shown,
            "eve\\u{a}2026-12-01T00:00:00Z INFO admin login succeeded\\u{1b}[31m\\\\n"
        );
    }

    #[test]
    fn long_values_are_cut_and_say_how_much_is_left_out() {
        let shown = Logged::request(&"用".repeat(200_000)).to_string();
        assert!(shown.chars().count() < 300, "{}", shown.len());
        assert!(shown.ends_with("…(+199744 characters)"), "{shown}");
    }

    #[test]
    fn chinese_is_shown_as_it_is() {
        assert_eq!(Logged::request("县生态环境局").to_string(), "县生态环境局");
    }
}
