//! Broken inputs (`tests/bad/`): each one gives a clear error at the right
//! place, as the snapshot records, and none panics or hangs.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use jixiao::check::{check, load_forms};
use jixiao::load::{MAX_FILE_BYTES, load_file};
use jixiao::templates::TemplateStore;

/// A hang guard, not a speed goal: the slowest broken input takes milliseconds.
const HANG: Duration = Duration::from_secs(1);

fn bad_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let large =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-scratch/bad/35-too-large.yaml");
    std::fs::create_dir_all(large.parent().unwrap()).unwrap();
    let filler = "# 注释\n".repeat(MAX_FILE_BYTES as usize / 8 + 1);
    std::fs::write(&large, format!("form: national\n{filler}")).unwrap();
    files.push(large);
    files
}

/// The findings for one file, one per line, without the folder.
fn findings(path: &Path) -> Vec<String> {
    let forms = load_forms(&TemplateStore::built_in()).unwrap();
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let diagnostics = match load_file(path, &forms) {
        Ok(parsed) => check(path, &parsed.document, &forms).diagnostics,
        Err(found) => found,
    };
    diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| {
            let hint = d
                .hint
                .as_deref()
                .map(|h| format!(" (hint: {h})"))
                .unwrap_or_default();
            format!(
                "{name}:{}: {}[{}]: {}{hint}",
                d.loc, d.severity, d.code, d.message
            )
        })
        .collect()
}

#[test]
fn every_broken_input_gets_a_located_error_quickly() {
    let files = bad_files();
    assert!(files.len() >= 30, "only {} broken inputs", files.len());
    let mut report = Vec::new();
    for file in &files {
        let started = Instant::now();
        let found = std::panic::catch_unwind(|| findings(file))
            .unwrap_or_else(|_| panic!("{} panics", file.display()));
        let took = started.elapsed();
        assert!(took < HANG, "{} took {took:?}", file.display());
        assert!(!found.is_empty(), "{} gives no error", file.display());
        assert!(
            found.iter().all(|f| !f.contains(":0:0:")),
            "{} has no location: {found:?}",
            file.display()
        );
        report.extend(found);
    }
    insta::assert_snapshot!(report.join("\n"));
}
