//! The forms and shared Typst/CSS files, built in and overridable.
//!
//! Like mdBook's theme folder: the binary carries the project's `templates/`
//! as it was when built, and a `templates/` folder next to the data replaces
//! any of those files or adds new ones. Adding a region's form is adding a
//! folder `forms/<name>/` with a `main.typ.j2`; no Rust changes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};
use walkdir::WalkDir;

static BUILT_IN: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/templates");

/// The file a form's folder must hold: rendered with the document's data, it
/// becomes the Typst source `main.typ`.
pub const FORM_ENTRY: &str = "main.typ.j2";

/// One template file and where it came from, for messages.
#[derive(Clone, Debug)]
pub struct TemplateFile {
    pub bytes: Vec<u8>,
    /// Shown in messages: `templates/...` for overrides, `built-in:...` otherwise.
    pub origin: PathBuf,
    /// Embedded in the binary, not read from a templates folder.
    pub built_in: bool,
}

/// How the origin of a built-in file begins.
const BUILT_IN_ORIGIN: &str = "built-in:";

/// All template files by their path relative to the templates root
/// (`forms/dongguan-rd/main.typ.j2`, `lib/gov.typ`), always with `/`.
#[derive(Clone, Debug, Default)]
pub struct TemplateStore {
    files: BTreeMap<String, TemplateFile>,
}

impl TemplateStore {
    /// The built-in files, overridden by those under `dir` when it exists.
    pub fn load(dir: Option<&Path>) -> std::io::Result<Self> {
        let mut store = Self::built_in();
        if let Some(dir) = dir.filter(|d| d.is_dir()) {
            store.overlay(dir)?;
        }
        Ok(store)
    }

    pub fn built_in() -> Self {
        let mut files = BTreeMap::new();
        collect_embedded(&BUILT_IN, &mut files);
        Self { files }
    }

    fn overlay(&mut self, dir: &Path) -> std::io::Result<()> {
        for entry in WalkDir::new(dir).follow_links(false).sort_by_file_name() {
            let entry = entry.map_err(std::io::Error::other)?;
            if !entry.file_type().is_file() {
                continue;
            }
            let Ok(relative) = entry.path().strip_prefix(dir) else {
                continue;
            };
            let key = slash_path(relative);
            let bytes = std::fs::read(entry.path())?;
            // A copy of a built-in file changes nothing, and is not an override.
            if self.files.get(&key).is_some_and(|f| f.bytes == bytes) {
                continue;
            }
            self.files.insert(
                key,
                TemplateFile {
                    bytes,
                    origin: entry.path().to_owned(),
                    built_in: false,
                },
            );
        }
        Ok(())
    }

    pub fn get(&self, path: &str) -> Option<&TemplateFile> {
        self.files.get(path)
    }

    /// Every file, by path.
    pub fn files(&self) -> impl Iterator<Item = (&str, &TemplateFile)> {
        self.files.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The names of the forms available.
    pub fn forms(&self) -> Vec<&str> {
        self.files
            .keys()
            .filter_map(|k| {
                k.strip_prefix("forms/")?
                    .strip_suffix(&format!("/{FORM_ENTRY}"))
            })
            .filter(|name| !name.contains('/'))
            .collect()
    }

    /// The template that renders a form's `main.typ`.
    pub fn form_entry(form: &str) -> String {
        format!("forms/{form}/{FORM_ENTRY}")
    }
}

fn collect_embedded(dir: &Dir<'static>, files: &mut BTreeMap<String, TemplateFile>) {
    for file in dir.files() {
        let key = slash_path(file.path());
        let origin = PathBuf::from(format!("{BUILT_IN_ORIGIN}templates/{key}"));
        files.insert(
            key,
            TemplateFile {
                bytes: file.contents().to_vec(),
                origin,
                built_in: true,
            },
        );
    }
    for sub in dir.dirs() {
        collect_embedded(sub, files);
    }
}

/// A relative path with `/` between its parts, on any platform.
pub(crate) fn slash_path(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_forms_are_embedded() {
        let store = TemplateStore::built_in();
        assert!(store.forms().contains(&"dongguan-rd"));
        assert!(store.get("lib/gov.typ").is_some());
    }

    #[test]
    fn a_folder_overrides_and_adds_files() {
        let dir = std::env::temp_dir().join(format!("jixiao-templates-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("forms/extra")).unwrap();
        std::fs::write(dir.join("forms/extra/main.typ.j2"), "= x").unwrap();
        std::fs::create_dir_all(dir.join("lib")).unwrap();
        std::fs::write(dir.join("lib/gov.typ"), "// mine").unwrap();
        let store = TemplateStore::load(Some(&dir)).unwrap();
        assert!(store.forms().contains(&"extra"));
        assert!(store.forms().contains(&"dongguan-rd"));
        assert_eq!(store.get("lib/gov.typ").unwrap().bytes, b"// mine");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
