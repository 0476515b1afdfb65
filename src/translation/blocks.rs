//! A page body as the blocks a translator works in: headings, paragraphs,
//! list items, table rows and whatever else stands on its own at the top
//! (a quote, a code block). Each block keeps its Markdown as written, its
//! text as read (link targets and markup left out) and its place: the line
//! in the file and its position within the section that a heading opens, so
//! that a source block and its translation can be paired without reading
//! either language.

use pulldown_cmark::{Event, Parser, Tag, TagEnd};

use crate::site::markdown;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Heading,
    Paragraph,
    ListItem,
    TableRow,
    Other,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Heading => "heading",
            Kind::Paragraph => "paragraph",
            Kind::ListItem => "list item",
            Kind::TableRow => "table row",
            Kind::Other => "block",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub kind: Kind,
    /// The Markdown of the block as written, without trailing white space.
    pub markdown: String,
    /// What a reader reads: text and code, without link targets or markup.
    pub text: String,
    /// Line of the block's first character in the file.
    pub line: usize,
    pub place: Place,
}

/// Where a block stands: the section a heading opens (its explicit `{#id}`
/// if it has one, else how many headings come before it, counting from 1;
/// 0 before the first heading) and the block's index within it (0 is the
/// heading itself).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Place {
    pub section: usize,
    pub anchor: Option<String>,
    pub index: usize,
}

/// The blocks of a page body; `first_line` is the file line the body starts
/// on (1 when `body` is the whole file).
pub fn blocks(body: &str, first_line: usize) -> Vec<Block> {
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(body.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let line_of = |offset: usize| line_starts.partition_point(|&start| start <= offset) - 1 + first_line;

    let mut out: Vec<Block> = Vec::new();
    let (mut section, mut anchor, mut index) = (0, None::<String>, 0);
    // the block being read: its kind, start offset, the depth it opened at
    // and its text so far
    let mut open: Option<(Kind, usize, usize, String)> = None;
    let mut depth = 0usize;
    // inside a list or table at the top, whose items and rows are the blocks
    let mut in_container = false;
    for (event, range) in Parser::new_ext(body, markdown::options()).into_offset_iter() {
        match &event {
            Event::Start(tag) => {
                let kind = match (depth, tag) {
                    _ if open.is_some() => None,
                    (0, Tag::List(_) | Tag::Table(_)) => {
                        in_container = true;
                        None
                    }
                    (0, Tag::Heading { id, .. }) => {
                        section += 1;
                        index = 0;
                        anchor = id.as_ref().map(|id| id.to_string());
                        Some(Kind::Heading)
                    }
                    (0, Tag::Paragraph) => Some(Kind::Paragraph),
                    (0, _) => Some(Kind::Other),
                    (1, Tag::Item) if in_container => Some(Kind::ListItem),
                    (1, Tag::TableHead | Tag::TableRow) if in_container => Some(Kind::TableRow),
                    _ => None,
                };
                if let Some(kind) = kind {
                    open = Some((kind, range.start, depth, String::new()));
                } else if let Some((.., text)) = &mut open
                    && starts_a_line(tag)
                {
                    // a nested list item or paragraph reads as a new word
                    text.push(' ');
                }
                depth += 1;
            }
            Event::End(end) => {
                depth -= 1;
                if open.as_ref().is_some_and(|(_, _, at, _)| *at == depth) {
                    let (kind, start, _, text) = open.take().expect("checked above");
                    out.push(Block {
                        kind,
                        markdown: body[start..range.end.max(start)].trim_end().to_owned(),
                        text: squeeze(&text),
                        line: line_of(start),
                        place: Place {
                            section,
                            anchor: anchor.clone(),
                            index,
                        },
                    });
                    index += 1;
                } else if depth == 0 {
                    in_container = false;
                }
                // a cell boundary reads as a space between cells
                if let (TagEnd::TableCell, Some((.., text))) = (end, &mut open) {
                    text.push(' ');
                }
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((.., text)) = &mut open {
                    text.push_str(t);
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some((.., text)) = &mut open {
                    text.push(' ');
                }
            }
            _ => {}
        }
    }
    out
}

fn starts_a_line(tag: &Tag) -> bool {
    matches!(
        tag,
        Tag::Paragraph
            | Tag::Item
            | Tag::List(_)
            | Tag::Heading { .. }
            | Tag::BlockQuote(_)
            | Tag::CodeBlock(_)
            | Tag::TableCell
    )
}

/// White space runs as one space, trimmed.
fn squeeze(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_paragraphs_items_and_rows_are_blocks_in_their_sections() {
        let body = "Intro [länk](@/partners/oulu) här.\n\n## Mål {#mal}\n\n- ett\n- två\n  fortsatt\n\n| a | b |\n|---|---|\n| c | d |\n\n## Annat\n\nSlut.\n";
        let blocks = blocks(body, 5);
        type Summary<'a> = (Kind, usize, usize, Option<&'a str>, usize, &'a str);
        let summary: Vec<Summary> = blocks
            .iter()
            .map(|b| {
                (
                    b.kind,
                    b.line,
                    b.place.section,
                    b.place.anchor.as_deref(),
                    b.place.index,
                    b.text.as_str(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (Kind::Paragraph, 5, 0, None, 0, "Intro länk här."),
                (Kind::Heading, 7, 1, Some("mal"), 0, "Mål"),
                (Kind::ListItem, 9, 1, Some("mal"), 1, "ett"),
                (Kind::ListItem, 10, 1, Some("mal"), 2, "två fortsatt"),
                (Kind::TableRow, 13, 1, Some("mal"), 3, "a b"),
                (Kind::TableRow, 15, 1, Some("mal"), 4, "c d"),
                (Kind::Heading, 17, 2, None, 0, "Annat"),
                (Kind::Paragraph, 19, 2, None, 1, "Slut."),
            ]
        );
        assert_eq!(blocks[0].markdown, "Intro [länk](@/partners/oulu) här.");
        assert_eq!(blocks[3].markdown, "- två\n  fortsatt");
    }

    #[test]
    fn a_nested_list_stays_in_its_item_and_a_quote_is_one_block() {
        let blocks = blocks("- a\n  - b\n- c\n\n> citat\n> rad\n", 1);
        let texts: Vec<&str> = blocks.iter().map(|b| b.text.as_str()).collect();
        assert_eq!(texts, ["a b", "c", "citat rad"]);
        assert_eq!(blocks[2].kind, Kind::Other);
    }
}
