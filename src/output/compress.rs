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

/// Whether `copy`, a compressed copy of kind `ext`, is one stream that
/// decompresses to `original` and ends there: decoders that read a second
/// stream or ignore trailing bytes would otherwise disagree on what it holds.
pub fn holds(ext: &str, copy: &[u8], original: &[u8]) -> bool {
    match ext {
        "gz" => gzip_holds(copy, original),
        "br" => brotli_holds(copy, original),
        _ => false,
    }
}

fn gzip_holds(copy: &[u8], original: &[u8]) -> bool {
    let mut decoder = flate2::bufread::GzDecoder::new(copy);
    let mut out = Vec::with_capacity(original.len());
    let read = (&mut decoder).take(original.len() as u64 + 1).read_to_end(&mut out);
    read.is_ok() && out == original && decoder.into_inner().is_empty()
}

fn brotli_holds(copy: &[u8], original: &[u8]) -> bool {
    let mut state = brotli::BrotliState::new(
        brotli::HeapAlloc::<u8>::default(),
        brotli::HeapAlloc::<u32>::default(),
        brotli::HeapAlloc::<brotli::HuffmanCode>::default(),
    );
    let mut out = vec![0u8; original.len() + 1];
    let (mut available_in, mut input_offset) = (copy.len(), 0);
    let (mut available_out, mut output_offset, mut total_out) = (out.len(), 0, 0);
    let result = brotli::BrotliDecompressStream(
        &mut available_in,
        &mut input_offset,
        copy,
        &mut available_out,
        &mut output_offset,
        &mut out,
        &mut total_out,
        &mut state,
    );
    matches!(result, brotli::BrotliResult::ResultSuccess)
        && available_in == 0
        && out.get(..output_offset) == Some(original)
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
            // trailing bytes, or a second stream after the first
            let mut trailing = copy.clone();
            trailing.extend_from_slice(b"JUNK");
            assert!(!holds(ext, &trailing, text.as_bytes()), "{ext}: trailing bytes");
            let mut two = copy.clone();
            two.extend(compressor(b"<script>alert(1)</script>").unwrap());
            assert!(!holds(ext, &two, text.as_bytes()), "{ext}: two streams");
            assert!(
                !holds(ext, &copy[..copy.len() - 1], text.as_bytes()),
                "{ext}: truncated"
            );
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
