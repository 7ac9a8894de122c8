//! The preview server of `jixiao watch --serve`: the output folder on
//! localhost, each web page reloading itself when a build has finished.
//!
//! `std` rather than an HTTP framework: it serves one person's browser on
//! the loopback interface, files and one counter. It still cannot be held
//! by a client: each connection has a thread of its own (a bounded number
//! of them), reads and writes time out, the request line and headers are
//! bounded, only regular files inside the output folder are served (its
//! real path decides, so a link cannot lead out of it), and a request
//! whose `Host` is not this machine's loopback name is refused, so a web
//! page elsewhere cannot reach it through DNS rebinding.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

/// The path a page asks for the number of builds finished so far.
const VERSION_PATH: &str = "/__jixiao/version";

/// What every served web page runs: it asks every half second how many
/// builds have finished, and reloads when the number changes.
const RELOAD: &str = r#"<script>(() => { let seen = null; setInterval(async () => { try { const now = await (await fetch("/__jixiao/version", {cache: "no-store"})).text(); if (seen !== null && now !== seen) location.reload(); seen = now; } catch (e) {} }, 500); })();</script>"#;

/// Connections answered at once; one more is told to come back later.
const MAX_CONNECTIONS: usize = 32;
/// How long a client may take to send its request, or to take the answer.
const READ_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a client may take to send its whole request head.
const HEAD_DEADLINE: Duration = Duration::from_secs(10);
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest request line or header line, and the most header lines.
const MAX_LINE: usize = 8 * 1024;
const MAX_HEADERS: usize = 100;
/// The most a refused client's further bytes are read, to close cleanly.
const MAX_DRAIN: u64 = 1 << 20;
/// The largest file served: a document's PDF is a few megabytes.
const MAX_FILE: u64 = 256 << 20;

/// Serves `out` on `127.0.0.1:port` from a thread of its own; `builds`
/// counts the builds finished.
pub fn start(out: PathBuf, port: u16, builds: Arc<AtomicU64>) -> std::io::Result<u16> {
    let listener = TcpListener::bind(("127.0.0.1", port)).map_err(|e| {
        std::io::Error::new(
            e.kind(),
            format!("cannot serve on 127.0.0.1:{port}: {e}; choose another --serve port, or 0 for a free one"),
        )
    })?;
    let port = listener.local_addr()?.port();
    // The folder served is the one there now: replaced later by a link,
    // it is still this folder's files that are served, or none.
    std::fs::create_dir_all(&out)?;
    let out = std::fs::canonicalize(&out)?;
    let server = Arc::new(Server {
        out,
        port,
        builds,
        open: AtomicUsize::new(0),
    });
    std::thread::Builder::new().spawn(move || {
        for stream in listener.incoming().flatten() {
            server.accept(stream);
        }
    })?;
    Ok(port)
}

struct Server {
    out: PathBuf,
    port: u16,
    builds: Arc<AtomicU64>,
    /// Connections being answered.
    open: AtomicUsize,
}

/// What a client asked for.
#[derive(Debug, PartialEq, Eq)]
struct Request {
    head: bool,
    target: String,
    host: Option<String>,
}

/// Why a request is not answered with a file.
#[derive(Debug, PartialEq, Eq)]
enum Refusal {
    BadRequest,
    TooLarge,
    Method,
}

impl Server {
    fn accept(self: &Arc<Self>, mut stream: TcpStream) {
        let _ = stream.set_read_timeout(Some(READ_TIMEOUT));
        let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
        if self.open.fetch_add(1, Ordering::AcqRel) >= MAX_CONNECTIONS {
            self.open.fetch_sub(1, Ordering::AcqRel);
            let _ = respond(
                &mut stream,
                "503 Service Unavailable",
                "text/plain",
                b"busy",
                false,
            );
            return;
        }
        let server = self.clone();
        let spawned = std::thread::Builder::new().spawn(move || {
            let _ = server.answer(stream);
            server.open.fetch_sub(1, Ordering::AcqRel);
        });
        if spawned.is_err() {
            self.open.fetch_sub(1, Ordering::AcqRel);
        }
    }

    fn answer(&self, stream: TcpStream) -> std::io::Result<()> {
        let mut reader = BufReader::new(Deadline {
            stream: stream.try_clone()?,
            until: std::time::Instant::now() + HEAD_DEADLINE,
        });
        let mut stream = stream;
        let request = match read_request(&mut reader) {
            Ok(request) => request,
            Err(refusal) => {
                let (status, body): (&str, &[u8]) = match refusal {
                    Refusal::Method => ("405 Method Not Allowed", b"GET or HEAD"),
                    Refusal::TooLarge => ("431 Request Header Fields Too Large", b"too large"),
                    Refusal::BadRequest => ("400 Bad Request", b"bad request"),
                };
                respond(&mut stream, status, "text/plain", body, false)?;
                return drain(&stream, reader);
            }
        };
        if !self.is_local(request.host.as_deref()) {
            return respond(
                &mut stream,
                "403 Forbidden",
                "text/plain",
                b"this server answers only to 127.0.0.1 and localhost",
                request.head,
            );
        }
        let target = request.target.split(['?', '#']).next().unwrap_or("/");
        if target == VERSION_PATH {
            let version = self.builds.load(Ordering::Relaxed).to_string();
            return respond(
                &mut stream,
                "200 OK",
                "text/plain",
                version.as_bytes(),
                request.head,
            );
        }
        match file(&self.out, target).and_then(|path| Some((read_regular(&self.out, &path)?, path)))
        {
            Some((bytes, path)) => {
                let kind = content_type(&path);
                if kind.starts_with("text/html") {
                    let page = String::from_utf8_lossy(&bytes).replacen(
                        "</body>",
                        &format!("{RELOAD}</body>"),
                        1,
                    );
                    respond(&mut stream, "200 OK", kind, page.as_bytes(), request.head)
                } else {
                    respond(&mut stream, "200 OK", kind, &bytes, request.head)
                }
            }
            None => respond(
                &mut stream,
                "404 Not Found",
                "text/plain",
                b"not found",
                request.head,
            ),
        }
    }

    /// Whether a request's `Host` names this server on the loopback.
    fn is_local(&self, host: Option<&str>) -> bool {
        let Some(host) = host else {
            return false;
        };
        let port = self.port.to_string();
        ["127.0.0.1", "localhost", "[::1]"].iter().any(|name| {
            host.eq_ignore_ascii_case(&format!("{name}:{port}")) || host.eq_ignore_ascii_case(name)
        })
    }
}

/// A connection whose request head must arrive by `until`: each read waits
/// at most what is left, so a client that sends a byte now and then
/// (slowloris) cannot hold its thread past the deadline.
struct Deadline {
    stream: TcpStream,
    until: std::time::Instant,
}

impl Read for Deadline {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let left = self
            .until
            .saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return Err(std::io::ErrorKind::TimedOut.into());
        }
        self.stream.set_read_timeout(Some(left.min(READ_TIMEOUT)))?;
        self.stream.read(buffer)
    }
}

/// Reads what a refused client still sends, a bounded amount, before the
/// connection closes: closed with unread bytes, it would be reset, and the
/// client might lose the answer saying why it was refused.
fn drain(stream: &TcpStream, reader: impl Read) -> std::io::Result<()> {
    stream.shutdown(std::net::Shutdown::Write)?;
    stream.set_read_timeout(Some(Duration::from_secs(1)))?;
    let _ = std::io::copy(&mut reader.take(MAX_DRAIN), &mut std::io::sink());
    Ok(())
}

/// Reads a request line and its headers, within the bounds. A target in
/// absolute form (`http://host/path`) names its host, as a `Host` header
/// would; a second `Host` is refused, never chosen between.
fn read_request(reader: &mut impl BufRead) -> Result<Request, Refusal> {
    let line = read_line(reader)?;
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return Err(Refusal::BadRequest);
    };
    let head = match method {
        "GET" => false,
        "HEAD" => true,
        _ => return Err(Refusal::Method),
    };
    let (mut host, target) = match target.strip_prefix("http://") {
        Some(rest) => {
            let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            (
                Some(authority.to_owned()),
                format!("/{}", path.trim_start_matches('/')),
            )
        }
        None if target.starts_with('/') => (None, target.to_owned()),
        None => return Err(Refusal::BadRequest),
    };
    let absolute = host.is_some();
    let mut hosts = 0;
    for _ in 0..MAX_HEADERS {
        let header = read_line(reader)?;
        if header.is_empty() {
            return Ok(Request { head, target, host });
        }
        if let Some((name, value)) = header.split_once(':')
            && name.trim().eq_ignore_ascii_case("host")
        {
            hosts += 1;
            if hosts > 1 {
                return Err(Refusal::BadRequest);
            }
            if !absolute {
                host = Some(value.trim().to_owned());
            }
        }
    }
    Err(Refusal::TooLarge)
}

/// One line without its line end, at most [`MAX_LINE`] bytes.
fn read_line(reader: &mut impl BufRead) -> Result<String, Refusal> {
    let mut line = Vec::new();
    let read = reader
        .take(MAX_LINE as u64 + 1)
        .read_until(b'\n', &mut line)
        .map_err(|_| Refusal::BadRequest)?;
    if read == 0 {
        return Err(Refusal::BadRequest);
    }
    if !line.ends_with(b"\n") {
        return Err(if line.len() > MAX_LINE {
            Refusal::TooLarge
        } else {
            Refusal::BadRequest
        });
    }
    let text = String::from_utf8(line).map_err(|_| Refusal::BadRequest)?;
    Ok(text.trim_end_matches(['\r', '\n']).to_owned())
}

/// The bytes of `path` when its real path is a regular file inside `out`
/// (itself a real path, fixed when the server started):
/// never a link out of it, a FIFO that would hang the reader, or a device.
fn read_regular(out: &Path, path: &Path) -> Option<Vec<u8>> {
    let real = std::fs::canonicalize(path).ok()?;
    if !real.starts_with(out) {
        return None;
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(&real)
        .ok()?;
    let meta = file.metadata().ok()?;
    if !meta.is_file() || meta.len() > MAX_FILE {
        return None;
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(MAX_FILE).read_to_end(&mut bytes).ok()?;
    Some(bytes)
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

fn respond(
    stream: &mut TcpStream,
    status: &str,
    kind: &str,
    body: &[u8],
    head: bool,
) -> std::io::Result<()> {
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    if !head {
        stream.write_all(body)?;
    }
    stream.flush()
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

    fn request(text: &str) -> Result<Request, Refusal> {
        read_request(&mut text.as_bytes())
    }

    #[test]
    fn a_request_is_read_within_its_bounds() {
        assert_eq!(
            request("HEAD /a.pdf HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n\r\n"),
            Ok(Request {
                head: true,
                target: "/a.pdf".to_owned(),
                host: Some("127.0.0.1:8000".to_owned()),
            })
        );
        assert_eq!(request("POST / HTTP/1.1\r\n\r\n"), Err(Refusal::Method));
        let long = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(MAX_LINE));
        assert_eq!(request(&long), Err(Refusal::TooLarge));
        let many = format!(
            "GET / HTTP/1.1\r\n{}\r\n",
            "X: y\r\n".repeat(MAX_HEADERS + 1)
        );
        assert_eq!(request(&many), Err(Refusal::TooLarge));
        assert_eq!(
            request("GET / HTTP/1.1\r\nHost: x"),
            Err(Refusal::BadRequest)
        );
    }

    #[test]
    fn only_regular_files_inside_the_output_folder_are_read() {
        let dir = std::env::temp_dir().join(format!("jixiao-serve-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let out = dir.join("out");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join("a.html"), "page").unwrap();
        std::fs::write(dir.join("secret"), "secret").unwrap();
        std::os::unix::fs::symlink(dir.join("secret"), out.join("leak.html")).unwrap();
        let fifo = std::ffi::CString::new(out.join("x.html").to_str().unwrap()).unwrap();
        // SAFETY: mkfifo reads the NUL-terminated path it is given.
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
        let out = std::fs::canonicalize(&out).unwrap();
        assert_eq!(
            read_regular(&out, &out.join("a.html")).as_deref(),
            Some(&b"page"[..])
        );
        assert_eq!(read_regular(&out, &out.join("leak.html")), None);
        assert_eq!(read_regular(&out, &out.join("x.html")), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
