//! Escaping: the one place where text becomes markup.
//!
//! Every string that reaches an output file from content, facts,
//! configuration or interface strings goes through one of these functions
//! for the language it lands in: HTML text and attributes, XML 1.0 (feeds,
//! sitemap), JSON (and JSON inside a `<script>` element), CSS string
//! literals. They are total (any input gives well-formed output) and
//! tested here once. The typst source of the PDF has its own escaping in
//! `pdf::markup`, since typst markup is a language of its own.
//!
//! Nothing here decides whether a URL is allowed: that is
//! [`crate::source::link_policy`]; an escaped `javascript:` URL is still a URL.

use std::fmt::Write;

/// HTML text, or an attribute value in double or single quotes: one set of
/// escapes serves both, so a value can never end its attribute or start a
/// tag.
pub fn html_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    // writing to a String cannot fail
    let _ = write_html_attr(&mut out, s);
    out
}

/// [`html_attr`] written to `out` as it goes: the runs between the
/// characters it escapes are copied whole.
pub fn write_html_attr(out: &mut impl Write, s: &str) -> std::fmt::Result {
    let mut rest = s;
    // by bytes: the five are ASCII, which no other character's UTF-8 holds
    while let Some(at) = rest
        .bytes()
        .position(|b| matches!(b, b'&' | b'"' | b'\'' | b'<' | b'>'))
    {
        out.write_str(&rest[..at])?;
        out.write_str(match rest.as_bytes()[at] {
            b'&' => "&amp;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            b'<' => "&lt;",
            _ => "&gt;",
        })?;
        rest = &rest[at + 1..];
    }
    out.write_str(rest)
}

/// Whether XML 1.0 allows the character at all (its `Char` production).
/// Text pasted from word processors and PDFs brings U+000B and U+000C,
/// which it does not: a feed reader rejects a whole feed for one of them.
pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Whether a page may hold the character: XML 1.0 allows it
/// ([`is_xml_char`]) and HTML does not count it an error, as it does the
/// controls DEL to U+009F and the noncharacters (U+FDD0 to U+FDEF, and the
/// last two code points of every plane), which XML only discourages.
pub fn is_text_char(c: char) -> bool {
    is_xml_char(c) && !matches!(c, '\u{7F}'..='\u{9F}' | '\u{FDD0}'..='\u{FDEF}') && (u32::from(c) & 0xFFFE) != 0xFFFE
}

/// Whether every character of `text` is a [`is_text_char`], looking at its
/// bytes first: the characters it refuses are control bytes, or begin with
/// the bytes C2 (U+0080 to U+00BF), EF (U+F000 to U+FFFF) or F0 and above
/// (the other planes), which most texts of these languages never hold.
pub fn is_text(text: &str) -> bool {
    // without a branch per byte, so that it compiles to vector code
    let control = |b: u8| ((b < 0x20) & (b != b'\t') & (b != b'\n') & (b != b'\r')) | (b == 0x7F);
    let lead = |b: u8| (b == 0xC2) | (b == 0xEF) | (b >= 0xF0);
    let (controls, leads) = text
        .as_bytes()
        .chunks(64)
        .fold((false, false), |(controls, leads), chunk| {
            chunk
                .iter()
                .fold((controls, leads), |(c, l), &b| (c | control(b), l | lead(b)))
        });
    !controls && (!leads || text.chars().all(is_text_char))
}

/// What refuses `c`, when [`is_text_char`] does: "XML", or "HTML" for the
/// characters XML allows.
pub fn refused_by(c: char) -> &'static str {
    if is_xml_char(c) { "HTML" } else { "XML" }
}

/// Text or an attribute value in XML 1.0. Characters XML forbids are
/// dropped ([`crate::source::load`] warns about them where they are written).
pub fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c if !is_xml_char(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// A JSON string literal (RFC 8259): quote, backslash and control characters escaped.
pub fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    push_json_string(&mut out, s, false);
    out
}

/// A JSON string literal that may stand inside an HTML `<script>` element:
/// `<`, `>` and `&` are written as `\u` escapes, so no `</script>` or
/// `<!--` can appear, and U+2028/U+2029 too, for older JavaScript parsers.
pub fn json_string_in_script(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    push_json_string(&mut out, s, true);
    out
}

fn push_json_string(out: &mut String, s: &str, in_script: bool) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if c < ' ' => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c if in_script && ends_script(c) => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// What a JSON string inside `<script>` writes as a `\u` escape: what could
/// end the element or open a comment, and the line separators older
/// JavaScript parsers take for line ends.
fn ends_script(c: char) -> bool {
    matches!(c, '<' | '>' | '&' | '\u{2028}' | '\u{2029}')
}

/// `value` as compact JSON that may stand inside an HTML `<script>`
/// element: every string written as [`json_string_in_script`] writes it.
pub fn json_in_script(value: &impl serde::Serialize) -> String {
    let mut bytes = Vec::with_capacity(2048);
    // writing into memory has no error to report, and no map here has keys
    // other than strings
    let _ = value.serialize(&mut serde_json::Serializer::with_formatter(&mut bytes, InScript));
    // JSON text and the escapes put into it are UTF-8
    String::from_utf8(bytes).unwrap_or_default()
}

/// serde_json's compact output, with what [`ends_script`] names escaped in
/// strings as they are written.
struct InScript;

impl serde_json::ser::Formatter for InScript {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let bytes = fragment.as_bytes();
        let mut from = 0;
        // by bytes: `<`, `>`, `&` are ASCII, and U+2028/U+2029 begin with E2
        for (at, byte) in bytes.iter().enumerate() {
            let c = match byte {
                b'<' | b'>' | b'&' => char::from(*byte),
                0xE2 => match fragment[at..].chars().next() {
                    Some(c) if ends_script(c) => c,
                    _ => continue,
                },
                _ => continue,
            };
            writer.write_all(&bytes[from..at])?;
            write!(writer, "\\u{:04x}", u32::from(c))?;
            from = at + c.len_utf8();
        }
        writer.write_all(&bytes[from..])
    }
}

/// A CSS string literal that can end neither the string nor a `<style>`
/// element or `style` attribute around it.
pub fn css_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' | '\'' | '\\' | '<' | '>' | '&' | '\n' | '\r' | '\u{c}' => {
                let _ = write!(out, "\\{:x} ", u32::from(c));
            }
            // CSS has no escape for NUL; other controls are escaped as code points
            '\0' => out.push('\u{FFFD}'),
            c if c.is_control() => {
                let _ = write!(out, "\\{:x} ", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_cannot_leave_text_or_attribute() {
        let attack = r#"x" onmouseover='alert(1)'><script>&amp;"#;
        let escaped = html_attr(attack);
        assert_eq!(
            escaped,
            "x&quot; onmouseover=&#39;alert(1)&#39;&gt;&lt;script&gt;&amp;amp;"
        );
        assert!(!escaped.contains(['"', '\'', '<', '>']));
        assert_eq!(html_attr("Luleå & Uleåborg"), "Luleå &amp; Uleåborg");
    }

    #[test]
    fn escaping_by_bytes_escapes_what_escaping_by_characters_does() {
        let by_characters = |s: &str| -> String {
            s.chars()
                .map(|c| match c {
                    '&' => "&amp;".to_owned(),
                    '"' => "&quot;".to_owned(),
                    '\'' => "&#39;".to_owned(),
                    '<' => "&lt;".to_owned(),
                    '>' => "&gt;".to_owned(),
                    c => c.to_string(),
                })
                .collect()
        };
        for text in [
            "",
            "&",
            "<>",
            "å<ä>ö&\"'",
            "Uleåborg – Oulu €100 𝄞\"",
            "a\u{0}<\u{10FFFF}>",
        ] {
            assert_eq!(html_attr(text), by_characters(text), "{text:?}");
        }
    }

    #[test]
    fn xml_drops_what_xml_forbids() {
        assert_eq!(xml("a\u{b}b\u{c}c\u{0}d\u{FFFE}e"), "abcde");
        assert_eq!(xml("tab\there\nline\r"), "tab\there\nline\r");
        assert_eq!(
            xml("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;"
        );
        assert_eq!(xml("😀 å"), "😀 å");
        assert!(!is_xml_char('\u{1f}') && is_xml_char('\u{85}') && !is_xml_char('\u{FFFF}'));
    }

    #[test]
    fn text_holds_no_character_html_counts_an_error() {
        for c in [
            '\u{7F}',
            '\u{80}',
            '\u{85}',
            '\u{9F}',
            '\u{FDD0}',
            '\u{FDEF}',
            '\u{1FFFE}',
            '\u{10FFFF}',
        ] {
            assert!(is_xml_char(c) && !is_text_char(c), "{c:?}");
            assert_eq!(refused_by(c), "HTML");
        }
        assert_eq!(refused_by('\u{B}'), "XML");
        for c in ['\u{A0}', '\u{FDCF}', '\u{FDF0}', '\u{FFFD}', '\u{1F600}', 'å', '\t'] {
            assert!(is_text_char(c), "{c:?}");
        }
        for text in [
            "",
            "Luleå\tUleåborg\r\n",
            "12\u{A0}000 °C «x» ½",
            "\u{FEFF}\u{FFFD}\u{10000}\u{D7FF}\u{E000}😀",
            "a\u{0B}b",
            "a\u{7F}b",
            "a\u{85}b",
            "\u{9F}",
            "x\u{FDD0}",
            "\u{FFFE}",
            "x\u{FFFF}",
            "\u{2FFFF}y",
            "\0",
        ] {
            assert_eq!(is_text(text), text.chars().all(is_text_char), "{text:?}");
        }
    }

    #[test]
    fn json_strings_are_escaped() {
        assert_eq!(
            json_string("a\"b\\c\nd\te\u{1}f\u{7f}å</script>"),
            "\"a\\\"b\\\\c\\nd\\te\\u0001f\u{7f}å</script>\""
        );
    }

    #[test]
    fn json_in_script_cannot_end_the_script() {
        let escaped = json_string_in_script("</script><!-- & \u{2028}");
        assert_eq!(escaped, "\"\\u003c/script\\u003e\\u003c!-- \\u0026 \\u2028\"");
        assert!(!escaped.contains('<'));
    }

    #[test]
    fn nothing_in_a_string_ends_the_script() {
        let value = serde_json::json!({ "name": "</script><script>alert(1)</script> & <!--" });
        let out = json_in_script(&value);
        assert!(!out.contains('<') && !out.contains('>') && !out.contains('&'), "{out}");
        let back: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(back["name"], "</script><script>alert(1)</script> & <!--");
        // the same escapes as a single string's
        let text = "a</b>&\u{2028}\u{2029}é\"\n";
        assert_eq!(json_in_script(&text), json_string_in_script(text));
    }

    #[test]
    fn css_strings_cannot_break_out() {
        assert_eq!(css_string("Mayors Forum"), "\"Mayors Forum\"");
        assert_eq!(css_string("a\"b</style>\\"), "\"a\\22 b\\3c /style\\3e \\5c \"");
        assert_eq!(css_string("it's\n\0"), "\"it\\27 s\\a \u{FFFD}\"");
    }
}
