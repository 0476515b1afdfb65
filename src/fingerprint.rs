//! Fingerprints of what a slow-to-make file is made from (the PDFs, the
//! search index), for the build cache: a SHA-256 over parts, each framed by
//! its length, so no two different inputs hash alike.

use sha2::{Digest, Sha256};

#[derive(Default)]
pub struct Fingerprint(Sha256);

impl Fingerprint {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one part: its length, then its bytes.
    pub fn part(&mut self, bytes: &[u8]) -> &mut Self {
        self.0.update((bytes.len() as u64).to_le_bytes());
        self.0.update(bytes);
        self
    }

    /// The fingerprint as lowercase hex.
    pub fn hex(self) -> String {
        self.0.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}
