//! Files beside the pages: images and documents under `content/` that a
//! page shows (`![Karta](oulu/karta.png)`) or links (`[Rapport](rapport.pdf)`)
//! by a relative path.
//!
//! It owns the rules for them: which kinds of file may be published (none
//! that a browser would run as a page of the site: no HTML, SVG, XML or
//! script), where a relative path leads (from the page's own directory, as
//! every Markdown editor previews it, never out of `content/`), what an image
//! must be (a PNG, JPEG, GIF or WebP whose header gives its size, of a size
//! the PDF can decode) and the fingerprinted name each is published under.
//! Pure: `load` reads the bytes, `site` applies the rules.

use std::path::Path;

/// Largest file beside a page that is read.
pub const MAX_BYTES: u64 = 32 * 1024 * 1024;

/// Largest image side, and pixel count, accepted: typesetting the PDF
/// decodes every image, and a small file can claim a huge one.
const MAX_SIDE: u32 = 12_000;
const MAX_PIXELS: u64 = 50_000_000;

/// The title that marks an image as decorative: `![](ornament.png "decorative")`.
pub const DECORATIVE: &str = "decorative";

/// What a file beside a page may be, by its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Image(ImageFormat),
    Document,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    Png,
    Jpeg,
    Gif,
    Webp,
}

impl ImageFormat {
    fn name(self) -> &'static str {
        match self {
            ImageFormat::Png => "PNG",
            ImageFormat::Jpeg => "JPEG",
            ImageFormat::Gif => "GIF",
            ImageFormat::Webp => "WebP",
        }
    }
}

/// The extensions of files the site publishes, for hints.
pub const EXTENSIONS: &str = "png, jpg, jpeg, gif, webp, pdf, txt, csv, docx, xlsx, pptx, odt, ods, odp, zip";

/// The kind of a file, by its (lowercase) extension; `None` for anything
/// else. SVG, HTML and XML are left out on purpose: opened from the site's
/// own address, they could run script.
pub fn kind(extension: &str) -> Option<Kind> {
    Some(match extension {
        "png" => Kind::Image(ImageFormat::Png),
        "jpg" | "jpeg" => Kind::Image(ImageFormat::Jpeg),
        "gif" => Kind::Image(ImageFormat::Gif),
        "webp" => Kind::Image(ImageFormat::Webp),
        "pdf" | "txt" | "csv" | "docx" | "xlsx" | "pptx" | "odt" | "ods" | "odp" | "zip" => Kind::Document,
        _ => return None,
    })
}

/// Why a file name cannot be published as it is, if it cannot: one slug and
/// one lowercase extension, as URLs are made of them.
pub fn name_problem(name: &str) -> Option<String> {
    let Some((stem, extension)) = name.rsplit_once('.') else {
        return Some("it has no extension".to_owned());
    };
    if let Some(why) = crate::source::slug::problem(stem) {
        return Some(why);
    }
    if extension.bytes().any(|b| b.is_ascii_uppercase()) {
        return Some(format!("the extension `{extension}` is not lowercase"));
    }
    None
}

/// Where a relative path written in `page_file` (a path under the site root,
/// `content/partners/oulu.sv.md`) leads: the path under `content/` with `/`
/// (`partners/oulu/karta.png`), and the `#fragment` it carried, if any.
pub fn resolve<'a>(page_file: &Path, dest: &'a str) -> Result<(String, Option<&'a str>), String> {
    let (path, fragment) = match dest.split_once('#') {
        Some((path, fragment)) => (path, Some(fragment)),
        None => (dest, None),
    };
    if path.contains('?') {
        return Err(format!("`{dest}` has a query (`?`), which a file does not"));
    }
    let path = percent_decoded(path).ok_or_else(|| format!("`{dest}` holds a `%` that is not a UTF-8 escape"))?;
    if path.chars().any(char::is_control) {
        return Err(format!(
            "`{dest}` holds a control character once its `%` escapes are decoded"
        ));
    }
    let mut segments: Vec<&str> = page_file
        .parent()
        .map(|dir| dir.iter().skip(1).filter_map(|s| s.to_str()).collect())
        .unwrap_or_default();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                if segments.pop().is_none() {
                    return Err(format!("`{dest}` leads out of content/"));
                }
            }
            other => segments.push(other),
        }
    }
    if segments.is_empty() || path.ends_with('/') {
        return Err(format!("`{dest}` names a directory, not a file"));
    }
    Ok((segments.join("/"), fragment))
}

/// Why an image cannot be published, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageProblem {
    pub message: String,
    pub hint: String,
}

impl ImageProblem {
    fn format(message: String) -> Self {
        ImageProblem {
            message,
            hint: "save it again as PNG, JPEG, GIF or WebP, with the extension of its format".to_owned(),
        }
    }
}

/// Why a document (by its lowercase `extension`) is not what its name
/// says, if it is not: a PDF must start as one, the office formats are ZIP
/// archives, and text has no NUL bytes and is not markup a browser could
/// take for a page.
pub fn document_problem(extension: &str, bytes: &[u8]) -> Option<ImageProblem> {
    let resave = |what: &str| ImageProblem {
        message: format!("the file is not {what}, as its extension says"),
        hint: "save it again from the program that made it, with the extension of its format".to_owned(),
    };
    match extension {
        "pdf" => {
            let head = &bytes[..bytes.len().min(1024)];
            (!head.windows(5).any(|w| w == b"%PDF-")).then(|| resave("a PDF"))
        }
        "docx" | "xlsx" | "pptx" | "odt" | "ods" | "odp" | "zip" => {
            let zip = bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06");
            (!zip).then(|| resave(&format!("a {} file (a ZIP archive)", extension.to_ascii_uppercase())))
        }
        _ => {
            let start = bytes
                .iter()
                .position(|b| !b.is_ascii_whitespace())
                .unwrap_or(bytes.len());
            let markup = bytes[start..].starts_with(b"<")
                && bytes
                    .get(start + 1)
                    .is_some_and(|b| b.is_ascii_alphabetic() || matches!(b, b'!' | b'?' | b'/'));
            if bytes.contains(&0) {
                Some(resave("text"))
            } else if markup {
                Some(ImageProblem {
                    message: "the text starts as HTML or XML, which the site does not publish".to_owned(),
                    hint: "publish the text itself, or make it a page".to_owned(),
                })
            } else {
                None
            }
        }
    }
}

/// What the segments of a JPEG file before its image data say beyond its
/// size: the number of colour components (4 is CMYK), and the EXIF
/// orientation (1 when none; 5 to 8 turn it a quarter).
struct JpegFacts {
    components: Option<u8>,
    orientation: u16,
}

fn jpeg_facts(bytes: &[u8]) -> JpegFacts {
    let mut facts = JpegFacts {
        components: None,
        orientation: 1,
    };
    let mut i = 2;
    while i + 4 <= bytes.len() && bytes[i] == 0xFF {
        let marker = bytes[i + 1];
        match marker {
            // fill byte, or a marker without a segment
            0xFF => {
                i += 1;
                continue;
            }
            0x01 | 0xD0..=0xD8 => {
                i += 2;
                continue;
            }
            // the image data, or its end: nothing more before it
            0xD9 | 0xDA => break,
            _ => {}
        }
        let length = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
        if length < 2 {
            break;
        }
        let segment = &bytes[i + 4..(i + 2 + length).min(bytes.len())];
        match marker {
            // start of frame: precision, height, width, then components
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => facts.components = segment.get(5).copied(),
            0xE1 if segment.starts_with(b"Exif\0\0") => {
                facts.orientation = exif_orientation(&segment[6..]).unwrap_or(1);
            }
            _ => {}
        }
        i += 2 + length;
    }
    facts
}

/// The Orientation tag (0x0112) of the first IFD of an EXIF TIFF block.
fn exif_orientation(tiff: &[u8]) -> Option<u16> {
    let big = match tiff.get(..2)? {
        b"MM" => true,
        b"II" => false,
        _ => return None,
    };
    let u16_at = |at: usize| {
        let b: [u8; 2] = tiff.get(at..at + 2)?.try_into().ok()?;
        Some(if big {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    };
    let u32_at = |at: usize| {
        let b: [u8; 4] = tiff.get(at..at + 4)?.try_into().ok()?;
        Some(if big {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    };
    let ifd = usize::try_from(u32_at(4)?).ok()?;
    let count = usize::from(u16_at(ifd)?);
    (0..count.min(256))
        .map(|n| ifd + 2 + n * 12)
        .find(|&entry| u16_at(entry) == Some(0x0112))
        .and_then(|entry| u16_at(entry + 8))
}

/// `path` with `%XX` escapes decoded (`Karta%20Lule%C3%A5.png`), as a
/// browser and every Markdown editor read it.
fn percent_decoded(path: &str) -> Option<String> {
    if !path.contains('%') {
        return Some(path.to_owned());
    }
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = path.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The size in pixels of an image of `format`, or why it is not one the
/// site can show.
pub fn image_size(format: ImageFormat, bytes: &[u8]) -> Result<(u32, u32), ImageProblem> {
    let found = match imagesize::image_type(bytes) {
        Ok(imagesize::ImageType::Png) => ImageFormat::Png,
        Ok(imagesize::ImageType::Jpeg) => ImageFormat::Jpeg,
        Ok(imagesize::ImageType::Gif) => ImageFormat::Gif,
        Ok(imagesize::ImageType::Webp) => ImageFormat::Webp,
        _ => {
            return Err(ImageProblem::format(format!(
                "the file is not a {} image",
                format.name()
            )));
        }
    };
    if found != format {
        return Err(ImageProblem::format(format!(
            "the file is a {} image under the name of a {} image",
            found.name(),
            format.name()
        )));
    }
    let size = imagesize::blob_size(bytes)
        .map_err(|_| ImageProblem::format(format!("the {} image's header cannot be read", format.name())))?;
    let (width, height) = (
        u32::try_from(size.width).unwrap_or(u32::MAX),
        u32::try_from(size.height).unwrap_or(u32::MAX),
    );
    if width == 0 || height == 0 {
        return Err(ImageProblem::format("the image has no pixels".to_owned()));
    }
    let (width, height) = if format == ImageFormat::Jpeg {
        let jpeg = jpeg_facts(bytes);
        if jpeg.components == Some(4) {
            return Err(ImageProblem {
                message: "the JPEG image is in CMYK, the colours of print".to_owned(),
                hint: "save it again in RGB (sRGB), the colours of screens, which the web and the PDF show".to_owned(),
            });
        }
        // turned a quarter by its EXIF orientation, as browsers show it
        if (5..=8).contains(&jpeg.orientation) {
            (height, width)
        } else {
            (width, height)
        }
    } else {
        (width, height)
    };
    if width > MAX_SIDE || height > MAX_SIDE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(ImageProblem {
            message: format!(
                "the image is {width} × {height} pixels; the limit is {MAX_SIDE} a side and {} million in all",
                MAX_PIXELS / 1_000_000
            ),
            hint: "scale it down: a page shows it at most about 1 000 pixels wide".to_owned(),
        });
    }
    Ok((width, height))
}

/// The path a file is published under: `assets/files/<name>.<hash>.<ext>`.
/// The hash makes it safe to cache forever and keeps two files of one name
/// apart; the same bytes under the same name are published once.
pub fn published_path(path: &str, bytes: &[u8]) -> String {
    let name = path.rsplit('/').next().unwrap_or(path);
    format!("assets/files/{}", crate::urls::fingerprinted(name, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_lead_from_the_page_directory_and_never_out_of_content() {
        let page = Path::new("content/partners/oulu.sv.md");
        assert_eq!(
            resolve(page, "oulu/karta.png"),
            Ok(("partners/oulu/karta.png".into(), None))
        );
        assert_eq!(resolve(page, "./karta.png"), Ok(("partners/karta.png".into(), None)));
        assert_eq!(resolve(page, "../plan/bild.jpg"), Ok(("plan/bild.jpg".into(), None)));
        assert_eq!(
            resolve(page, "rapport.pdf#page=2"),
            Ok(("partners/rapport.pdf".into(), Some("page=2")))
        );
        assert!(resolve(page, "../../etc/passwd").is_err());
        assert!(resolve(page, "../../../../etc/passwd").is_err());
        assert!(resolve(page, "a/../../../x.png").is_err());
        assert!(resolve(page, "oulu/").is_err());
        assert!(resolve(page, "..").is_err());
        assert!(resolve(page, "x.png?v=1").is_err());
        assert_eq!(
            resolve(page, "Karta%20Lule%C3%A5.png"),
            Ok(("partners/Karta Luleå.png".into(), None))
        );
        // an escaped `/` or `..` is decoded before the path is walked
        assert!(resolve(page, "%2e%2e/%2e%2e/etc/passwd").is_err());
        assert!(resolve(page, "..%2f..%2fetc/passwd").is_err());
        assert!(resolve(page, "karta%zz.png").is_err());
        assert!(resolve(page, "karta%ff.png").is_err());
        let home = Path::new("content/_index.sv.md");
        assert_eq!(resolve(home, "logo.png"), Ok(("logo.png".into(), None)));
        assert!(resolve(home, "../logo.png").is_err());
    }

    #[test]
    fn only_files_no_browser_runs_as_a_page_are_published() {
        for published in ["png", "jpg", "jpeg", "gif", "webp", "pdf", "csv", "docx", "zip"] {
            assert!(kind(published).is_some(), "{published}");
        }
        for refused in [
            "html", "htm", "svg", "xml", "xhtml", "js", "mjs", "css", "md", "yaml", "PNG", "",
        ] {
            assert_eq!(kind(refused), None, "{refused}");
        }
    }

    #[test]
    fn names_are_a_slug_and_a_lowercase_extension() {
        assert_eq!(name_problem("karta-2024.png"), None);
        assert!(name_problem("Karta.png").is_some());
        assert!(name_problem("karta över.png").is_some());
        assert!(name_problem("karta.PNG").is_some());
        assert!(name_problem("karta").is_some());
        assert!(name_problem(".png").is_some());
    }

    /// The smallest PNG header of a `width` × `height` image.
    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        bytes.extend(width.to_be_bytes());
        bytes.extend(height.to_be_bytes());
        bytes.extend([8, 6, 0, 0, 0, 0, 0, 0, 0]);
        bytes
    }

    #[test]
    fn an_image_gives_its_size_or_says_why_not() {
        assert_eq!(image_size(ImageFormat::Png, &png(640, 480)), Ok((640, 480)));
        assert!(
            image_size(ImageFormat::Jpeg, &png(640, 480))
                .unwrap_err()
                .message
                .contains("PNG image under the name")
        );
        assert!(image_size(ImageFormat::Png, b"<script>alert(1)</script>").is_err());
        assert!(image_size(ImageFormat::Png, &png(0, 10)).is_err());
        assert!(
            image_size(ImageFormat::Png, &png(100_000, 100_000))
                .unwrap_err()
                .message
                .contains("limit")
        );
    }

    #[test]
    fn published_names_carry_a_hash_of_the_bytes() {
        let a = published_path("partners/oulu/karta.png", b"a");
        let b = published_path("plan/karta.png", b"b");
        assert!(a.starts_with("assets/files/karta.") && a.ends_with(".png"), "{a}");
        assert_ne!(a, b);
        assert_eq!(a, published_path("plan/karta.png", b"a"));
    }

    #[test]
    fn a_document_must_be_what_its_extension_says() {
        assert_eq!(document_problem("pdf", b"%PDF-1.7\n..."), None);
        assert_eq!(document_problem("docx", b"PK\x03\x04rest"), None);
        assert_eq!(document_problem("csv", "namn;år\nLuleå;2024\n".as_bytes()), None);
        assert_eq!(document_problem("txt", b"  a < b\n"), None);
        for (extension, bytes) in [
            ("pdf", b"<html><script>alert(1)</script>".as_slice()),
            ("pdf", b"\x89PNG\r\n\x1a\n"),
            ("zip", b"<html>"),
            ("odt", b"%PDF-1.7"),
            ("txt", b"<html><script>alert(1)</script>"),
            ("csv", b"\n  <?xml version=\"1.0\"?>"),
            ("txt", b"a\0b"),
        ] {
            assert!(document_problem(extension, bytes).is_some(), "{extension}: {bytes:?}");
        }
    }
}
