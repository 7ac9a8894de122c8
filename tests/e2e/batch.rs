//! Batch work: the synthetic corpus is valid data, and a rebuild skips what
//! has not changed.

use crate::common::*;

fn synth(name: &str, departments: &str, seed: &str) -> std::path::PathBuf {
    let dir = scratch(name);
    let run = jixiao(&[
        "synth",
        "--departments",
        departments,
        "--seed",
        seed,
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    dir
}

#[test]
fn the_synthetic_corpus_is_deterministic_and_passes_the_checks() {
    let one = synth("synth-one", "12", "3");
    let two = synth("synth-two", "12", "3");
    assert_eq!(files(&one), files(&two));
    assert_ne!(files(&one), files(&synth("synth-other", "12", "4")));
    let run = jixiao(&["check", "--data", one.to_str().unwrap(), "--format", "json"]);
    let findings: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(findings.as_array().unwrap().len(), 0, "{findings:#}");
    let forms: std::collections::BTreeSet<String> = files(&one)
        .iter()
        .filter_map(|(name, _)| {
            name.strip_suffix(".yaml")?
                .splitn(3, '-')
                .nth(2)
                .map(str::to_owned)
        })
        .collect();
    assert!(forms.len() >= 4, "too few forms: {forms:?}");
}

fn summary(run: &std::process::Output) -> String {
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    last_line(run)
}

/// What a successful `--format json` run counts: built, up to date, failed.
fn counted(run: &std::process::Output) -> (u64, u64, u64) {
    assert!(run.status.success(), "{}", stderr_of(run));
    counts(&summary_of(run))
}

#[test]
fn a_rebuild_skips_unchanged_documents() {
    let data = synth("incremental", "4", "9");
    let out = scratch("incremental-out");
    let build = |extra: &[&str]| counted(&build_json(&data, &out, extra).0);
    assert_eq!(build(&[]), (4, 0, 0));
    let first = files(&out);
    assert_eq!(build(&[]), (0, 4, 0));
    let changed = walkdir::WalkDir::new(&data)
        .into_iter()
        .map(Result::unwrap)
        .find(|e| e.file_type().is_file())
        .unwrap();
    let text = std::fs::read_to_string(changed.path()).unwrap();
    std::fs::write(
        changed.path(),
        text.replacen("department: ", "department: 新", 1),
    )
    .unwrap();
    assert_eq!(build(&[]), (1, 3, 0));
    assert_eq!(build(&["--force"]), (4, 0, 0));
    assert_ne!(first, files(&out));
}

#[test]
fn a_rebuild_follows_a_template_change() {
    let data = synth("template-change", "2", "5");
    let out = scratch("template-change-out");
    let templates = scratch("template-change-templates");
    std::fs::create_dir_all(templates.join("lib")).unwrap();
    let css = std::fs::read_to_string(root().join("templates/lib/web.css")).unwrap();
    std::fs::write(templates.join("lib/web.css"), &css).unwrap();
    let build = || {
        let args = [
            "build",
            "--data",
            data.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--templates",
            templates.to_str().unwrap(),
            "--format",
            "json",
        ];
        counted(&jixiao(&args))
    };
    assert_eq!(build().0, 2);
    std::fs::write(
        templates.join("lib/web.css"),
        format!("{css}\n/* changed */\n"),
    )
    .unwrap();
    assert_eq!(build(), (2, 0, 0));
}

#[test]
fn an_up_to_date_document_still_reports_its_findings_and_waivers() {
    let out = scratch("replay-out");
    let build = || jixiao(&["build", "--data", "data", "--out", out.to_str().unwrap()]);
    let first = build();
    let second = build();
    assert!(
        summary(&second).starts_with("built 0, up to date 6, failed 0"),
        "{}",
        summary(&second)
    );
    assert!(summary(&first).contains("68 waived") && summary(&second).contains("68 waived"));
    assert_eq!(
        String::from_utf8_lossy(&first.stderr),
        String::from_utf8_lossy(&second.stderr)
    );
}
