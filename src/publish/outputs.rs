//! What a document writes under the output folder, written so that nothing
//! is ever half-written, and the checksums of everything published.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::freshness::Stamp;
use super::state::State;
use crate::templates::slash_path;

/// The checksum file, checkable with `sha256sum -c` from the output folder.
pub const CHECKSUMS: &str = "SHA256SUMS";

/// The site index, at the top of the output folder.
pub const INDEX: &str = "index.html";

/// One published file: its SHA-256 and its path relative to the output folder.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Published {
    pub sha256: String,
    pub path: String,
}

/// The three files of a document, by extension: PDF, HTML, JSON.
pub const EXTENSIONS: [&str; 3] = ["pdf", "html", "json"];

/// The outputs of one document.
pub struct Outputs<'s> {
    state: &'s State,
    relative: PathBuf,
}

impl<'s> Outputs<'s> {
    /// The outputs of the data file at `relative` (to the data folder).
    pub fn new(state: &'s State, relative: &Path) -> Self {
        Self {
            state,
            relative: relative.to_owned(),
        }
    }

    /// A document's output path relative to the output folder, with `/`.
    pub fn href(&self, extension: &str) -> String {
        slash_path(&self.relative.with_extension(extension))
    }

    fn path(&self, extension: &str) -> PathBuf {
        self.state
            .out()
            .join(self.relative.with_extension(extension))
    }

    /// Writes the outputs, then the stamp that vouches for them. The old
    /// stamp goes first: until the new one is written, nothing vouches.
    pub fn write(&self, files: [&[u8]; 3], mut stamp: Stamp) -> std::io::Result<Stamp> {
        remove_if_present(&self.state.stamp_path(&self.relative))?;
        stamp.published.clear();
        for (extension, bytes) in EXTENSIONS.into_iter().zip(files) {
            self.state.write_atomic(&self.path(extension), bytes)?;
            stamp.published.push(Published {
                sha256: sha256_hex(bytes),
                path: self.href(extension),
            });
        }
        let json = serde_json::to_vec_pretty(&stamp).map_err(std::io::Error::other)?;
        self.state
            .write_atomic(&self.state.stamp_path(&self.relative), &json)?;
        Ok(stamp)
    }
}

/// Removes the files a stamp lists and the stamp: the document is no longer
/// published.
pub fn unpublish(state: &State, stamp_path: &Path, published: &[Published]) -> std::io::Result<()> {
    for file in published {
        remove_if_present(&state.out().join(&file.path))?;
    }
    remove_if_present(stamp_path)
}

pub fn remove_if_present(path: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// The text of `SHA256SUMS` for the published files, sorted by path.
pub fn checksums(mut published: Vec<Published>) -> String {
    published.sort_by(|a, b| a.path.cmp(&b.path));
    published
        .iter()
        .map(|p| format!("{}  {}\n", p.sha256, p.path))
        .collect()
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
