//! What careless offices, crashing machines and hostile files do to a
//! build: each test is one of the attacks that once lost published files,
//! left checksums that did not match the disk, or held the preview server.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;

fn data_of(name: &str, seeds: &[&str]) -> PathBuf {
    let dir = scratch(name);
    for seed in seeds {
        copy_seed(seed, &dir.join(seed));
    }
    dir
}

fn sha256sum_checks(out: &Path) -> bool {
    Command::new("sha256sum")
        .args(["-c", "--strict", "--quiet", "SHA256SUMS"])
        .current_dir(out)
        .status()
        .unwrap()
        .success()
}

/// `jixiao build` run by bash with a limit on the size of any file it
/// writes: past it a write fails as on a full disk.
fn build_with_file_limit(data: &Path, out: &Path, kib: u32, extra: &[&str]) -> Output {
    Command::new("bash")
        .arg("-c")
        .arg(format!(
            "ulimit -f {kib}; trap '' XFSZ; exec \"$0\" build --data \"$1\" --out \"$2\" \"${{@:3}}\""
        ))
        .arg(env!("CARGO_BIN_EXE_jixiao"))
        .arg(data)
        .arg(out)
        .args(extra)
        .current_dir(root())
        .output()
        .unwrap()
}

#[test]
fn index_and_shards_wait_for_a_build_that_holds_the_folder() {
    let data = data_of("busy-data", &["dongguan-rd.yaml"]);
    let out = scratch("busy-out");
    assert!(build_into(&data, &out, &[]).status.success());
    let held = hold_folder_lock(&out, "process 4242, `jixiao build`");
    let data_arg = data.to_str().unwrap();
    let out_arg = out.to_str().unwrap();
    for run in [
        jixiao(&["index", "--data", data_arg, "--out", out_arg]),
        build_into(&data, &out, &["--shard", "1/2"]),
    ] {
        assert_eq!(run.status.code(), Some(2), "{}", stderr_of(&run));
        assert!(
            stderr_of(&run).contains("process 4242"),
            "{}",
            stderr_of(&run)
        );
    }
    drop(held);
    assert!(
        jixiao(&["index", "--data", data_arg, "--out", out_arg])
            .status
            .success()
    );
}

#[test]
fn a_linked_output_folder_is_written_through_and_kept() {
    let data = data_of("linked-data", &["dongguan-rd.yaml", "wuxi-rd.yaml"]);
    let dir = scratch("linked");
    let real = dir.join("real");
    std::fs::create_dir_all(&real).unwrap();
    let out = dir.join("out");
    std::os::unix::fs::symlink(&real, &out).unwrap();
    for _ in 0..2 {
        let (run, summary) = build_json(&data, &out, &[]);
        assert!(run.status.success(), "{}", stderr_of(&run));
        assert_eq!(summary["removed"], serde_json::json!([]), "{summary}");
    }
    assert!(std::fs::symlink_metadata(&out).unwrap().is_symlink());
    assert!(real.join("wuxi-rd.pdf").is_file());
    assert!(sha256sum_checks(&real));
}

#[test]
fn a_folder_linked_out_of_the_output_folder_is_refused_and_left() {
    let data = scratch("escape-link-data");
    std::fs::create_dir_all(data.join("2022")).unwrap();
    copy_seed("wuxi-rd.yaml", &data.join("2022/wuxi-rd.yaml"));
    copy_seed("dongguan-rd.yaml", &data.join("dongguan-rd.yaml"));
    let out = scratch("escape-link-out");
    let elsewhere = scratch("escape-link-elsewhere");
    assert!(build_into(&data, &out, &[]).status.success());
    std::fs::remove_dir_all(out.join("2022")).unwrap();
    std::os::unix::fs::symlink(&elsewhere, out.join("2022")).unwrap();
    for extra in [&[][..], &["--force"]] {
        let run = build_into(&data, &out, extra);
        assert!(!run.status.success(), "{extra:?}: {}", stderr_of(&run));
        assert!(
            stderr_of(&run).contains("outside the output folder"),
            "{}",
            stderr_of(&run)
        );
    }
    assert!(std::fs::read_dir(&elsewhere).unwrap().next().is_none());
    assert!(
        std::fs::symlink_metadata(out.join("2022"))
            .unwrap()
            .is_symlink()
    );
    assert!(sha256sum_checks(&out));
}

#[test]
fn a_write_that_fails_leaves_the_published_document_as_it_was() {
    let data = data_of("full-data", &["dongguan-rd.yaml", "wuxi-rd.yaml"]);
    let out = scratch("full-out");
    assert!(build_into(&data, &out, &[]).status.success());
    let before = files(&out);
    let wuxi = data.join("wuxi-rd.yaml");
    let text = std::fs::read_to_string(&wuxi).unwrap();
    std::fs::write(&wuxi, text.replacen("无锡市", "无锡市（修订）", 1)).unwrap();
    let run = build_with_file_limit(&data, &out, 16, &["--format", "json"]);
    assert_eq!(run.status.code(), Some(1), "{}", stderr_of(&run));
    let summary: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(
        (
            summary["failed"].as_u64(),
            summary["removed"].as_array().map(Vec::len)
        ),
        (Some(1), Some(0))
    );
    let findings = summary["findings"].to_string();
    assert!(findings.contains("cannot write the outputs"), "{findings}");
    assert!(findings.contains(r#""code":"io""#), "{findings}");
    assert_eq!(files(&out), before, "the site is exactly as it was");
    assert!(sha256sum_checks(&out));
    let temp = jixiao::publish::state_dir(&out).join("tmp");
    assert_eq!(std::fs::read_dir(temp).unwrap().count(), 0);
    let (again, summary) = build_json(&data, &out, &[]);
    assert!(again.status.success(), "{}", stderr_of(&again));
    assert_eq!(
        (summary["built"].as_u64(), summary["up_to_date"].as_u64()),
        (Some(1), Some(1))
    );
}

#[test]
fn index_removes_nothing_it_cannot_verify() {
    let data = data_of("copy-data", &["dongguan-rd.yaml", "wuxi-rd.yaml"]);
    let out = scratch("copy-out");
    assert!(build_into(&data, &out, &[]).status.success());
    let copy = scratch("copy-copy");
    for (name, bytes) in files(&out) {
        let path = copy.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    let before = files(&copy);
    let run = jixiao(&[
        "index",
        "--data",
        data.to_str().unwrap(),
        "--out",
        copy.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(run.status.code(), Some(1), "{}", stderr_of(&run));
    let summary = summary_of(&run);
    assert!(
        summary["site_error"]
            .as_str()
            .is_some_and(|e| e.contains("removes nothing it cannot verify")),
        "{summary}"
    );
    assert_eq!(
        summary["removed"].as_array().map(Vec::len),
        Some(0),
        "{summary}"
    );
    assert_eq!(files(&copy), before);
}

/// The processes whose parent is `pid`, from their `/proc/N/stat`.
fn children(pid: u32) -> Vec<u32> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|child| {
            std::fs::read_to_string(format!("/proc/{child}/stat")).is_ok_and(|stat| {
                stat.rsplit_once(") ")
                    .and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok())
                    == Some(pid)
            })
        })
        .collect()
}

fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        !stat
            .rsplit_once(") ")
            .is_some_and(|(_, r)| r.starts_with('Z'))
    })
}

#[test]
fn a_worker_dies_with_its_parent() {
    let dir = one_form_project(
        "orphan",
        "runaway",
        "#import \"/lib/gov.typ\": *\n#for i in range(400000) { for j in range(40000) {} }\n",
    );
    let mut build = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .args(["build", "--time-limit", "60", "--templates"])
        .arg(dir.join("templates"))
        .arg("--data")
        .arg(dir.join("data"))
        .arg("--out")
        .arg(dir.join("out"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let workers = loop {
        let found = children(build.id());
        if !found.is_empty() || started.elapsed() > Duration::from_secs(20) {
            break found;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(!workers.is_empty(), "the build started no worker");
    std::thread::sleep(Duration::from_millis(1500));
    build.kill().unwrap();
    build.wait().unwrap();
    let killed = Instant::now();
    while workers.iter().any(|&w| alive(w)) && killed.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        workers.iter().all(|&w| !alive(w)),
        "a worker outlived its parent by 5 s"
    );
}

#[test]
fn file_names_become_links_that_name_them() {
    let data = scratch("names-data");
    copy_seed("dongguan-rd.yaml", &data.join("a#b?c%25 d.yaml"));
    copy_seed(
        "wuxi-rd.yaml",
        &data.join("javascript:alert(document.domain).yaml"),
    );
    let out = scratch("names-out");
    let run = build_into(&data, &out, &[]);
    assert!(!run.status.success());
    assert!(
        stderr_of(&run).contains("javascript:alert(document.domain).yaml")
            && stderr_of(&run).contains("scheme"),
        "{}",
        stderr_of(&run)
    );
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(!index.contains("javascript:"), "{index}");
    assert!(index.contains("a%23b%3Fc%2525%20d.pdf"), "{index}");
    assert!(out.join("a#b?c%25 d.pdf").is_file());
    let page = std::fs::read_to_string(out.join("a#b?c%25 d.html")).unwrap();
    assert!(page.contains("a%23b%3Fc%2525%20d.pdf"));
    assert!(sha256sum_checks(&out));
}

#[test]
fn a_build_date_past_year_9999_is_one_clear_error() {
    let data = data_of("epoch-data", &["dongguan-rd.yaml"]);
    let out = scratch("epoch-out");
    let run = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .args(["build", "--data"])
        .arg(&data)
        .arg("--out")
        .arg(&out)
        .env("SOURCE_DATE_EPOCH", "253402300800")
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    let errors = stderr_of(&run);
    assert_eq!(errors.lines().count(), 1, "{errors}");
    assert!(
        errors.contains("SOURCE_DATE_EPOCH 253402300800"),
        "{errors}"
    );
}

#[test]
fn a_full_standard_output_is_an_error_not_a_panic() {
    for args in [
        &["rules"][..],
        &["schema", "--form", "national"],
        &["check", "--format", "json"],
    ] {
        let run = Command::new(env!("CARGO_BIN_EXE_jixiao"))
            .args(args)
            .current_dir(root())
            .stdout(std::fs::File::create("/dev/full").unwrap())
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(2), "{args:?}: {}", stderr_of(&run));
        assert!(
            stderr_of(&run).contains("cannot write to standard output"),
            "{args:?}: {}",
            stderr_of(&run)
        );
    }
}

/// Sends `request` to the preview server and reads the whole answer.
fn ask(port: u16, request: &[u8]) -> String {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let _ = stream.write_all(request);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

#[test]
fn the_preview_server_cannot_be_held_or_led_out_of_the_output_folder() {
    let data = data_of("hold-data", &["dongguan-rd.yaml"]);
    let out = scratch("hold-out");
    let served = Served::start(&data, &out);
    let port = served.port;
    let silent = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let fifo = std::ffi::CString::new(out.join("x.html").to_str().unwrap()).unwrap();
    // SAFETY: mkfifo reads the NUL-terminated path it is given.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
    std::os::unix::fs::symlink("/etc", out.join("etc")).unwrap();
    let local = |method: &str, path: &str| {
        ask(
            port,
            format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n").as_bytes(),
        )
    };
    let started = Instant::now();
    assert!(local("GET", "/x.html").starts_with("HTTP/1.1 404"));
    assert!(local("GET", "/etc/passwd").starts_with("HTTP/1.1 404"));
    let head = local("HEAD", "/dongguan-rd.html");
    assert!(
        head.starts_with("HTTP/1.1 200") && head.ends_with("\r\n\r\n"),
        "{head}"
    );
    let rebound = ask(port, b"GET / HTTP/1.1\r\nHost: attacker.example:80\r\n\r\n");
    assert!(rebound.starts_with("HTTP/1.1 403"), "{rebound}");
    let endless = vec![b'a'; 64 << 10];
    assert!(ask(port, &endless).starts_with("HTTP/1.1 431"));
    assert!(local("GET", "/dongguan-rd.html").contains("东莞市"));
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "a silent client held the others"
    );
    drop(silent);
}

#[test]
fn a_title_of_hundreds_of_bracketed_words_is_set_in_lines_at_once() {
    let data = scratch("long-title-data");
    let yaml = std::fs::read_to_string(root().join("data/2023/example-office.yaml")).unwrap();
    let title: String = (0..300)
        .map(|i| format!("【第{i:03}项预算绩效目标管理】"))
        .collect();
    let (head, rest) = yaml.split_once("\ntitle: ").unwrap();
    let rest = rest.split_once('\n').unwrap().1;
    std::fs::write(
        data.join("long.yaml"),
        format!("{head}\ntitle: '{title}'\n{rest}"),
    )
    .unwrap();
    let out = scratch("long-title-out");
    let run = build_into(&data, &out, &["--time-limit", "60"]);
    assert!(run.status.success(), "{}", stderr_of(&run));
    let text = pdf_text(&out.join("long.pdf"));
    assert!(text.contains("【第000项预算绩效目标管理】"), "{text}");
    assert!(text.contains("【第299项预算绩效目标管理】"));
}

#[test]
fn a_planted_stamp_cannot_make_the_sweep_remove_a_file_outside_the_folder() {
    let data = data_of("planted-data", &["dongguan-rd.yaml"]);
    let out = scratch("planted-out");
    assert!(build_into(&data, &out, &[]).status.success());
    let stamps = jixiao::publish::state_dir(&out).join("stamps");
    let real = std::fs::read_to_string(stamps.join("dongguan-rd.json")).unwrap();
    let victim = out.parent().unwrap().join("planted-victim.txt");
    std::fs::write(&victim, "not jixiao's").unwrap();
    let planted = real.replacen("\"dongguan-rd.pdf\"", "\"../planted-victim.txt\"", 1);
    assert_ne!(planted, real);
    std::fs::write(stamps.join("gone.json"), planted).unwrap();
    let run = build_into(&data, &out, &[]);
    assert!(run.status.success(), "{}", stderr_of(&run));
    assert!(
        victim.is_file(),
        "the sweep followed a stamp out of the folder"
    );
    std::fs::remove_file(victim).unwrap();
}

#[test]
fn a_template_that_doubles_a_text_stops_at_the_memory_limit_with_a_message() {
    let dir = one_form_project(
        "doubling",
        "doubling",
        "{% set ns = namespace(s=\"x\") %}{% for i in range(32) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s | length }}\n",
    );
    let templates = dir.join("templates");
    let run = build_into(
        &dir.join("data"),
        &dir.join("out"),
        &[
            "--templates",
            templates.to_str().unwrap(),
            "--memory-limit",
            "256",
        ],
    );
    assert_eq!(run.status.code(), Some(2), "{}", stderr_of(&run));
    assert!(
        stderr_of(&run).contains("more memory than its limit"),
        "{}",
        stderr_of(&run)
    );
}

#[test]
fn a_failed_build_keeps_outputs_it_cannot_verify_and_a_forged_checksum_owns_nothing() {
    let data = data_of("unverified-data", &["dongguan-rd.yaml", "wuxi-rd.yaml"]);
    let out = scratch("unverified-out");
    assert!(build_into(&data, &out, &[]).status.success());
    std::fs::remove_dir_all(jixiao::publish::state_dir(&out)).unwrap();
    std::fs::write(out.join("note.txt"), "an office's note").unwrap();
    let line = Command::new("sha256sum")
        .arg("note.txt")
        .current_dir(&out)
        .output()
        .unwrap()
        .stdout;
    let mut sums = std::fs::read(out.join("SHA256SUMS")).unwrap();
    sums.extend(line);
    std::fs::write(out.join("SHA256SUMS"), sums).unwrap();
    let wuxi = data.join("wuxi-rd.yaml");
    let text = std::fs::read_to_string(&wuxi).unwrap();
    let (head, rest) = text.split_once("\ntitle: ").unwrap();
    let rest = rest.split_once('\n').unwrap().1;
    std::fs::write(&wuxi, format!("{head}\ntitle: \"\\u200b\"\n{rest}")).unwrap();
    let (run, summary) = build_json(&data, &out, &[]);
    assert_eq!(run.status.code(), Some(1), "{}", stderr_of(&run));
    assert_eq!(summary["removed"], serde_json::json!([]), "{summary}");
    assert!(
        out.join("note.txt").is_file(),
        "a forged checksum line made it ours"
    );
    assert!(out.join("wuxi-rd.pdf").is_file() && out.join("wuxi-rd.json").is_file());
    let left = summary["left"].to_string();
    assert!(
        left.contains("note.txt") && left.contains("wuxi-rd.pdf"),
        "{left}"
    );
}

#[test]
fn a_lock_file_that_is_a_link_is_refused_and_its_target_kept() {
    let data = data_of("linked-lock-data", &["dongguan-rd.yaml"]);
    let out = scratch("linked-lock-out");
    assert!(build_into(&data, &out, &[]).status.success());
    let lock = jixiao::publish::state_dir(&out).join("build.lock");
    let victim = out.parent().unwrap().join("linked-lock-victim.txt");
    std::fs::write(&victim, "precious").unwrap();
    std::fs::remove_file(&lock).unwrap();
    std::os::unix::fs::symlink(&victim, &lock).unwrap();
    let run = build_into(&data, &out, &[]);
    assert_eq!(run.status.code(), Some(2), "{}", stderr_of(&run));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    std::fs::remove_file(&lock).unwrap();
    std::fs::remove_file(victim).unwrap();
}

#[test]
fn the_preview_server_keeps_serving_the_folder_it_started_with() {
    let data = data_of("swapped-data", &["dongguan-rd.yaml"]);
    let dir = scratch("swapped");
    let out = dir.join("out");
    let served = Served::start(&data, &out);
    std::fs::rename(&out, dir.join("out.bak")).unwrap();
    std::os::unix::fs::symlink("/etc", &out).unwrap();
    let port = served.port;
    let answer = ask(
        port,
        format!("GET /passwd HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n").as_bytes(),
    );
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
    drop(served);
    std::fs::remove_file(&out).unwrap();
}

#[test]
fn arguments_that_would_overflow_or_feed_the_build_its_own_output_are_refused() {
    let data = data_of("args-data", &["dongguan-rd.yaml"]);
    let out = scratch("args-out");
    let huge = build_into(&data, &out, &["--memory-limit", "18446744073709551615"]);
    assert_eq!(huge.status.code(), Some(2), "{}", stderr_of(&huge));
    let into_data = build_into(&data, &out, &["--emit-typst", data.to_str().unwrap()]);
    assert_eq!(
        into_data.status.code(),
        Some(2),
        "{}",
        stderr_of(&into_data)
    );
    assert!(
        stderr_of(&into_data).contains("--emit-typst"),
        "{}",
        stderr_of(&into_data)
    );
    assert_eq!(std::fs::read_dir(&data).unwrap().count(), 1);
    let dangling = out.join("dangling.yaml");
    std::os::unix::fs::symlink(out.join("nowhere.txt"), &dangling).unwrap();
    let new = jixiao(&["new", "--form", "national", dangling.to_str().unwrap()]);
    assert_eq!(new.status.code(), Some(2), "{}", stderr_of(&new));
    assert!(!out.join("nowhere.txt").exists());
}

#[test]
fn an_output_folder_on_another_file_system_than_its_state_changes_nothing() {
    let data = data_of("mounted-data", &["dongguan-rd.yaml"]);
    let dir = scratch("mounted");
    let out = dir.join("out");
    assert!(build_into(&data, &out, &[]).status.success());
    let published = files(&out);
    let saved = dir.join("saved");
    std::fs::rename(&out, &saved).unwrap();
    std::fs::create_dir_all(&out).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=20m", "tmpfs"])
        .arg(&out)
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!(
            "no tmpfs can be mounted here (not root?): the cross-device case is not exercised"
        );
        return;
    }
    for (name, bytes) in &published {
        let path = out.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    std::fs::remove_dir_all(jixiao::publish::state_dir(&out)).unwrap();
    let run = build_into(&data, &out, &[]);
    let after = files(&out);
    let _ = Command::new("umount").arg(&out).status();
    assert_eq!(run.status.code(), Some(2), "{}", stderr_of(&run));
    assert!(
        stderr_of(&run).contains("different file systems"),
        "{}",
        stderr_of(&run)
    );
    assert_eq!(after, published, "nothing was changed");
}
