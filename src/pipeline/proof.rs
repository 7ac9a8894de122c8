//! A form proved before any document takes it. `check` renders and typesets
//! the form's [samples](crate::contract::samples), so that an error in its
//! template (an unknown function, a parenthesis left open, a branch only one
//! choice takes) is a finding at its template line, and not the failed
//! build of the one document that reaches it. A proved form is remembered
//! by its [digest](super::digest) in the user's cache folder, so `check`
//! typesets a form's samples once, until the form, the tool or the fonts
//! change.

use std::path::PathBuf;

use super::digest::{FormDigests, TOOL, hex};
use super::{Input, Session, setup_error};
use crate::codes::FORM_UNPROVED;
use crate::contract::{FORM_FILE, samples};
use crate::diag::{Diagnostic, Quote};
use crate::model::Loc;
use crate::render::Page;
use crate::typeset::Typesetter;
use crate::typeset::fonts::Fonts;

impl Session {
    /// What typesetting the samples of `forms` finds, for each form not
    /// proved before with these very inputs; `fonts` are the session's,
    /// found once (see [`Session::find_fonts`]).
    pub fn prove(&self, forms: &[String], fonts: Fonts) -> Vec<Diagnostic> {
        let digests = FormDigests::new(TOOL, &self.store, &fonts.identity);
        let cache = cache_folder();
        let unproved: Vec<&String> = forms
            .iter()
            .filter(|form| !is_proved(cache.as_ref(), digests.of(form)))
            .collect();
        if unproved.is_empty() {
            return Vec::new();
        }
        let typesetter = match Typesetter::with_fonts(&self.setup, fonts) {
            Ok(typesetter) => typesetter,
            Err(error) => return vec![setup_error(&self.store, &error)],
        };
        let mut found = Vec::new();
        for form in unproved {
            let failed = self.prove_form(form, &typesetter);
            if failed.is_empty() {
                remember(cache.as_ref(), digests.of(form));
            }
            found.extend(failed);
        }
        found
    }

    /// The findings of typesetting each sample of `form`, each said once.
    fn prove_form(&self, form: &str, typesetter: &Typesetter) -> Vec<Diagnostic> {
        let Some(contract) = self.forms.get(form) else {
            return Vec::new();
        };
        let page = Page {
            date: "2023-01-01".to_owned(),
            index: "index.html".to_owned(),
            pdf: "sample.pdf".to_owned(),
        };
        let mut found: Vec<Diagnostic> = Vec::new();
        for sample in samples(contract) {
            let path = PathBuf::from(format!("{form}: sample with {}", sample.name));
            let loaded = match self.load(Input::from_bytes(&path, sample.yaml.into_bytes())) {
                Ok(loaded) => loaded,
                Err(refused) => {
                    found.push(self.unproved(form, &sample.name, &refused));
                    continue;
                }
            };
            let built = self.render(&loaded, &page).and_then(|main| {
                self.typeset(&loaded, &page, &main, |main| typesetter.typeset(main))
                    .map(drop)
            });
            for failure in built.err().into_iter().flatten() {
                if !found.contains(&failure) {
                    found.push(failure);
                }
            }
        }
        found
    }

    /// A sample of `form` its own contract refuses: the template goes
    /// unproved on documents like it, which is said, not passed over.
    fn unproved(&self, form: &str, sample: &str, refused: &[Diagnostic]) -> Diagnostic {
        let own = format!("forms/{form}/{FORM_FILE}");
        let file = self
            .store
            .get(&own)
            .map_or_else(|| PathBuf::from(&own), |file| file.origin.clone());
        let why = refused.first().map_or_else(String::new, |first| {
            format!(
                " ({} at {}:{}: {})",
                first.code, first.loc.line, first.loc.column, first.message
            )
        });
        Diagnostic::new(
            FORM_UNPROVED,
            &file,
            Loc::default(),
            format!(
                "the sample with {sample} that jixiao makes from the form {} does not load{why}, so its template is not typeset on it, and `check` cannot promise that `build` succeeds on a document like it",
                Quote(form)
            ),
        )
        .with_hint("a field required on a condition (`required_when`) that no value of the sample meets is the likely cause; if form.yaml is right, this is jixiao's mistake: report it with the form.yaml")
    }
}

/// Where proved forms are remembered: `$XDG_CACHE_HOME/jixiao/proved`, or
/// `~/.cache/jixiao/proved`; none when neither is set.
fn cache_folder() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))?;
    Some(base.join("jixiao/proved"))
}

fn marker(cache: Option<&PathBuf>, digest: &[u8]) -> Option<PathBuf> {
    Some(cache?.join(hex(digest)))
}

fn is_proved(cache: Option<&PathBuf>, digest: &[u8]) -> bool {
    marker(cache, digest).is_some_and(|m| m.is_file())
}

/// Remembers a proved form; a cache that cannot be written only means the
/// form is proved again next time.
fn remember(cache: Option<&PathBuf>, digest: &[u8]) {
    if let (Some(folder), Some(marker)) = (cache, marker(cache, digest)) {
        let temporary = marker.with_extension(format!("{}.tmp", std::process::id()));
        let _ = std::fs::create_dir_all(folder)
            .and_then(|()| std::fs::write(&temporary, TOOL))
            .and_then(|()| std::fs::rename(&temporary, &marker));
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::codes::{MISSING_FIELD, Severity};
    use crate::templates::TemplateStore;

    #[test]
    fn a_sample_its_contract_refuses_is_a_warning_at_the_form_s_file() {
        let fixture =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/province-form/templates");
        let store = TemplateStore::load(Some(&fixture)).unwrap();
        let session = Session::with_store(Path::new(""), store, &[]).unwrap();
        let refusal = Diagnostic::new(
            MISSING_FIELD,
            Path::new("sample"),
            Loc { line: 7, column: 3 },
            "`projects[0].last_budget` is missing",
        );
        let found = session.unproved("province-fanben", "the required fields only", &[refusal]);
        assert_eq!(found.code, "form-unproved");
        assert_eq!(found.severity, Severity::Warning);
        assert_eq!(found.file, fixture.join("forms/province-fanben/form.yaml"));
        for says in [
            "the required fields only",
            "“province-fanben”",
            "missing-field at 7:3",
            "last_budget",
        ] {
            assert!(found.message.contains(says), "{says}: {}", found.message);
        }
    }
}
