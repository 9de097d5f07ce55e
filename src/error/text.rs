//! Text from the service or a token endpoint, made safe to print: it cannot start a line of
//! its own (forging `MS-RequestId: ...` lines in a log) or drive a terminal.

use std::borrow::Cow;
use std::fmt::Write;

/// `text` with every control character and Unicode direction override escaped (as `\u{1b}`),
/// so that text from the service, printed, cannot start a line of its own or drive a terminal.
/// The crate's `Display` of errors does this for everything the service said; use it for what
/// you print of answers yourself.
///
/// ```
/// use partner_center_carts::error::printable;
///
/// assert_eq!(printable("ok\n  MS-RequestId: 0"), "ok\\u{a}  MS-RequestId: 0");
/// ```
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_line_breaks_escape_sequences_and_direction_overrides() {
        assert_eq!(printable("plain text, é"), "plain text, é");
        assert!(matches!(printable("plain"), Cow::Borrowed(_)));
        assert_eq!(
            printable("bad\n  MS-RequestId: 0\u{1b}[2J\u{202e}"),
            "bad\\u{a}  MS-RequestId: 0\\u{1b}[2J\\u{202e}"
        );
    }
}
