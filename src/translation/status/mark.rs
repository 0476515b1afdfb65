//! `plansite i18n mark`: records a reviewed translation's source hash in
//! its front matter, rewriting that one line and keeping every other byte.

use std::path::Path;

use super::*;

/// Records the current source hash in the translation's front matter
/// (`translated_from: "<hash>"`), after a translator reviewed it; returns the
/// message to print. `id` is a page id (`partners/oulu`; `/` is the home
/// page). Only that line of the front matter changes (it is inserted before
/// the closing `---` when absent); the file is not written when it already
/// holds the hash.
pub fn mark(root: &Path, id: &str, lang: &str) -> Result<String, Vec<Diagnostic>> {
    let sources = load_sources(root)?;
    check_translation_language(&sources, lang).map_err(|d| vec![d])?;
    let source_lang = sources.config.source_language();
    let id = id.trim().trim_start_matches("@/").trim_matches('/');
    let find = |lang: &str| sources.pages.iter().find(|p| p.id == id && p.lang == lang);
    let Some(source) = find(source_lang) else {
        let hint = match find(lang) {
            Some(translation) => Some(format!(
                "{} has no {source_lang} page to be a translation of",
                path(&translation.file)
            )),
            None => diagnostics::did_you_mean(
                id,
                sources
                    .pages
                    .iter()
                    .filter(|p| p.lang == source_lang)
                    .map(|p| p.id.as_str()),
            )
            .or_else(|| {
                Some(
                    "give the page id: its path under content/ without language and extension, `/` for the home page"
                        .into(),
                )
            }),
        };
        return Err(vec![
            Diagnostic::error("content", format!("no page `{}`", shown(id))).with_hint_opt(hint),
        ]);
    };
    let Some(translation) = find(lang) else {
        return Err(vec![
            Diagnostic::error(&source.file, format!("page `{}` has no {lang} translation", shown(id)))
                .with_hint(format!("create {}", translation_file(source, lang))),
        ]);
    };

    let hash = crate::translation::source_hash(&source.front, source.body());
    let file = &translation.file;
    let raw = load::read_bytes(root, file).map_err(|d| vec![d])?;
    let raw = String::from_utf8(raw)
        .map_err(|_| vec![Diagnostic::error(file, "file is not valid UTF-8").with_hint("save the file as UTF-8")])?;
    let cannot = || {
        vec![
            Diagnostic::error(file, "cannot record `translated_from` in this front matter").with_hint(format!(
                "add the line `translated_from: \"{hash}\"` to the front matter by hand"
            )),
        ]
    };
    let updated = set_translated_from(&raw, &hash).ok_or_else(cannot)?;
    // The rewritten file must say what was meant and nothing else.
    let normalized = updated
        .strip_prefix('\u{feff}')
        .unwrap_or(&updated)
        .replace("\r\n", "\n");
    match frontmatter::split(file, &normalized) {
        Ok(split)
            if split.front.translated_from.as_deref() == Some(hash.as_str()) && split.body == translation.body() => {}
        _ => return Err(cannot()),
    }
    if updated == raw {
        return Ok(format!(
            "{} already records translated_from {hash}, the current text of {}",
            path(file),
            path(&source.file)
        ));
    }
    std::fs::write(root.join(file), &updated).map_err(|e| {
        vec![Diagnostic::error(file, format!("cannot write file: {e}")).with_hint("make the file writable")]
    })?;
    Ok(format!(
        "marked {}: translated_from {hash}, the current text of {}",
        path(file),
        path(&source.file)
    ))
}

/// Sets `translated_from:` in the front matter of a file as it is on disk
/// (BOM and line endings kept): replaces the line (and any indented
/// continuation lines) or inserts one before the closing `---`. `None` when
/// the file does not start with a front matter block.
fn set_translated_from(raw: &str, hash: &str) -> Option<String> {
    let start = if raw.starts_with('\u{feff}') {
        '\u{feff}'.len_utf8()
    } else {
        0
    };
    // (start, end of content, end with line ending) of each line
    let mut lines = Vec::new();
    let mut pos = start;
    for line in raw[start..].split_inclusive('\n') {
        let content = line.strip_suffix('\n').unwrap_or(line);
        let content = content.strip_suffix('\r').unwrap_or(content);
        lines.push((pos, pos + content.len(), pos + line.len()));
        pos += line.len();
    }
    let text = |i: usize| &raw[lines[i].0..lines[i].1];
    if lines.is_empty() || text(0) != "---" {
        return None;
    }
    let close = (1..lines.len()).find(|&i| text(i) == "---")?;
    let line = format!("translated_from: \"{hash}\"");
    let mut out = String::with_capacity(raw.len() + line.len() + 2);
    match (1..close).find(|&i| text(i).starts_with("translated_from:")) {
        Some(first) => {
            let mut last = first;
            while last + 1 < close && text(last + 1).starts_with([' ', '\t']) {
                last += 1;
            }
            out.push_str(&raw[..lines[first].0]);
            out.push_str(&line);
            if last == first {
                out.push_str(comment(text(first)));
            }
            out.push_str(&raw[lines[last].1..]);
        }
        None => {
            let eol = &raw[lines[0].1..lines[0].2];
            out.push_str(&raw[..lines[close].0]);
            out.push_str(&line);
            out.push_str(eol);
            out.push_str(&raw[lines[close].0..]);
        }
    }
    Some(out)
}

/// The comment ending a one-line YAML entry (` # …`, with the space before
/// it), or "": a `#` after white space and outside quotes.
fn comment(line: &str) -> &str {
    let mut quote = None;
    let mut previous = ' ';
    for (i, c) in line.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == '#' && previous.is_whitespace() => {
                let start = line[..i].trim_end().len();
                return &line[start..];
            }
            None => {}
        }
        previous = c;
    }
    ""
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn translated_from_is_inserted_before_the_closing_line() {
        let raw = "---\ntitle: Hei\n---\nTeksti\n";
        assert_eq!(
            set_translated_from(raw, "0123456789ab").unwrap(),
            "---\ntitle: Hei\ntranslated_from: \"0123456789ab\"\n---\nTeksti\n"
        );
    }

    #[test]
    fn translated_from_is_replaced_keeping_bom_and_crlf() {
        let raw = "\u{feff}---\r\ntitle: Hei\r\ntranslated_from:\r\n  old\r\nweight: 2\r\n---\r\nTeksti\r\n";
        assert_eq!(
            set_translated_from(raw, "0123456789ab").unwrap(),
            "\u{feff}---\r\ntitle: Hei\r\ntranslated_from: \"0123456789ab\"\r\nweight: 2\r\n---\r\nTeksti\r\n"
        );
    }

    #[test]
    fn nested_keys_and_the_body_are_not_touched() {
        let raw = "---\ntitle: Hei\nextra:\n  translated_from: x\n---\ntranslated_from: body\n";
        assert_eq!(
            set_translated_from(raw, "0123456789ab").unwrap(),
            "---\ntitle: Hei\nextra:\n  translated_from: x\ntranslated_from: \"0123456789ab\"\n---\ntranslated_from: body\n"
        );
        assert_eq!(set_translated_from("# no front matter\n", "0123456789ab"), None);
    }
}
