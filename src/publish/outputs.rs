//! What a document writes under the output folder, written so that nothing
//! is ever half-written, and the checksums of everything published.
//!
//! Next to its outputs each document keeps a stamp: the digest of all its
//! inputs (its data file's bytes, the templates, fonts and tool), the
//! SHA-256 of each output, its index entry and its findings. An unchanged
//! digest means the outputs are up to date, and the rest lets a rebuild
//! report and list the document without reading or parsing anything else.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::diag::Severity;
use crate::site::Entry;
use crate::templates::slash_path;

/// The checksum file, checkable with `sha256sum -c` from the output folder.
pub const CHECKSUMS: &str = "SHA256SUMS";

/// One published file: its SHA-256 and its path relative to the output folder.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Published {
    pub sha256: String,
    pub path: String,
}

/// What a build records about a document it published.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Stamp {
    /// The digest of everything the outputs were made from.
    pub inputs: String,
    pub published: Vec<Published>,
    pub entry: Entry,
    /// The warnings and waived findings of the build that made the outputs.
    pub findings: Vec<StoredFinding>,
}

/// A finding as a stamp keeps it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StoredFinding {
    pub line: u32,
    pub column: u32,
    pub severity: Severity,
    pub code: String,
    pub message: String,
    pub hint: Option<String>,
    /// Set when the data file waived it.
    pub why: Option<String>,
}

/// The outputs of one document.
pub struct Outputs {
    out: PathBuf,
    relative: PathBuf,
    stamp: PathBuf,
}

/// The three files of a document, by extension: PDF, HTML, JSON.
const EXTENSIONS: [&str; 3] = ["pdf", "html", "json"];

impl Outputs {
    pub fn new(out: &Path, relative: &Path) -> Self {
        Self {
            out: out.to_owned(),
            relative: relative.to_owned(),
            stamp: out.join(".stamps").join(relative.with_extension("json")),
        }
    }

    /// A document's output path relative to the output folder, with `/`.
    pub fn href(&self, extension: &str) -> String {
        slash_path(&self.relative.with_extension(extension))
    }

    fn path(&self, extension: &str) -> PathBuf {
        self.out.join(self.relative.with_extension(extension))
    }

    /// The stamp of the last build that published the document, if its
    /// outputs are all there.
    pub fn stamp(&self) -> Option<Stamp> {
        let stamp: Stamp = serde_json::from_slice(&std::fs::read(&self.stamp).ok()?).ok()?;
        EXTENSIONS
            .iter()
            .all(|e| self.path(e).is_file())
            .then_some(stamp)
    }

    /// Writes the outputs, then the stamp that vouches for them.
    pub fn write(&self, files: [&[u8]; 3], mut stamp: Stamp) -> std::io::Result<Stamp> {
        stamp.published.clear();
        for (extension, bytes) in EXTENSIONS.into_iter().zip(files) {
            write_atomic(&self.path(extension), bytes)?;
            stamp.published.push(Published {
                sha256: sha256_hex(bytes),
                path: self.href(extension),
            });
        }
        let json = serde_json::to_vec_pretty(&stamp).map_err(std::io::Error::other)?;
        write_atomic(&self.stamp, &json)?;
        Ok(stamp)
    }
}

/// Writes `SHA256SUMS` for the published files, sorted by path.
pub fn write_checksums(out: &Path, mut published: Vec<Published>) -> std::io::Result<()> {
    published.sort_by(|a, b| a.path.cmp(&b.path));
    let text: String = published
        .iter()
        .map(|p| format!("{}  {}\n", p.sha256, p.path))
        .collect();
    write_atomic(&out.join(CHECKSUMS), text.as_bytes())
}

/// Writes `bytes` to a temporary file beside `path` and renames it into place.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let temporary = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&temporary, bytes)?;
    std::fs::rename(&temporary, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&temporary);
    })
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
