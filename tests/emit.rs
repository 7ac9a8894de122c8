//! `--emit-typst` writes, per document, a folder that compiles on its own
//! (as `typst compile --root F F/main.typ` would) to the very PDF jixiao wrote.
//!
//! The world below is what the typst CLI gives a document: the files under
//! the root and the system fonts, nothing else.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration, Smart};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Feature, Library, LibraryExt, World};
use typst_kit::fonts::FontStore;
use typst_layout::PagedDocument;

struct FolderWorld {
    root: PathBuf,
    main: FileId,
    library: LazyHash<Library>,
    fonts: FontStore,
}

impl FolderWorld {
    fn new(root: &Path) -> Self {
        let mut fonts = FontStore::new();
        fonts.extend(typst_kit::fonts::system());
        let main =
            RootedPath::new(VirtualRoot::Project, VirtualPath::new("/main.typ").unwrap()).intern();
        let library = Library::builder()
            .with_features([Feature::Html].into_iter().collect())
            .build();
        Self {
            root: root.to_owned(),
            main,
            library: LazyHash::new(library),
            fonts,
        }
    }

    fn read(&self, id: FileId) -> FileResult<Vec<u8>> {
        let path = id
            .vpath()
            .realize(&self.root)
            .map_err(|_| FileError::AccessDenied)?;
        std::fs::read(&path).map_err(|_| FileError::NotFound(path))
    }
}

impl World for FolderWorld {
    fn library(&self) -> &LazyHash<Library> {
        &self.library
    }
    fn book(&self) -> &LazyHash<FontBook> {
        self.fonts.book()
    }
    fn main(&self) -> FileId {
        self.main
    }
    fn source(&self, id: FileId) -> FileResult<Source> {
        let text = String::from_utf8(self.read(id)?).map_err(|_| FileError::InvalidUtf8)?;
        Ok(Source::new(id, text))
    }
    fn file(&self, id: FileId) -> FileResult<Bytes> {
        self.read(id).map(Bytes::new)
    }
    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.font(index)
    }
    fn today(&self, _: Option<Duration>) -> Option<Datetime> {
        None
    }
}

/// What the typst CLI does by default.
fn cli_pdf(folder: &Path) -> Vec<u8> {
    let world = FolderWorld::new(folder);
    let result = typst::compile::<PagedDocument>(&world);
    let document = result
        .output
        .unwrap_or_else(|e| panic!("{} does not compile: {e:?}", folder.display()));
    let options = typst_pdf::PdfOptions {
        ident: Smart::Auto,
        creator: Smart::Auto,
        timestamp: None,
        page_ranges: None,
        standards: Default::default(),
        tagged: true,
        pretty: false,
    };
    typst_pdf::pdf(&document, &options).unwrap()
}

#[test]
fn emitted_folders_compile_on_their_own_to_the_same_pdf() {
    let built = built();
    let mut compared = 0;
    for entry in walkdir::WalkDir::new(&built.typst) {
        let entry = entry.unwrap();
        if entry.file_name() != "main.typ" {
            continue;
        }
        let folder = entry.path().parent().unwrap();
        let relative = folder.strip_prefix(&built.typst).unwrap();
        let published = std::fs::read(built.out.join(relative).with_extension("pdf")).unwrap();
        assert!(
            cli_pdf(folder) == published,
            "{} gives a different PDF",
            folder.display()
        );
        compared += 1;
    }
    assert!(compared >= 1, "no emitted folder found");
}

#[test]
fn an_emitted_folder_holds_only_what_the_document_needs() {
    let folder = built().typst.join("2022/dongguan-rd");
    for needed in ["main.typ", "lib/gov.typ", "lib/web.css", "fonts.json"] {
        assert!(folder.join(needed).is_file(), "{needed} missing");
    }
    assert!(!folder.join("fonts.yaml").exists());
    assert!(
        !walkdir::WalkDir::new(&folder).into_iter().any(|e| e
            .unwrap()
            .path()
            .extension()
            .is_some_and(|x| x == "j2"))
    );
}
