//! `jixiao watch`: a saved data file is rebuilt, alone, in the warm worker
//! processes, and a broken one is reported at its line.

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use crate::common::*;
use jixiao::publish::{BuildOptions, Outcome, Project, Summary, watch};

/// The project a watch test watches: its data folder and, if any, its
/// templates.
fn project(data: &Path, templates: Option<PathBuf>) -> Project {
    Project {
        data: data.to_owned(),
        templates,
        font_dirs: vec![],
    }
}

/// A watch test's options: its output folder, the test build's worker.
fn options(out: &Path) -> BuildOptions {
    BuildOptions {
        out: out.to_owned(),
        worker: PathBuf::from(env!("CARGO_BIN_EXE_jixiao")),
        holder: "the watch test".to_owned(),
        ..BuildOptions::default()
    }
}

#[test]
fn a_saved_data_file_is_rebuilt_alone_and_an_error_is_shown_at_its_line() {
    let data = scratch("watch-data");
    copy_seed("chengde-rd.yaml", &data.join("chengde.yaml"));
    copy_seed("wuxi-rd.yaml", &data.join("wuxi.yaml"));
    let out = scratch("watch-out");
    let project = project(&data, None);
    let options = options(&out);
    let chengde = data.join("chengde.yaml");
    let original = std::fs::read_to_string(&chengde).unwrap();
    let builds: RefCell<Vec<Summary>> = RefCell::new(Vec::new());
    let edit = |summary: &Summary| {
        let mut builds = builds.borrow_mut();
        builds.push(Summary {
            documents: summary.documents.clone(),
            ..Summary::default()
        });
        let text = match builds.len() {
            1 => original.replace(
                "title: '2022年部门整体绩效目标'",
                "title: '2022年部门整体绩效目标（修订）'",
            ),
            2 => original.replace("year: 2022", "year: [2022"),
            _ => return,
        };
        std::fs::write(&chengde, text).unwrap();
    };
    let mut on_build = edit;
    watch(
        &project,
        &options,
        &mut on_build,
        &mut |e| panic!("{e:#}"),
        &|| builds.borrow().len() < 3,
    )
    .unwrap();
    let builds = builds.into_inner();
    let outcome = |build: &Summary, name: &str| {
        build
            .documents
            .iter()
            .find(|d| d.path.ends_with(name))
            .map(|d| d.outcome.clone())
            .unwrap()
    };
    assert!(matches!(
        outcome(&builds[0], "wuxi.yaml"),
        Outcome::Built { .. }
    ));
    assert!(matches!(
        outcome(&builds[1], "chengde.yaml"),
        Outcome::Built { .. }
    ));
    assert_eq!(outcome(&builds[1], "wuxi.yaml"), Outcome::UpToDate);
    let page = std::fs::read_to_string(out.join("chengde.html")).unwrap();
    assert!(page.contains("2022年部门整体绩效目标（修订）"));
    assert_eq!(outcome(&builds[2], "chengde.yaml"), Outcome::Failed);
    let broken = builds[2].diagnostics().find(|d| d.is_error()).unwrap();
    assert!(
        broken.file.ends_with("chengde.yaml") && broken.loc.line > 0,
        "{broken}"
    );
}

/// A worker clears its caches after every few documents it serves (see
/// `RETIRE_AFTER`); a watch session goes on past that, each save rebuilt
/// with what it says.
#[test]
fn a_watch_session_rebuilds_every_save_past_a_worker_s_cache_clearing() {
    let data = scratch("watch-many");
    let file = data.join("example.yaml");
    std::fs::copy(root().join("data/2023/example-office.yaml"), &file).unwrap();
    let out = scratch("watch-many-out");
    let project = project(&data, None);
    let options = BuildOptions {
        jobs: 1,
        ..options(&out)
    };
    let original = std::fs::read_to_string(&file).unwrap();
    let title = |n: usize| format!("某市某局2023年度预算绩效目标（第{n}稿）");
    let saves = 9;
    let builds = RefCell::new(0);
    let mut on_build = |summary: &Summary| {
        let mut builds = builds.borrow_mut();
        if *builds > 0 {
            assert!(summary.succeeded(), "save {}", *builds);
            let page = std::fs::read_to_string(out.join("example.html")).unwrap();
            assert!(page.contains(&title(*builds)), "save {}", *builds);
        }
        *builds += 1;
        if *builds <= saves {
            let text = original.replace(
                "title: 某市某局2023年度预算绩效目标",
                &format!("title: {}", title(*builds)),
            );
            std::fs::write(&file, text).unwrap();
        }
    };
    watch(
        &project,
        &options,
        &mut on_build,
        &mut |e| panic!("{e:#}"),
        &|| *builds.borrow() <= saves,
    )
    .unwrap();
    assert_eq!(builds.into_inner(), saves + 1);
}

/// One GET on the preview server, as a browser would send it.
fn get(port: u16, path: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n").unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

#[test]
fn the_preview_server_serves_the_site_and_its_pages_reload_after_a_build() {
    let data = scratch("serve-data");
    copy_seed("dongguan-rd.yaml", &data.join("dongguan.yaml"));
    let out = scratch("serve-out");
    let served = Served::start(&data, &out);
    let port = served.port;
    let page = get(port, "/dongguan.html");
    assert!(page.starts_with("HTTP/1.1 200 OK"), "{page}");
    assert!(page.contains("/__jixiao/version") && page.contains("东莞市"));
    assert!(get(port, "/").contains("预算绩效目标公开"));
    let version = get(port, "/__jixiao/version");
    assert!(version.ends_with("\r\n\r\n1"), "{version}");
    assert!(get(port, "/../../etc/passwd").starts_with("HTTP/1.1 404"));
    drop(served);
}

#[test]
fn watch_goes_on_when_a_save_breaks_a_template_or_empties_the_data_folder() {
    let dir = scratch("watch-errors");
    let data = dir.join("data");
    let templates = dir.join("templates");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::create_dir_all(templates.join("forms/dongguan-rd")).unwrap();
    let file = data.join("dongguan.yaml");
    copy_seed("dongguan-rd.yaml", &file);
    let saved = std::fs::read(&file).unwrap();
    let broken = templates.join("forms/dongguan-rd/main.typ.j2");
    let project = project(&data, Some(templates.clone()));
    let options = options(&dir.join("out"));
    let builds = RefCell::new(0);
    let errors: RefCell<Vec<String>> = RefCell::new(Vec::new());
    let mut on_build = |summary: &Summary| {
        assert!(summary.succeeded());
        *builds.borrow_mut() += 1;
        match *builds.borrow() {
            1 => std::fs::write(&broken, "{% if %}").unwrap(),
            2 => std::fs::remove_file(&file).unwrap(),
            _ => {}
        }
    };
    let mut on_error = |error: &anyhow::Error| {
        errors.borrow_mut().push(format!("{error:#}"));
        match errors.borrow().len() {
            1 => std::fs::remove_file(&broken).unwrap(),
            _ => std::fs::write(&file, &saved).unwrap(),
        }
    };
    watch(&project, &options, &mut on_build, &mut on_error, &|| {
        *builds.borrow() < 3 && errors.borrow().len() < 3
    })
    .unwrap();
    let errors = errors.into_inner();
    assert_eq!(builds.into_inner(), 3, "{errors:?}");
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors[0].contains("main.typ.j2"), "{}", errors[0]);
    assert!(errors[1].contains("no data files"), "{}", errors[1]);
    assert!(dir.join("out/dongguan.pdf").is_file());
}
