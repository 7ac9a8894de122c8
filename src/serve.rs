//! The preview server of `jixiao watch --serve`: the output folder on
//! localhost, each web page reloading itself when a build has finished.
//!
//! A few dozen lines of `std` rather than an HTTP framework: it serves one
//! person's browser on the loopback interface, files and one counter, and
//! never faces the network.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// The path a page asks for the number of builds finished so far.
const VERSION_PATH: &str = "/__jixiao/version";

/// What every served web page runs: it asks every half second how many
/// builds have finished, and reloads when the number changes.
const RELOAD: &str = r#"<script>(() => { let seen = null; setInterval(async () => { try { const now = await (await fetch("/__jixiao/version", {cache: "no-store"})).text(); if (seen !== null && now !== seen) location.reload(); seen = now; } catch (e) {} }, 500); })();</script>"#;

/// Serves `out` on `127.0.0.1:port` from a thread of its own; `builds`
/// counts the builds finished.
pub fn start(out: PathBuf, port: u16, builds: Arc<AtomicU64>) -> std::io::Result<u16> {
    let listener = TcpListener::bind(("127.0.0.1", port))?;
    let port = listener.local_addr()?.port();
    std::thread::Builder::new().spawn(move || {
        for stream in listener.incoming().flatten() {
            let _ = answer(stream, &out, &builds);
        }
    })?;
    Ok(port)
}

fn answer(stream: TcpStream, out: &Path, builds: &AtomicU64) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request = String::new();
    reader.read_line(&mut request)?;
    let mut header = String::new();
    while reader.read_line(&mut header)? > 2 {
        header.clear();
    }
    let target = request.split_whitespace().nth(1).unwrap_or("/");
    let target = target.split(['?', '#']).next().unwrap_or("/");
    let mut stream = stream;
    if target == VERSION_PATH {
        let version = builds.load(Ordering::Relaxed).to_string();
        return respond(&mut stream, "200 OK", "text/plain", version.as_bytes());
    }
    match file(out, target).and_then(|path| Some((std::fs::read(&path).ok()?, path))) {
        Some((bytes, path)) => {
            let kind = content_type(&path);
            if kind.starts_with("text/html") {
                let page = String::from_utf8_lossy(&bytes).replacen(
                    "</body>",
                    &format!("{RELOAD}</body>"),
                    1,
                );
                respond(&mut stream, "200 OK", kind, page.as_bytes())
            } else {
                respond(&mut stream, "200 OK", kind, &bytes)
            }
        }
        None => respond(&mut stream, "404 Not Found", "text/plain", b"not found"),
    }
}

/// The file under `out` a request path names; `/` and folders give their
/// `index.html`. A path that would leave `out` names nothing.
fn file(out: &Path, target: &str) -> Option<PathBuf> {
    let decoded = percent_decode(target)?;
    let relative = Path::new(decoded.trim_start_matches('/'));
    if relative
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
    {
        return None;
    }
    let path = out.join(relative);
    Some(if path.is_dir() {
        path.join("index.html")
    } else {
        path
    })
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] == b'%' {
            let hex = std::str::from_utf8(bytes.get(at + 1..at + 3)?).ok()?;
            decoded.push(u8::from_str_radix(hex, 16).ok()?);
            at += 3;
        } else {
            decoded.push(bytes[at]);
            at += 1;
        }
    }
    String::from_utf8(decoded).ok()
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("pdf") => "application/pdf",
        Some("json") => "application/json",
        _ => "text/plain; charset=utf-8",
    }
}

fn respond(stream: &mut TcpStream, status: &str, kind: &str, body: &[u8]) -> std::io::Result<()> {
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_names_a_file_inside_the_output_folder_only() {
        let out = Path::new("/srv/out");
        assert_eq!(file(out, "/2022/a.pdf"), Some(out.join("2022/a.pdf")));
        assert_eq!(
            file(out, "/2022/%E4%B8%9C.html"),
            Some(out.join("2022/东.html"))
        );
        assert_eq!(file(out, "/../etc/passwd"), None);
        assert_eq!(file(out, "/2022/%2e%2e/%2e%2e/x"), None);
        assert_eq!(file(out, "/%zz"), None);
    }
}
