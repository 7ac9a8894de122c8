//! `--emit-typst` writes, per document, a folder that compiles on its own
//! (as `typst compile --root F F/main.typ` would) to the very PDF jixiao wrote.

use crate::common::folder_world::cli_pdf;
use crate::common::*;

#[test]
fn emitted_folders_compile_on_their_own_to_the_same_pdf() {
    let compared = compare_folders(built());
    assert!(
        compared >= 6,
        "only {compared} emitted folders found: one per form expected"
    );
}

/// Compiles every emitted folder and compares it with the published PDF.
fn compare_folders(built: &Built) -> usize {
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
    compared
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
