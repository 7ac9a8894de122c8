//! `jixiao watch`: a saved data file is rebuilt, alone, in the warm worker
//! processes, and a broken one is reported at its line.

use std::cell::RefCell;
use std::path::PathBuf;

use crate::common::*;
use jixiao::publish::{BuildOptions, Outcome, Project, Summary, watch};

#[test]
fn a_saved_data_file_is_rebuilt_alone_and_an_error_is_shown_at_its_line() {
    let data = scratch("watch-data");
    copy_seed("chengde-rd.yaml", &data.join("chengde.yaml"));
    copy_seed("wuxi-rd.yaml", &data.join("wuxi.yaml"));
    let out = scratch("watch-out");
    let project = Project {
        data: data.clone(),
        templates: None,
        font_dirs: vec![],
    };
    let options = BuildOptions {
        out: out.clone(),
        worker: PathBuf::from(env!("CARGO_BIN_EXE_jixiao")),
        holder: "the watch test".to_owned(),
        ..BuildOptions::default()
    };
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
    watch(&project, &options, &mut on_build, &|| {
        builds.borrow().len() < 3
    })
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
    use std::io::BufRead;
    let data = scratch("serve-data");
    copy_seed("dongguan-rd.yaml", &data.join("dongguan.yaml"));
    let out = scratch("serve-out");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .args(["watch", "--serve", "0", "--data"])
        .arg(&data)
        .arg("--out")
        .arg(&out)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let port: u16 = lines
        .by_ref()
        .map(Result::unwrap)
        .find_map(|l| {
            l.split("http://127.0.0.1:")
                .nth(1)
                .map(|p| p.trim_end_matches('/').parse().unwrap())
        })
        .unwrap();
    assert!(
        lines
            .by_ref()
            .map(Result::unwrap)
            .any(|l| l.starts_with("built 1,"))
    );
    let page = get(port, "/dongguan.html");
    assert!(page.starts_with("HTTP/1.1 200 OK"), "{page}");
    assert!(page.contains("/__jixiao/version") && page.contains("东莞市"));
    assert!(get(port, "/").contains("预算绩效目标公开"));
    let version = get(port, "/__jixiao/version");
    assert!(version.ends_with("\r\n\r\n1"), "{version}");
    assert!(get(port, "/../../etc/passwd").starts_with("HTTP/1.1 404"));
    child.kill().unwrap();
    child.wait().unwrap();
}
