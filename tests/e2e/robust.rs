//! A build that stays true under crashes, races and odd input: nothing
//! stale is trusted, nothing is lost, every failure names its place.

use std::path::PathBuf;

use crate::common::*;

/// A data folder holding copies of some of the real data files.
fn data_of(name: &str, seeds: &[&str]) -> PathBuf {
    let dir = scratch(name);
    for seed in seeds {
        copy_seed(seed, &dir.join(seed));
    }
    dir
}

#[test]
fn a_damaged_or_replaced_output_is_built_again() {
    let data = data_of("damaged-data", &["dongguan-rd.yaml", "wuxi-rd.yaml"]);
    let out = scratch("damaged-out");
    assert_eq!(build_counts(&data, &out, &[]).0, 2);
    let pdf = out.join("dongguan-rd.pdf");
    let good = std::fs::read(&pdf).unwrap();
    std::fs::write(&pdf, &good[..100]).unwrap();
    assert_eq!(build_counts(&data, &out, &[]), (1, 1, 0));
    assert_eq!(std::fs::read(&pdf).unwrap(), good);
    // What a build killed between writing a PDF and its stamp leaves: the
    // new PDF beside the old stamp.
    std::fs::copy(out.join("wuxi-rd.pdf"), &pdf).unwrap();
    assert_eq!(build_counts(&data, &out, &[]), (1, 1, 0));
    assert_eq!(std::fs::read(&pdf).unwrap(), good);
    assert_checksums_describe(&out);
}

#[test]
fn an_edited_template_rebuilds_the_documents_of_its_form() {
    let data = data_of("j2-data", &["dongguan-rd.yaml", "wuxi-rd.yaml"]);
    let out = scratch("j2-out");
    let templates = scratch("j2-templates");
    let build = || build_counts(&data, &out, &["--templates", templates.to_str().unwrap()]);
    assert_eq!(build().0, 2);
    let form = templates.join("forms/wuxi-rd");
    std::fs::create_dir_all(&form).unwrap();
    let main = std::fs::read_to_string(root().join("templates/forms/wuxi-rd/main.typ.j2")).unwrap();
    std::fs::write(
        form.join("main.typ.j2"),
        format!("{main}\n{{# edited #}}\n"),
    )
    .unwrap();
    assert_eq!(build(), (1, 1, 0), "a form's main.typ.j2");
    std::fs::create_dir_all(templates.join("lib")).unwrap();
    let macros = std::fs::read_to_string(root().join("templates/lib/macros.typ.j2")).unwrap();
    std::fs::write(
        templates.join("lib/macros.typ.j2"),
        format!("{macros}\n{{# edited #}}\n"),
    )
    .unwrap();
    assert_eq!(build(), (2, 0, 0), "lib/macros.typ.j2");
}

#[test]
fn interrupting_a_build_at_any_moment_never_leaves_a_stale_document_trusted() {
    let data = data_of(
        "kill-data",
        &["dongguan-rd.yaml", "wuxi-rd.yaml", "chengde-rd.yaml"],
    );
    let out = scratch("kill-out");
    let draft = data.join("wuxi-rd.yaml");
    let approved = std::fs::read_to_string(&draft).unwrap();
    assert!(build_into(&data, &out, &[]).status.success());
    let expected = files(&out);
    for delay_ms in [40, 120, 250, 400, 600, 900] {
        std::fs::write(&draft, approved.replace("无锡市", "草稿市")).unwrap();
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_jixiao"))
            .args([
                "build",
                "--data",
                data.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
                "--force",
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        std::fs::write(&draft, &approved).unwrap();
        let rebuilt = build_into(&data, &out, &[]);
        assert!(rebuilt.status.success(), "{}", stderr_of(&rebuilt));
        assert_eq!(files(&out), expected, "after a kill at {delay_ms} ms");
        assert_checksums_describe(&out);
    }
}

#[test]
fn a_second_build_of_the_same_output_folder_is_refused_by_name() {
    let data = data_of("lock-data", &["dongguan-rd.yaml"]);
    let out = scratch("lock-out");
    assert!(build_into(&data, &out, &[]).status.success());
    let held = hold_folder_lock(&out, "process 4242, `jixiao build` in another terminal");
    let second = build_into(&data, &out, &["--force"]);
    assert_eq!(second.status.code(), Some(2));
    assert!(
        stderr_of(&second).contains("process 4242"),
        "{}",
        stderr_of(&second)
    );
    drop(held);
    assert!(build_into(&data, &out, &[]).status.success());
}

#[test]
fn data_files_that_would_publish_the_same_outputs_are_errors_naming_both() {
    let data = data_of("clash-data", &["dongguan-rd.yaml"]);
    std::fs::copy(data.join("dongguan-rd.yaml"), data.join("dongguan-rd.yml")).unwrap();
    std::fs::copy(data.join("dongguan-rd.yaml"), data.join("index.yaml")).unwrap();
    let out = scratch("clash-out");
    let run = build_into(&data, &out, &[]);
    assert!(!run.status.success());
    let errors = stderr_of(&run);
    assert_eq!(
        errors.matches("dongguan-rd.yaml and ").count(),
        2,
        "{errors}"
    );
    assert!(errors.contains("dongguan-rd.yml"), "{errors}");
    assert!(
        errors.contains("index.yaml would overwrite the site's index.html"),
        "{errors}"
    );
    assert!(!out.join("dongguan-rd.pdf").exists());
    assert_checksums_describe(&out);
}

#[test]
fn an_empty_data_folder_is_an_error_that_changes_nothing() {
    let data = data_of("empty-data", &["dongguan-rd.yaml"]);
    let out = scratch("empty-out");
    assert!(build_into(&data, &out, &[]).status.success());
    let before = files(&out);
    std::fs::remove_file(data.join("dongguan-rd.yaml")).unwrap();
    let run = build_into(&data, &out, &[]);
    assert_eq!(run.status.code(), Some(2));
    assert!(
        stderr_of(&run).contains("has no data files"),
        "{}",
        stderr_of(&run)
    );
    assert_eq!(files(&out), before);
}

#[test]
fn a_department_whose_data_file_is_gone_is_unpublished_and_named() {
    let data = data_of("gone-data", &["dongguan-rd.yaml", "wuxi-rd.yaml"]);
    let out = scratch("gone-out");
    assert!(build_into(&data, &out, &[]).status.success());
    std::fs::write(out.join("notes.txt"), "left by hand").unwrap();
    std::fs::remove_file(data.join("wuxi-rd.yaml")).unwrap();
    let run = build_into(&data, &out, &[]);
    assert!(run.status.success());
    let line = last_line(&run);
    assert!(
        line.contains("removed 1")
            && line.contains("removed: wuxi-rd")
            && line.contains("left in place, not published: notes.txt"),
        "{line}"
    );
    assert!(!out.join("wuxi-rd.pdf").exists() && !out.join("wuxi-rd.json").exists());
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).unwrap(),
        "left by hand",
        "a file no build wrote is never removed"
    );
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(!index.contains("wuxi-rd"));
    std::fs::remove_file(out.join("notes.txt")).unwrap();
    assert_checksums_describe(&out);
}

#[test]
fn temporary_files_never_stand_in_the_output_folder_and_are_swept() {
    let data = data_of("temp-data", &["dongguan-rd.yaml"]);
    let out = scratch("temp-out");
    assert!(build_into(&data, &out, &[]).status.success());
    let temp = jixiao::publish::state_dir(&out).join("tmp");
    std::fs::write(temp.join("123-0"), "an unpublished draft").unwrap();
    std::fs::write(
        out.join(".dongguan-rd.pdf.999.tmp"),
        "a temp file of an older jixiao",
    )
    .unwrap();
    std::fs::write(out.join(".jixiao-probe-4242"), "").unwrap();
    assert!(build_into(&data, &out, &[]).status.success());
    assert_eq!(std::fs::read_dir(&temp).unwrap().count(), 0);
    assert!(files(&out).iter().all(|(name, _)| !name.contains("tmp")));
    assert_checksums_describe(&out);
}

#[test]
fn a_document_past_its_time_or_memory_limit_fails_alone_and_says_which() {
    let dir = scratch("limits");
    let form = dir.join("templates/forms/runaway");
    std::fs::create_dir_all(&form).unwrap();
    std::fs::create_dir_all(dir.join("data")).unwrap();
    copy_seed("dongguan-rd.yaml", &dir.join("data/good.yaml"));
    std::fs::write(
        dir.join("data/runaway.yaml"),
        "form: runaway\nyear: 2022\ntitle: t\ndepartment: d\n",
    )
    .unwrap();
    let run = |code: &str, limit: &[&str]| {
        std::fs::write(
            form.join("main.typ.j2"),
            format!("#import \"/lib/gov.typ\": *\n{code}\n"),
        )
        .unwrap();
        let templates = dir.join("templates");
        let mut extra = vec![
            "--templates",
            templates.to_str().unwrap(),
            "--format",
            "json",
        ];
        extra.extend(limit);
        build_into(&dir.join("data"), &dir.join("out"), &extra)
    };
    let slow = run(
        "#for i in range(40000) { for j in range(40000) {} }",
        &["--time-limit", "2"],
    );
    let slow = summary_of(&slow);
    assert_eq!(counts(&slow), (1, 0, 1));
    assert!(
        findings_of(&slow)
            .contains("runaway.yaml: error[limit]: typesetting took longer than the limit of 2 s"),
        "{}",
        findings_of(&slow)
    );
    let greedy = run(
        "#let x = range(300000000)\n#x.len()",
        &["--memory-limit", "512"],
    );
    let greedy = summary_of(&greedy);
    assert_eq!(counts(&greedy).2, 1);
    assert!(
        findings_of(&greedy).contains("more than the memory limit of 512 MiB"),
        "{}",
        findings_of(&greedy)
    );
    assert!(dir.join("out/good.pdf").is_file());
}

#[test]
fn a_typst_error_in_a_template_is_placed_at_the_template_line() {
    let dir = scratch("template-line");
    let form = dir.join("templates/forms/broken");
    std::fs::create_dir_all(&form).unwrap();
    std::fs::create_dir_all(dir.join("data")).unwrap();
    std::fs::write(
        form.join("main.typ.j2"),
        "#import \"/lib/gov.typ\": *\n#doc-title({{ doc.title }})\n#table(columns: 2, [a], [b], bogus: 1)\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("data/a.yaml"),
        "form: broken\nyear: 2022\ntitle: t\ndepartment: d\n",
    )
    .unwrap();
    let templates = dir.join("templates");
    let run = build_into(
        &dir.join("data"),
        &dir.join("out"),
        &["--templates", templates.to_str().unwrap()],
    );
    let errors = stderr_of(&run);
    let line = errors
        .lines()
        .find(|l| l.contains("error[typst]"))
        .unwrap_or_else(|| panic!("{errors}"));
    assert!(line.contains("forms/broken/main.typ.j2:3:"), "{line}");
    assert!(line.contains("bogus") && line.contains("a.yaml"), "{line}");
    assert!(
        !errors.contains("--root") && !errors.contains(":0:0"),
        "{errors}"
    );
}

#[test]
fn long_unbroken_text_wraps_inside_the_page_and_its_cells() {
    let dir = scratch("long-runs");
    let yaml = std::fs::read_to_string(root().join("data/2023/example-office.yaml")).unwrap();
    let title = "A".repeat(400);
    let yaml = yaml
        .replacen(
            "title: 某市某局2023年度预算绩效目标",
            &format!("title: {title}"),
            1,
        )
        .replacen(
            "values: [≥10项]",
            "values: ['≥12345678901234567890123项']",
            1,
        );
    std::fs::create_dir_all(dir.join("data")).unwrap();
    std::fs::write(dir.join("data/long.yaml"), yaml).unwrap();
    let run = build_into(&dir.join("data"), &dir.join("out"), &[]);
    assert!(run.status.success(), "{}", stderr_of(&run));
    let pdf = dir.join("out/long.pdf");
    let text = normalize(&pdf_content(&pdf));
    assert!(text.contains(&title) && text.contains("12345678901234567890123"));
    let boxes = String::from_utf8(tool("pdftotext", &["-bbox", pdf.to_str().unwrap(), "-"]).stdout)
        .unwrap();
    let widest = boxes
        .lines()
        .filter_map(|l| {
            l.split("xMax=\"")
                .nth(1)?
                .split('"')
                .next()?
                .parse::<f64>()
                .ok()
        })
        .fold(0.0, f64::max);
    assert!(
        widest < 595.0 - 26.0 * 72.0 / 25.4 + 1.0,
        "text runs to x = {widest}"
    );
}

#[test]
fn symbolic_links_are_followed_and_odd_entries_refused_by_name() {
    let dir = scratch("links");
    let data = dir.join("data");
    std::fs::create_dir_all(data.join("real")).unwrap();
    copy_seed("dongguan-rd.yaml", &data.join("real/a.yaml"));
    copy_seed("wuxi-rd.yaml", &data.join("UPPER.YAML"));
    std::os::unix::fs::symlink(data.join("real/a.yaml"), data.join("linked.yaml")).unwrap();
    std::os::unix::fs::symlink(data.join("real"), data.join("linked-folder")).unwrap();
    std::os::unix::fs::symlink(data.join("nowhere.yaml"), data.join("broken.yaml")).unwrap();
    let fifo = std::process::Command::new("mkfifo")
        .arg(data.join("pipe.yaml"))
        .status()
        .unwrap();
    assert!(fifo.success());
    let run = build_into(&data, &dir.join("out"), &["--format", "json"]);
    let summary = summary_of(&run);
    assert_eq!(counts(&summary), (4, 0, 2));
    let errors = findings_of(&summary);
    assert!(
        errors.contains("broken.yaml is a symbolic link to nothing"),
        "{errors}"
    );
    assert!(
        errors.contains("pipe.yaml is not a regular file"),
        "{errors}"
    );
    for built in [
        "UPPER.pdf",
        "linked.pdf",
        "linked-folder/a.pdf",
        "real/a.pdf",
    ] {
        assert!(dir.join("out").join(built).is_file(), "{built}");
    }
}

#[test]
fn a_missing_data_folder_and_too_many_jobs_are_said_once_in_words() {
    let run = jixiao(&[
        "build",
        "--data",
        "no-such-folder",
        "--out",
        "target/test-scratch/none",
    ]);
    assert_eq!(run.status.code(), Some(2));
    let errors = stderr_of(&run);
    assert_eq!(errors.lines().count(), 1, "{errors}");
    assert!(
        errors.contains("the data folder no-such-folder does not exist")
            && !errors.contains("os error"),
        "{errors}"
    );
    let run = jixiao(&["build", "-j", "100000"]);
    assert_eq!(run.status.code(), Some(2));
    assert!(
        stderr_of(&run).contains("100000 is not in 0..=64"),
        "{}",
        stderr_of(&run)
    );
}
