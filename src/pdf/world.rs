//! The typst `World` of one plan edition: a single in-memory source file,
//! the images and fonts the caller passed in, with typst's embedded fonts as
//! fallback.
//!
//! It owns compiling and exporting. It never touches the filesystem or the
//! clock: every file request other than the main source and the images
//! fails, and `today` is unknown, so the output depends on its input alone.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use typst::diag::{FileError, FileResult, Severity, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Duration, Smart};
use typst::syntax::{FileId, Source, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

/// The standards every plan edition is checked against while exporting:
/// PDF/A-2a (archival, tagged, Unicode text) and PDF/UA-1 (accessible).
const STANDARDS: [PdfStandard; 2] = [PdfStandard::A_2a, PdfStandard::Ua_1];

/// Everything a compilation may read.
pub(super) struct PlanWorld {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
    source: Source,
    /// Image files by their absolute path in the world.
    files: BTreeMap<String, Bytes>,
}

impl PlanWorld {
    /// A world whose main file is `text`, whose fonts are `theme_fonts`
    /// followed by typst's embedded ones, and whose other files are `images`.
    pub(super) fn new(text: String, mut fonts: Vec<Font>, images: &BTreeMap<String, super::Image>) -> Self {
        fonts.extend(embedded_fonts().iter().cloned());
        Self {
            library: LazyHash::new(Library::builder().build()),
            book: LazyHash::new(FontBook::from_fonts(&fonts)),
            fonts,
            source: Source::detached(text),
            files: images
                .iter()
                .map(|(path, image)| (path.clone(), Bytes::new(image.bytes.clone())))
                .collect(),
        }
    }
}

impl World for PlanWorld {
    fn library(&self) -> &LazyHash<Library> {
        &self.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.book
    }

    fn main(&self) -> FileId {
        self.source.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.source.id() {
            Ok(self.source.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if *id.root() != VirtualRoot::Project {
            return Err(FileError::AccessDenied);
        }
        self.files
            .get(id.vpath().get_with_slash())
            .cloned()
            .ok_or(FileError::AccessDenied)
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.get(index).cloned()
    }

    fn today(&self, _: Option<Duration>) -> Option<Datetime> {
        None
    }
}

/// typst's embedded fonts (Libertinus Serif, New Computer Modern, DejaVu
/// Sans Mono), parsed once per process.
fn embedded_fonts() -> &'static [Font] {
    static FONTS: OnceLock<Vec<Font>> = OnceLock::new();
    FONTS.get_or_init(|| {
        typst_assets::fonts()
            .flat_map(|data| Font::iter(Bytes::new(data)))
            .collect()
    })
}

/// Parses the caller's font files (a collection yields all its faces).
pub(super) fn parse_fonts(files: &[Vec<u8>]) -> Vec<Font> {
    files
        .iter()
        .flat_map(|data| Font::iter(Bytes::new(data.clone())))
        .collect()
}

/// The family names of `fonts`, in order, without repeats.
pub(super) fn families(fonts: &[Font]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for font in fonts {
        let family = &font.info().family;
        if !names.iter().any(|name| name.eq_ignore_ascii_case(family)) {
            names.push(family.clone());
        }
    }
    names
}

impl PlanWorld {
    /// Lays out the source.
    pub(super) fn compile(&self) -> Result<PagedDocument, String> {
        let warned = typst::compile::<PagedDocument>(self);
        warned
            .output
            .map_err(|errors| self.describe(errors.iter().chain(&warned.warnings)))
    }

    /// Exports a laid-out edition as tagged PDF/A-2a + PDF/UA-1.
    ///
    /// `ident` names the document stably across builds and `date` is the
    /// creation timestamp, so equal input gives equal bytes.
    pub(super) fn export(
        &self,
        document: &PagedDocument,
        ident: String,
        date: (i32, u8, u8),
    ) -> Result<Vec<u8>, String> {
        let standards = PdfStandards::new(&STANDARDS).map_err(|error| error.message().to_string())?;
        let options = PdfOptions {
            ident: Smart::Custom(ident),
            timestamp: Datetime::from_ymd(date.0, date.1, date.2).map(Timestamp::new_utc),
            standards,
            tagged: true,
            ..PdfOptions::default()
        };
        typst_pdf::pdf(document, &options).map_err(|errors| self.describe(errors.iter()))
    }

    /// One line per diagnostic, `error: 12:5: message`, then its hints.
    fn describe<'a>(&self, diagnostics: impl Iterator<Item = &'a SourceDiagnostic>) -> String {
        let mut lines = Vec::new();
        for diagnostic in diagnostics {
            let start = typst::WorldExt::range(self, diagnostic.span).map(|range| range.start);
            let mut position = start
                .and_then(|start| self.source.lines().byte_to_line_column(start))
                .map(|(line, column)| format!("{}:{}: ", line + 1, column + 1))
                .unwrap_or_default();
            // name the image a problem is in, so the caller can name its file
            if let Some(path) = start.and_then(|start| image_at(self.source.text(), start)) {
                position.push_str(&format!("{IMAGE_PREFIX}{path}\": "));
            }
            push_diagnostic(&mut lines, diagnostic, &position);
        }
        lines.join("\n")
    }
}

/// What starts the name of the image an error is in: `image "/assets/…": `.
pub const IMAGE_PREFIX: &str = "image \"";

/// The path of the image called on the line of `source` that holds byte
/// `at`, if one is.
fn image_at(source: &str, at: usize) -> Option<&str> {
    if !source.is_char_boundary(at) {
        return None;
    }
    let line_start = source[..at].rfind('\n').map_or(0, |i| i + 1);
    let line_end = source[at..].find('\n').map_or(source.len(), |i| at + i);
    let line = &source[line_start..line_end];
    let rest = &line[line.find("image(\"")? + "image(\"".len()..];
    Some(&rest[..rest.find('"')?])
}

fn push_diagnostic(lines: &mut Vec<String>, diagnostic: &SourceDiagnostic, position: &str) {
    let severity = match diagnostic.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    lines.push(format!("{severity}: {position}{}", diagnostic.message));
    for hint in &diagnostic.hints {
        lines.push(format!("  hint: {}", hint.v));
    }
}
