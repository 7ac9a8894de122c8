//! What a document writes under the output folder, written so that nothing
//! is ever half-written, and the checksums of everything published.

use std::path::{Path, PathBuf};

use super::plan::EXTENSIONS;
use super::stamps::{Published, Stamp, sha256_hex};
use super::state::State;
use crate::templates::slash_path;

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
    fn file(&self, extension: &str) -> String {
        slash_path(&self.relative.with_extension(extension))
    }

    /// The link to a document's output from the top of the output folder.
    pub fn href(&self, extension: &str) -> String {
        href(&self.relative.with_extension(extension))
    }

    fn path(&self, extension: &str) -> PathBuf {
        self.state
            .out()
            .join(self.relative.with_extension(extension))
    }

    /// Writes the outputs, then the stamp that vouches for them. Every
    /// file is written in full beside the folder before any is renamed into
    /// place, so a write that fails (a full disk, a read-only folder) leaves
    /// the previous outputs and their stamp exactly as they were; a build
    /// killed between two renames leaves a stamp that no longer verifies,
    /// and the document is built again.
    pub fn write(&self, files: [&[u8]; 3], mut stamp: Stamp) -> std::io::Result<Stamp> {
        stamp.published.clear();
        let mut staged = Vec::with_capacity(files.len());
        for (extension, bytes) in EXTENSIONS.into_iter().zip(files) {
            staged.push((self.state.stage(bytes)?, self.path(extension)));
            stamp.published.push(Published {
                sha256: sha256_hex(bytes),
                path: self.file(extension),
            });
        }
        let json = serde_json::to_vec_pretty(&stamp).map_err(std::io::Error::other)?;
        let stamp_file = self.state.stage(&json)?;
        for (temporary, path) in staged {
            self.state.place(temporary, &path)?;
        }
        self.state
            .place(stamp_file, &self.state.stamp_path(&self.relative))?;
        Ok(stamp)
    }
}

/// A relative path as a link: each segment percent-encoded but for the
/// characters a URL path keeps as they are (and the hanzi, which browsers
/// show and send as UTF-8), so that a file name holding `#`, `?`, `%` or
/// `name:` never becomes a fragment, a query or a scheme.
pub fn href(path: &Path) -> String {
    path.components()
        .map(|c| encode_segment(&c.as_os_str().to_string_lossy()))
        .collect::<Vec<_>>()
        .join("/")
}

fn encode_segment(segment: &str) -> String {
    let mut encoded = String::with_capacity(segment.len());
    for c in segment.chars() {
        if !c.is_ascii() || c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=@".contains(c) {
            encoded.push(c);
        } else {
            encoded.push_str(&format!("%{:02X}", c as u32));
        }
    }
    encoded
}

/// The text of `SHA256SUMS` for the published files, sorted by path. A
/// path with a backslash is escaped as GNU `sha256sum` writes it (the line
/// starts with `\\`); data files whose names hold a line break or other
/// control character are refused before they are built.
pub fn checksums(mut published: Vec<Published>) -> String {
    published.sort_by(|a, b| a.path.cmp(&b.path));
    published
        .iter()
        .map(|p| {
            if p.path.contains('\\') {
                format!("\\{}  {}\n", p.sha256, p.path.replace('\\', "\\\\"))
            } else {
                format!("{}  {}\n", p.sha256, p.path)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_name_becomes_a_link_that_names_it_and_nothing_else() {
        let link = |p: &str| href(Path::new(p));
        assert_eq!(link("2022/东莞.pdf"), "2022/东莞.pdf");
        assert_eq!(
            link("2023/javascript:alert(document.domain).pdf"),
            "2023/javascript%3Aalert(document.domain).pdf"
        );
        assert_eq!(link("a#b?c%25 d.html"), "a%23b%3Fc%2525%20d.html");
        assert_eq!(link("x\"y<z>.pdf"), "x%22y%3Cz%3E.pdf");
    }

    #[test]
    fn a_checksum_line_names_its_file_as_sha256sum_reads_it() {
        let line = |path: &str| {
            checksums(vec![Published {
                sha256: "ab".to_owned(),
                path: path.to_owned(),
            }])
        };
        assert_eq!(line("2022/a b.pdf"), "ab  2022/a b.pdf\n");
        assert_eq!(line("东莞 (2022).html"), "ab  东莞 (2022).html\n");
        assert_eq!(line("2022/a\\b.pdf"), "\\ab  2022/a\\\\b.pdf\n");
    }
}
