//! What the typst CLI gives a document compiled as `typst compile --root F
//! F/main.typ`: the files under the root and the system fonts, nothing else.

use std::path::{Path, PathBuf};

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
            .with_features([Feature::Html, Feature::A11yExtras].into_iter().collect())
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

/// What `typst compile --pdf-standard a-2b,ua-1` does.
pub fn cli_pdf(folder: &Path) -> Vec<u8> {
    let world = FolderWorld::new(folder);
    let result = typst::compile::<PagedDocument>(&world);
    let document = result
        .output
        .unwrap_or_else(|e| panic!("{} does not compile: {e:?}", folder.display()));
    let standards =
        typst_pdf::PdfStandards::new(&[typst_pdf::PdfStandard::A_2b, typst_pdf::PdfStandard::Ua_1])
            .unwrap();
    let options = typst_pdf::PdfOptions {
        ident: Smart::Auto,
        creator: Smart::Auto,
        timestamp: None,
        page_ranges: None,
        standards,
        tagged: true,
        pretty: false,
    };
    typst_pdf::pdf(&document, &options).unwrap()
}
