//! What a form's documents are made from besides their data, as one digest
//! per form: the tool, the fonts, the shared template files and the form's
//! own. A build trusts an output, and `check` a proved form, only while
//! its form's digest is unchanged.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::templates::TemplateStore;

/// The binary's identity, which changes with its code (see `build.rs`):
/// what another build of the same version number made is not trusted.
pub const TOOL: &str = env!("JIXIAO_BUILD_ID");

/// The digest of each form's inputs, computed once per run.
pub struct FormDigests {
    forms: BTreeMap<String, Vec<u8>>,
    /// Shared by every form, for a form that does not exist.
    base: Vec<u8>,
}

impl FormDigests {
    pub fn new(tool: &str, store: &TemplateStore, font_identity: &[u8]) -> Self {
        let mut base = Sha256::new();
        field(&mut base, tool.as_bytes());
        field(&mut base, font_identity);
        for (path, file) in store.files().filter(|(p, _)| !p.starts_with("forms/")) {
            field(&mut base, path.as_bytes());
            field(&mut base, &file.bytes);
        }
        let base = base.finalize().to_vec();
        let forms = store
            .forms()
            .into_iter()
            .map(|form| {
                let mut digest = Sha256::new();
                field(&mut digest, &base);
                let folder = format!("forms/{form}/");
                for (path, file) in store.files().filter(|(p, _)| p.starts_with(&folder)) {
                    field(&mut digest, path.as_bytes());
                    field(&mut digest, &file.bytes);
                }
                (form.to_owned(), digest.finalize().to_vec())
            })
            .collect();
        Self { forms, base }
    }

    /// The form's digest: the shared one for a form that does not exist.
    pub fn of(&self, form: &str) -> &[u8] {
        self.forms.get(form).unwrap_or(&self.base)
    }
}

/// Adds a length-prefixed field, so that no two lists of fields digest alike.
pub fn field(digest: &mut Sha256, bytes: &[u8]) {
    digest.update((bytes.len() as u64).to_le_bytes());
    digest.update(bytes);
}

/// Bytes as lower-case hexadecimal, as `sha256sum` writes a digest.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
