//! The Typst world serves the templates, the fonts and the document's own
//! data, nothing else: a form that reaches for another file or a package is
//! reported as such, and the other documents are still built.

use crate::common::*;

/// A form whose `main.typ` runs `code`, and a document in it.
fn try_form(name: &str, code: &str) -> String {
    let dir = scratch(&format!("world-{name}"));
    let form = dir.join("templates/forms").join(name);
    std::fs::create_dir_all(&form).unwrap();
    std::fs::write(
        form.join("main.typ.j2"),
        format!("#import \"/lib/gov.typ\": *\n{code}\n"),
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("data")).unwrap();
    let yaml = format!("form: {name}\nyear: 2022\ntitle: t\ndepartment: d\n");
    std::fs::write(dir.join("data/doc.yaml"), yaml).unwrap();
    std::fs::copy(
        root().join("data/2022/wuxi-rd.yaml"),
        dir.join("data/other.yaml"),
    )
    .unwrap();
    let templates = dir.join("templates");
    let out = dir.join("out");
    let run = jixiao(&[
        "build",
        "--data",
        dir.join("data").to_str().unwrap(),
        "--templates",
        templates.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!run.status.success(), "{name} was built");
    assert!(
        out.join("other.pdf").is_file(),
        "the other document was not built"
    );
    assert!(!out.join("doc.pdf").exists());
    String::from_utf8_lossy(&run.stderr).into_owned()
}

#[test]
fn files_outside_the_templates_are_not_served() {
    let stderr = try_form("reads-passwd", "#read(\"/etc/passwd\")");
    assert!(
        stderr.contains("main.typ.j2") || stderr.contains("doc.yaml"),
        "{stderr}"
    );
    assert!(
        stderr.contains("/etc/passwd") && stderr.contains("not found"),
        "{stderr}"
    );
}

#[test]
fn paths_cannot_climb_out_of_the_root() {
    let stderr = try_form("climbs", "#read(\"../../../../Cargo.toml\")");
    assert!(stderr.contains("error[typst]"), "{stderr}");
    assert!(!stderr.contains("[package]"), "{stderr}");
}

#[test]
fn packages_are_refused() {
    let stderr = try_form("imports-package", "#import \"@preview/cetz:0.3.0\": canvas");
    assert!(stderr.contains("packages are not available"), "{stderr}");
}

#[test]
fn the_data_is_never_code() {
    let stderr = try_form(
        "evals",
        "#eval(\"#read(\\\"/etc/hostname\\\")\", mode: \"markup\")",
    );
    assert!(
        stderr.contains("/etc/hostname") && stderr.contains("not found"),
        "{stderr}"
    );
}
