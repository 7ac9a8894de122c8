//! The Typst world of one document: its `main.typ`, the template files and
//! the fonts, and nothing else.
//!
//! Every document of a run uses the same file ids (`/main.typ`, `/lib/…`,
//! `/fonts.json`): ids are a global 16-bit interner that never frees, and
//! identical ids and texts let Typst's memoization reuse the shared styling
//! across documents.

use std::collections::HashMap;

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, World};

use super::fonts::Fonts;

/// The virtual path of the rendered document.
pub const MAIN: &str = "/main.typ";
/// The virtual path of the chosen font families.
pub const FONTS_JSON: &str = "/fonts.json";

/// A file served to Typst, parsed once if it is Typst source.
pub(super) struct Served {
    pub bytes: Bytes,
    pub source: Option<Source>,
}

/// What all documents of a run share.
pub(super) struct Shared {
    /// The library for PDF and the one for HTML (see `typeset::library`).
    pub paged: LazyHash<Library>,
    pub web: LazyHash<Library>,
    pub fonts: Fonts,
    pub files: HashMap<FileId, Served>,
    pub main: FileId,
}

/// The world of one document.
pub(super) struct DocWorld<'a> {
    pub shared: &'a Shared,
    pub library: &'a LazyHash<Library>,
    pub main: Source,
}

/// The file id of a virtual project path such as `/lib/gov.typ`.
pub(super) fn file_id(path: &str) -> Option<FileId> {
    let vpath = VirtualPath::new(path).ok()?;
    Some(RootedPath::new(VirtualRoot::Project, vpath).intern())
}

impl Served {
    pub fn new(id: FileId, bytes: Vec<u8>, is_source: bool) -> Self {
        let source =
            is_source.then(|| Source::new(id, String::from_utf8_lossy(&bytes).into_owned()));
        Self {
            bytes: Bytes::new(bytes),
            source,
        }
    }
}

impl World for DocWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        self.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        self.shared.fonts.book()
    }

    fn main(&self) -> FileId {
        self.shared.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.shared.main {
            return Ok(self.main.clone());
        }
        match self.served(id)?.source.clone() {
            Some(source) => Ok(source),
            None => Err(FileError::NotSource),
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.shared.main {
            return Ok(Bytes::from_string(self.main.clone()));
        }
        Ok(self.served(id)?.bytes.clone())
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.shared.fonts.font(index)
    }

    /// Documents never read the clock: the same data gives the same bytes.
    fn today(&self, _: Option<Duration>) -> Option<Datetime> {
        None
    }
}

impl DocWorld<'_> {
    fn served(&self, id: FileId) -> FileResult<&Served> {
        if id.root() != &VirtualRoot::Project {
            return Err(FileError::Other(Some(
                "packages are not available: a form may use only its own files and those under templates/lib"
                    .into(),
            )));
        }
        self.shared
            .files
            .get(&id)
            .ok_or_else(|| FileError::NotFound(id.vpath().get_with_slash().into()))
    }
}
