//! Fonts: found once per run, chosen by role, shared by all documents.
//!
//! An official document names its faces by role (title in 小标宋, body in
//! 仿宋, headings in 黑体, 楷体 for emphasis). `templates/fonts.yaml` lists,
//! for each role, the families to use in order of preference: the office's
//! own fonts first, open fallbacks last. Only the families actually installed
//! are handed to Typst, so an office with 方正小标宋 gets it and a fresh
//! machine gets Noto, and Typst never sees an unknown family.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use crate::diag::Quote;
use serde::{Deserialize, Serialize};
use typst::foundations::Bytes;
use typst::text::{Font, FontBook, FontInfo};
use typst::utils::LazyHash;
use typst_kit::fonts::{FontPath, FontSource, FontStore};

/// Font roles and their candidate families, as `templates/fonts.yaml` writes them.
pub type RoleCandidates = BTreeMap<String, Vec<String>>;

/// A font face found on the system or in a font folder: its file, its
/// index in a collection, and what Typst needs to know of it before
/// loading it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Face {
    pub path: PathBuf,
    pub index: u32,
    pub info: FontInfo,
}

/// The font faces of the system and of the folders `dirs`.
pub fn scan(dirs: &[PathBuf]) -> Vec<Face> {
    let mut found: Vec<(FontPath, FontInfo)> = typst_kit::fonts::system().collect();
    for dir in dirs.iter().filter(|d| d.is_dir()) {
        found.extend(typst_kit::fonts::scan(dir));
    }
    found
        .into_iter()
        .map(|(path, info)| Face {
            path: path.path,
            index: path.index,
            info,
        })
        .collect()
}

/// A role none of whose families is installed.
#[derive(Debug, thiserror::Error)]
#[error("no font is installed for the role {}: install one of {}", Quote(.role), .candidates.join(", "))]
pub struct MissingRole {
    pub role: String,
    pub candidates: Vec<String>,
}

/// The fonts of a run and the families chosen for each role.
pub struct Fonts {
    store: FontStore,
    /// For each role, the installed candidate families in order of preference.
    pub roles: BTreeMap<String, Vec<String>>,
    /// The chosen families' files, each with its size and modification
    /// time, and the roles: what decides how documents look.
    pub identity: Vec<u8>,
}

impl Fonts {
    /// Finds the system's fonts and those under `dirs`, and chooses a family
    /// list for every role.
    pub fn discover(dirs: &[PathBuf], candidates: &RoleCandidates) -> Result<Self, MissingRole> {
        Self::of_faces(&scan(dirs), candidates)
    }

    /// The fonts of faces already found: a worker is handed its parent's,
    /// which spares it scanning every font file of the system again (most
    /// of a worker's start-up).
    pub fn of_faces(faces: &[Face], candidates: &RoleCandidates) -> Result<Self, MissingRole> {
        let mut store = FontStore::new();
        let files: Vec<PathBuf> = faces.iter().map(|face| face.path.clone()).collect();
        let families: Vec<String> = faces.iter().map(|face| face.info.family.clone()).collect();
        store.extend(share_files(faces));
        let roles = choose(store.book(), candidates)?;
        let identity = identity(&roles, &files, &families);
        Ok(Self {
            store,
            roles,
            identity,
        })
    }

    pub fn book(&self) -> &LazyHash<FontBook> {
        self.store.book()
    }

    pub fn font(&self, index: usize) -> Option<Font> {
        self.store.font(index)
    }

    /// The chosen families as the JSON the shared Typst styles read.
    pub fn roles_json(&self) -> String {
        serde_json::to_string_pretty(&self.roles).unwrap_or_default()
    }
}

/// Which characters some installed font can draw, asked per character and
/// remembered. Typst falls back to any font that has a character, so a
/// character none has prints as a blank box; `check` holds every printed
/// value to this, so that it is found at its line before `build` lays out
/// a page.
pub struct Coverage {
    fonts: Vec<typst::text::Coverage>,
    known: std::sync::RwLock<std::collections::HashMap<char, bool>>,
}

impl Coverage {
    pub fn of(fonts: &Fonts) -> Self {
        let book = fonts.book();
        let fonts = (0..)
            .map_while(|index| book.info(index))
            .map(|info| info.coverage.clone())
            .collect();
        Self {
            fonts,
            known: Default::default(),
        }
    }

    pub fn has(&self, c: char) -> bool {
        if let Some(&known) = self
            .known
            .read()
            .ok()
            .and_then(|k| k.get(&c).copied())
            .as_ref()
        {
            return known;
        }
        let has = self.fonts.iter().any(|f| f.contains(c as u32));
        if let Ok(mut known) = self.known.write() {
            known.insert(c, has);
        }
        has
    }
}

fn identity(
    roles: &BTreeMap<String, Vec<String>>,
    files: &[PathBuf],
    families: &[String],
) -> Vec<u8> {
    let chosen: std::collections::BTreeSet<String> =
        roles.values().flatten().map(|f| f.to_lowercase()).collect();
    let mut used: Vec<&PathBuf> = files
        .iter()
        .zip(families)
        .filter(|(_, family)| chosen.contains(&family.to_lowercase()))
        .map(|(file, _)| file)
        .collect();
    used.sort();
    used.dedup();
    let mut identity = serde_json::to_vec(roles).unwrap_or_default();
    for file in used {
        let line = format!("\n{}\t{}", file.display(), file_identity(file));
        identity.extend_from_slice(line.as_bytes());
    }
    identity
}

/// What tells one version of a font file from another without reading it:
/// besides its size and modification time, which a copy can keep (`cp -p`,
/// `touch -r`), its inode and its change time, which the system sets on
/// every write and rename and no program can set back.
fn file_identity(file: &Path) -> String {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(file).map_or_else(
        |_| "missing".to_owned(),
        |m| {
            format!(
                "{} {}:{} {}.{} {}.{}",
                m.len(),
                m.dev(),
                m.ino(),
                m.mtime(),
                m.mtime_nsec(),
                m.ctime(),
                m.ctime_nsec()
            )
        },
    )
}

fn choose(
    book: &FontBook,
    candidates: &RoleCandidates,
) -> Result<BTreeMap<String, Vec<String>>, MissingRole> {
    candidates
        .iter()
        .map(|(role, families)| {
            let installed: Vec<String> = families
                .iter()
                .filter(|f| book.contains_family(&f.to_lowercase()))
                .cloned()
                .collect();
            if installed.is_empty() {
                return Err(MissingRole {
                    role: role.clone(),
                    candidates: families.clone(),
                });
            }
            Ok((role.clone(), installed))
        })
        .collect()
}

/// Replaces per-face file paths with sources that read each file once.
///
/// A CJK collection (`.ttc`) holds a dozen faces in 20–30 MB; loading each
/// face used with its own read would hold several copies of the file.
fn share_files(faces: &[Face]) -> Vec<(SharedFace, FontInfo)> {
    let mut files: HashMap<PathBuf, Arc<FontFile>> = HashMap::new();
    faces
        .iter()
        .map(|face| {
            let file = files
                .entry(face.path.clone())
                .or_insert_with(|| {
                    Arc::new(FontFile {
                        path: face.path.clone(),
                        data: OnceLock::new(),
                    })
                })
                .clone();
            (
                SharedFace {
                    file,
                    index: face.index,
                },
                face.info.clone(),
            )
        })
        .collect()
}

struct FontFile {
    path: PathBuf,
    data: OnceLock<Option<Bytes>>,
}

impl FontFile {
    fn bytes(&self) -> Option<Bytes> {
        self.data.get_or_init(|| read(&self.path)).clone()
    }
}

fn read(path: &Path) -> Option<Bytes> {
    std::fs::read(path).ok().map(Bytes::new)
}

/// One face of a font file that is read at most once.
struct SharedFace {
    file: Arc<FontFile>,
    index: u32,
}

impl FontSource for SharedFace {
    fn load(&self) -> Option<Font> {
        Font::new(self.file.bytes()?, self.index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A worker is handed the faces its parent found, as JSON: the fonts
    /// it makes of them must be the parent's, or the two would disagree on
    /// which characters print and which outputs are up to date.
    #[test]
    fn faces_handed_to_a_worker_make_the_same_fonts() {
        let store = crate::templates::TemplateStore::built_in();
        let roles: RoleCandidates =
            serde_saphyr::from_slice(&store.get(crate::typeset::FONT_ROLES).unwrap().bytes)
                .unwrap();
        let faces = scan(&[]);
        let found = Fonts::of_faces(&faces, &roles).unwrap();
        let json = serde_json::to_vec(&faces).unwrap();
        let handed: Vec<Face> = serde_json::from_slice(&json).unwrap();
        let handed = Fonts::of_faces(&handed, &roles).unwrap();
        assert_eq!(
            (&handed.roles, &handed.identity),
            (&found.roles, &found.identity)
        );
        let infos = |fonts: &Fonts| {
            (0..)
                .map_while(|i| fonts.book().info(i).cloned())
                .collect::<Vec<_>>()
        };
        assert!(!infos(&found).is_empty());
        assert_eq!(infos(&handed), infos(&found));
    }

    #[test]
    fn a_font_rewritten_with_its_size_and_time_kept_is_another_font() {
        let dir = std::env::temp_dir().join(format!("jixiao-font-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let font = dir.join("office.ttf");
        std::fs::write(&font, b"first outlines").unwrap();
        let modified = std::fs::metadata(&font).unwrap().modified().unwrap();
        let before = file_identity(&font);
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(&font, b"other outlines").unwrap();
        std::fs::File::options()
            .write(true)
            .open(&font)
            .unwrap()
            .set_modified(modified)
            .unwrap();
        assert_eq!(
            std::fs::metadata(&font).unwrap().modified().unwrap(),
            modified
        );
        assert_ne!(file_identity(&font), before);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
