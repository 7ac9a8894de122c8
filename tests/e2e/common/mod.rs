//! Shared by the end-to-end tests: one build of the real `data/` per test
//! binary, and the tools that read the outputs back.

#![allow(dead_code)]

pub mod folder_world;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn jixiao(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("jixiao runs")
}

/// A fresh folder under the target directory, removed and recreated, with
/// the build state a build into it would leave beside it.
pub fn scratch(name: &str) -> PathBuf {
    let dir = root().join("target").join("test-scratch").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(jixiao::publish::state_dir(&dir));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `jixiao build` of `data` into `out`, with `extra` arguments.
pub fn build_into(data: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "build",
        "--data",
        data.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend(extra);
    jixiao(&args)
}

/// The last line a run printed: a build's one-line summary.
pub fn last_line(run: &Output) -> String {
    let stdout = String::from_utf8_lossy(&run.stdout);
    stdout.lines().last().unwrap_or_default().to_owned()
}

pub fn stderr_of(run: &Output) -> String {
    String::from_utf8_lossy(&run.stderr).into_owned()
}

/// Copies the real data file `data/2022/<seed>` to `to`.
pub fn copy_seed(seed: &str, to: &Path) {
    std::fs::copy(root().join("data/2022").join(seed), to).unwrap();
}

/// `sha256sum -c --strict` over the output folder, and whether SHA256SUMS
/// lists exactly the files there.
pub fn assert_checksums_describe(out: &Path) {
    let check = std::process::Command::new("sha256sum")
        .args(["-c", "--strict", "--quiet", "SHA256SUMS"])
        .current_dir(out)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    let sums = std::fs::read_to_string(out.join("SHA256SUMS")).unwrap();
    let mut listed: Vec<&str> = sums
        .lines()
        .filter_map(|l| l.split_once("  "))
        .map(|(_, p)| p)
        .collect();
    listed.push("SHA256SUMS");
    listed.sort_unstable();
    let on_disk: Vec<String> = files(out).into_iter().map(|(name, _)| name).collect();
    assert_eq!(listed, on_disk);
}

/// The outputs of a build with `--emit-typst`.
pub struct Built {
    pub out: PathBuf,
    pub typst: PathBuf,
}

/// Builds `data` (relative to the project) into a scratch folder `name`.
pub fn build(name: &str, data: &str, extra: &[&str]) -> Built {
    let dir = scratch(name);
    let (out, typst) = (dir.join("out"), dir.join("typst"));
    let mut args = vec!["build", "--data", data, "--out", out.to_str().unwrap()];
    args.extend(["--emit-typst", typst.to_str().unwrap()]);
    args.extend(extra);
    let run = jixiao(&args);
    assert!(
        run.status.success(),
        "building {data} failed:\n{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    Built { out, typst }
}

/// The real `data/`, built once per test binary.
pub fn built() -> &'static Built {
    static BUILT: OnceLock<Built> = OnceLock::new();
    BUILT.get_or_init(|| build("built", "data", &[]))
}

/// Every file under `dir`, by path relative to it, with its bytes.
pub fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let name = e.path().strip_prefix(dir).unwrap().display().to_string();
            (name, std::fs::read(e.path()).unwrap())
        })
        .collect();
    files.sort();
    files
}

pub fn tool(program: &str, args: &[&str]) -> Output {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} runs (make deps installs it): {e}"));
    assert!(
        output.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// The text of a PDF in content-stream order (`pdftotext -raw`), which keeps
/// each table cell's lines together.
pub fn pdf_text(pdf: &Path) -> String {
    let out = tool(
        "pdftotext",
        &["-raw", "-enc", "UTF-8", pdf.to_str().unwrap(), "-"],
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The PDF's text without the page numbers (`— 1 —`), which would otherwise
/// cut a paragraph that runs on to the next page in two, as a reader skips them.
pub fn pdf_content(pdf: &Path) -> String {
    pdf_text(pdf)
        .lines()
        .filter(|line| !is_page_number(line))
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn is_page_number(line: &str) -> bool {
    line.trim()
        .strip_prefix("— ")
        .and_then(|l| l.strip_suffix(" —"))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// The visible text of an HTML page's body: tags dropped, entities decoded.
pub fn html_text(html: &str) -> String {
    let body = html.find("<body").map_or(html, |i| &html[i..]);
    let mut text = String::new();
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    decode_entities(&text)
}

fn decode_entities(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(end) = rest.find(';').filter(|&e| e <= 10) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..end];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some('\u{a0}'),
            e if e.starts_with("#x") => u32::from_str_radix(&e[2..], 16)
                .ok()
                .and_then(char::from_u32),
            e if e.starts_with('#') => e[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Text compared as the fidelity measure asks: whitespace ignored,
/// full-width forms folded to half-width.
pub fn normalize(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c as u32 {
            0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// The text cells of a seed: its tab- and line-separated pieces, without the
/// extraction artefacts the seeds' README names (`<p>` tags, `[bookmark: …]`).
pub fn seed_cells(seed: &str) -> Vec<String> {
    let mut cleaned = seed.replace("<p>", "\t").replace("</p>", "\t");
    while let Some(start) = cleaned.find("[bookmark:") {
        let end = cleaned[start..]
            .find(']')
            .map_or(cleaned.len(), |e| start + e + 1);
        cleaned.replace_range(start..end, "");
    }
    cleaned
        .split(['\t', '\n'])
        .map(normalize)
        .filter(|c| !c.is_empty())
        .flat_map(|c| joined_fields(&c))
        .collect()
}

/// A cell the extraction joined from three fields the data holds apart:
/// 东莞's other tasks, `名称--主要实施内容-金额`, as their fields; any
/// other cell as it is.
fn joined_fields(cell: &str) -> Vec<String> {
    let fields = cell.split_once("--").and_then(|(name, rest)| {
        let (content, amount) = rest.rsplit_once('-')?;
        amount
            .parse::<f64>()
            .is_ok()
            .then(|| vec![name.to_owned(), content.to_owned(), amount.to_owned()])
    });
    fields.unwrap_or_else(|| vec![cell.to_owned()])
}

/// The share of `cells` found in `text`, and the cells that were not.
pub fn fidelity(cells: &[String], text: &str) -> (f64, Vec<String>) {
    let text = normalize(text);
    let missing: Vec<String> = cells
        .iter()
        .filter(|c| !text.contains(c.as_str()))
        .cloned()
        .collect();
    let found = cells.len() - missing.len();
    (found as f64 / cells.len().max(1) as f64, missing)
}

/// A project folder under the target directory with a form of its own:
/// `templates/forms/<form>/main.typ.j2` holding `template`, and one data
/// file in it, `data/<form>.yaml`. Returns the folder.
pub fn one_form_project(name: &str, form: &str, template: &str) -> PathBuf {
    let dir = scratch(name);
    let folder = dir.join("templates/forms").join(form);
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::create_dir_all(dir.join("data")).unwrap();
    std::fs::write(folder.join("main.typ.j2"), template).unwrap();
    std::fs::write(
        dir.join("data").join(format!("{form}.yaml")),
        format!("form: {form}\nyear: 2022\ntitle: t\ndepartment: d\n"),
    )
    .unwrap();
    dir
}

/// `jixiao watch --serve 0` of `data` into `out`, once its first build is
/// done; the port it serves on. Its output stays open while it runs.
pub struct Served {
    pub child: std::process::Child,
    pub port: u16,
    _output: std::io::Lines<std::io::BufReader<std::process::ChildStdout>>,
}

impl Served {
    pub fn start(data: &Path, out: &Path) -> Self {
        use std::io::BufRead;
        let mut child = Command::new(env!("CARGO_BIN_EXE_jixiao"))
            .args(["watch", "--serve", "0", "--data"])
            .arg(data)
            .arg("--out")
            .arg(out)
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
        Self {
            child,
            port,
            _output: lines,
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `jixiao build --format json` of `data` into `out`: the run and what it
/// says it did.
pub fn build_json(data: &Path, out: &Path, extra: &[&str]) -> (Output, serde_json::Value) {
    let mut args = vec!["--format", "json"];
    args.extend(extra);
    let run = build_into(data, out, &args);
    let summary = summary_of(&run);
    (run, summary)
}

/// The JSON summary a `build --format json` run printed.
pub fn summary_of(run: &Output) -> serde_json::Value {
    serde_json::from_slice(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&run.stdout)))
}

/// A JSON summary's findings, one per line, as the terminal shows them
/// (`file:line:column: severity[code]: message`).
pub fn findings_of(summary: &serde_json::Value) -> String {
    let Some(findings) = summary["findings"].as_array() else {
        panic!("no findings in {summary}")
    };
    findings
        .iter()
        .map(|f| {
            let (line, column) = (&f["loc"]["line"], &f["loc"]["column"]);
            let place = match line.as_u64() {
                Some(0) | None => String::new(),
                Some(line) => format!(":{line}:{column}"),
            };
            let (file, severity) = (
                f["file"].as_str().unwrap_or_default(),
                f["severity"].as_str().unwrap_or_default(),
            );
            let (code, message) = (
                f["code"].as_str().unwrap_or_default(),
                f["message"].as_str().unwrap_or_default(),
            );
            format!("{file}{place}: {severity}[{code}]: {message}\n")
        })
        .collect()
}

/// What a build's JSON summary counts: documents built, up to date, failed.
pub fn counts(summary: &serde_json::Value) -> (u64, u64, u64) {
    let count = |key: &str| {
        summary[key]
            .as_u64()
            .unwrap_or_else(|| panic!("no {key} in {summary}"))
    };
    (count("built"), count("up_to_date"), count("failed"))
}

/// What a build of `data` into `out` did, as its JSON summary counts it.
pub fn build_counts(data: &Path, out: &Path, extra: &[&str]) -> (u64, u64, u64) {
    counts(&build_json(data, out, extra).1)
}

/// Holds the lock of the output folder `out` as another build would, with
/// `holder` written in it, until the file returned is dropped.
pub fn hold_folder_lock(out: &Path, holder: &str) -> std::fs::File {
    let lock = jixiao::publish::state_dir(out).join("build.lock");
    let held = std::fs::OpenOptions::new().write(true).open(&lock).unwrap();
    held.lock().unwrap();
    std::fs::write(&lock, holder).unwrap();
    held
}
