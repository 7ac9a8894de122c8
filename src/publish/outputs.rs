//! What a document writes under the output folder, written so that nothing
//! is ever half-written, and the checksums of everything published.
//!
//! Next to its outputs each document keeps a stamp: the digest of all its
//! inputs, then the SHA-256 of each output. An unchanged digest means the
//! outputs are up to date; the recorded hashes make `SHA256SUMS` without
//! reading the outputs again.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The checksum file, checkable with `sha256sum -c` from the output folder.
pub const CHECKSUMS: &str = "SHA256SUMS";

/// One published file: its SHA-256 and its path relative to the output folder.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Published {
    pub sha256: String,
    pub path: String,
}

/// The outputs of one document.
pub struct Outputs {
    out: PathBuf,
    relative: PathBuf,
    stamp: PathBuf,
}

/// The three files of a document, by extension.
const EXTENSIONS: [&str; 3] = ["pdf", "html", "json"];

impl Outputs {
    pub fn new(out: &Path, relative: &Path) -> Self {
        Self {
            out: out.to_owned(),
            relative: relative.to_owned(),
            stamp: out.join(".stamps").join(relative.with_extension("sha256")),
        }
    }

    /// A document's output path relative to the output folder, with `/`.
    pub fn href(&self, extension: &str) -> String {
        slash(&self.relative.with_extension(extension))
    }

    fn path(&self, extension: &str) -> PathBuf {
        self.out.join(self.relative.with_extension(extension))
    }

    /// The published files as the stamp records them, if it is complete and
    /// the files are there.
    pub fn published(&self) -> Option<(String, Vec<Published>)> {
        let stamp = std::fs::read_to_string(&self.stamp).ok()?;
        let mut lines = stamp.lines();
        let digest = lines.next()?.to_owned();
        let published: Vec<Published> = lines
            .filter_map(|line| line.split_once("  "))
            .map(|(sha256, path)| Published {
                sha256: sha256.to_owned(),
                path: path.to_owned(),
            })
            .collect();
        let complete = published.len() == EXTENSIONS.len()
            && EXTENSIONS.iter().all(|e| self.path(e).is_file());
        complete.then_some((digest, published))
    }

    /// The published files, if the outputs were made from inputs with this digest.
    pub fn up_to_date(&self, digest: &str) -> Option<Vec<Published>> {
        self.published()
            .filter(|(d, _)| d == digest)
            .map(|(_, published)| published)
    }

    /// Writes the outputs, then the stamp that vouches for them.
    pub fn write(
        &self,
        pdf: &[u8],
        html: &[u8],
        json: &[u8],
        digest: &str,
    ) -> std::io::Result<Vec<Published>> {
        let mut published = Vec::new();
        for (extension, bytes) in EXTENSIONS.into_iter().zip([pdf, html, json]) {
            write_atomic(&self.path(extension), bytes)?;
            published.push(Published {
                sha256: sha256_hex(bytes),
                path: self.href(extension),
            });
        }
        let lines: Vec<String> = published
            .iter()
            .map(|p| format!("{}  {}", p.sha256, p.path))
            .collect();
        write_atomic(
            &self.stamp,
            format!("{digest}\n{}\n", lines.join("\n")).as_bytes(),
        )?;
        Ok(published)
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

fn slash(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}
