//! `build.precompress`: the gzip and brotli copies of text files a web
//! server can send as they are (`gzip_static`, `brotli_static`). The same
//! bytes always compress to the same copy (no time or name in the gzip
//! header), and a copy already beside an unchanged file is kept when it
//! decompresses to that file.

use std::io::{Read, Write};

use crate::render::OutputFile;

/// Files smaller than this are sent as they are: compressing them saves a
/// few bytes at the price of a request header more.
pub const MIN_BYTES: usize = 1024;

/// Text the site publishes; everything else is compressed already (fonts,
/// images, PDFs, the search index's fragments) or too small to matter.
const TEXT: [&str; 11] = [
    "html", "css", "js", "svg", "xml", "json", "txt", "csv", "geojson", "rdf", "wasm",
];

/// The compressed kinds: file extension and compressor.
pub type Compressor = fn(&[u8]) -> std::io::Result<Vec<u8>>;
pub const KINDS: [(&str, Compressor); 2] = [("gz", gzip), ("br", brotli)];

/// Whether `file` gets compressed copies.
pub fn wanted(file: &OutputFile) -> bool {
    file.bytes.len() >= MIN_BYTES && file.path.rsplit_once('.').is_some_and(|(_, ext)| TEXT.contains(&ext))
}

/// gzip at its best compression, with no time or name in the header.
fn gzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::with_capacity(bytes.len() / 3), flate2::Compression::best());
    encoder.write_all(bytes)?;
    encoder.finish()
}

/// brotli at its best compression (quality 11, a 4 MiB window).
fn brotli(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(bytes.len() / 4);
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        size_hint: bytes.len(),
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params)?;
    Ok(out)
}

/// Whether `copy`, a compressed copy of kind `ext`, decompresses to `original`.
pub fn holds(ext: &str, copy: &[u8], original: &[u8]) -> bool {
    let mut out = Vec::with_capacity(original.len());
    let read = match ext {
        "gz" => flate2::read::GzDecoder::new(copy)
            .take(original.len() as u64 + 1)
            .read_to_end(&mut out),
        "br" => brotli::Decompressor::new(copy, 4096)
            .take(original.len() as u64 + 1)
            .read_to_end(&mut out),
        _ => return false,
    };
    read.is_ok() && out == original
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_decompress_to_the_original_and_are_the_same_every_time() {
        let text = "<p>Luleå kommun och Uleåborg samarbetar.</p>\n".repeat(100);
        for (ext, compressor) in KINDS {
            let copy = compressor(text.as_bytes()).unwrap();
            assert!(copy.len() < text.len() / 5, "{ext}: {} bytes", copy.len());
            assert!(holds(ext, &copy, text.as_bytes()), "{ext}");
            assert_eq!(copy, compressor(text.as_bytes()).unwrap(), "{ext} is deterministic");
            assert!(!holds(ext, &copy, b"other"), "{ext}");
            assert!(!holds(ext, b"not compressed", text.as_bytes()), "{ext}");
        }
    }

    #[test]
    fn only_text_over_a_kilobyte_is_compressed() {
        let file = |path: &str, len: usize| OutputFile::new(path, vec![b'a'; len]);
        assert!(wanted(&file("sv/index.html", 2000)));
        assert!(wanted(&file("data/entities.geojson", 2000)));
        assert!(!wanted(&file("sv/index.html", 1000)));
        assert!(!wanted(&file("assets/fonts/a.woff2", 50_000)));
        assert!(!wanted(&file("sv/plan.pdf", 50_000)));
        assert!(!wanted(&file("sv/search/pagefind/fragment/a.pf_fragment", 5000)));
    }
}
