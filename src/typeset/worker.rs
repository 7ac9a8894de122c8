//! Typesetting in worker processes, each document bounded in time and memory.
//!
//! Typst has no way to stop a compilation from outside, and a template or a
//! data file can ask it for unbounded work (`range(2000000000)`, a 4 MiB
//! table). A thread cannot be stopped or held to a memory budget; a process
//! can: each worker runs with an `RLIMIT_DATA` ceiling and is killed when a
//! document overruns its time. The document fails with a message naming the
//! limit, a fresh worker takes the next one, and nothing else is disturbed.
//! A worker lives for many documents, so Typst's caches stay warm.
//!
//! The protocol is frames (a little-endian `u32` length, then the bytes) on
//! the worker's stdin and stdout: first the [`Setup`] as JSON, then per
//! document its `main.typ`, answered by a JSON [`Header`] and, on success,
//! the PDF and the HTML.

use std::io::{BufReader, BufWriter, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::{PhaseTimes, Problem, ProblemKind, Setup, Typeset, Typesetter};

/// The hidden command line argument that makes `jixiao` a worker.
pub const WORKER_COMMAND: &str = "typeset-worker";

/// The exit status of a worker whose allocation failed: it reached its
/// memory limit (see [`crate::alloc`]).
pub const OUT_OF_MEMORY: i32 = 86;

/// How many documents a worker process typesets before the parent replaces
/// it with a fresh one. Typst's memoization grows without bound, and
/// ending the process is the cheapest way to drop it: the system takes
/// the memory back whole, where evicting Typst's caches visits and frees
/// every entry, on a heap the entries have scattered. On the bench's 200
/// documents with two workers, in two rounds, replacing each worker after
/// 4 documents took 69-71 s of CPU where evicting every 4 documents took
/// 81-88 s, with a lower peak (423 MiB against 550). A worker's start is
/// about 10 ms, handed the fonts its parent found.
pub const RETIRE_AFTER: usize = 4;

/// The frame that asks a worker to evict Typst's caches instead of
/// typesetting: never a source, which is UTF-8.
const EVICT: &[u8] = &[0xFF];

/// Typst recurses deeply; the worker typesets on a thread with a large stack.
const STACK: usize = 16 * 1024 * 1024;

/// No frame is larger: a PDF of the largest data file is a few megabytes.
const MAX_FRAME: usize = 1 << 30;

/// Bounds on one document's typesetting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub time: Duration,
    /// Bytes of memory a worker may use, fonts and caches included.
    pub memory: u64,
}

/// The default memory admits the largest data file jixiao reads (4 MiB,
/// over 1,000 pages), which peaks near 2 GiB: Typst keeps every layout pass
/// of a document until the last, and one label cell per group per page
/// takes up to four passes.
impl Default for Limits {
    fn default() -> Self {
        Self {
            time: Duration::from_secs(120),
            memory: 3 << 30,
        }
    }
}

/// The answer to one document.
#[derive(Debug, Serialize, Deserialize)]
struct Header {
    pages: usize,
    times: PhaseTimes,
    problems: Option<Vec<Problem>>,
}

/// The exit status of a worker that stopped itself: its parent died, or a
/// document ran past its time with no parent left to stop it.
pub const ORPHANED: i32 = 87;

/// How often a worker looks whether its parent is alive and its document
/// within its time.
const WATCH_EVERY: Duration = Duration::from_millis(100);

/// Past its limit, a document is stopped by the parent, which says why;
/// the worker stops itself only this much later, when no parent did.
const GRACE: Duration = Duration::from_secs(2);

/// Runs in the worker process: reads the setup, then typesets documents
/// until its input ends. It dies with its parent, and holds each document
/// to `time` itself, so a killed build leaves no process behind.
pub fn serve(memory: u64, time: Duration) -> std::io::Result<()> {
    limit_memory(memory)?;
    let started: Arc<Mutex<Option<Instant>>> = Arc::default();
    let watched = started.clone();
    std::thread::Builder::new().spawn(move || watch_over(&watched, time + GRACE))?;
    let worker = std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(move || {
            serve_documents(
                &mut std::io::stdin().lock(),
                &mut std::io::stdout().lock(),
                &started,
            )
        })?;
    worker
        .join()
        .unwrap_or_else(|_| Err(std::io::Error::other("the worker thread panicked")))
}

/// Ends the worker when its parent is gone (it then has another parent),
/// or when the document it typesets has run for `limit`.
fn watch_over(started: &Mutex<Option<Instant>>, limit: Duration) {
    // SAFETY: getppid has no preconditions and cannot fail.
    let parent = unsafe { libc::getppid() };
    loop {
        std::thread::sleep(WATCH_EVERY);
        // SAFETY: as above.
        let orphaned = unsafe { libc::getppid() } != parent;
        let overran = started
            .lock()
            .ok()
            .and_then(|s| *s)
            .is_some_and(|s| s.elapsed() > limit);
        if orphaned || overran {
            std::process::exit(ORPHANED);
        }
    }
}

fn serve_documents(
    input: &mut impl Read,
    output: &mut impl Write,
    started: &Mutex<Option<Instant>>,
) -> std::io::Result<()> {
    let mut input = BufReader::new(input);
    let setup: Setup = serde_json::from_slice(&read_frame(&mut input)?.unwrap_or_default())?;
    let typesetter = Typesetter::new(&setup).map_err(std::io::Error::other)?;
    let mut output = BufWriter::new(output);
    let mut start_up = Some(crate::cpu::process());
    let mark = |at: Option<Instant>| {
        if let Ok(mut started) = started.lock() {
            *started = at;
        }
    };
    while let Some(main) = read_frame(&mut input)? {
        if main == EVICT {
            typst::comemo::evict(0);
            continue;
        }
        let main = String::from_utf8_lossy(&main);
        mark(Some(Instant::now()));
        let mut result = typesetter.typeset(&main);
        mark(None);
        if let (Ok(typeset), Some(start)) = (&mut result, start_up.take()) {
            typeset.times.start_up = start;
        }
        write_answer(&mut output, result)?;
        output.flush()?;
    }
    Ok(())
}

fn write_answer(
    output: &mut impl Write,
    result: Result<Typeset, Vec<Problem>>,
) -> std::io::Result<()> {
    match result {
        Ok(typeset) => {
            let header = Header {
                pages: typeset.pages,
                times: typeset.times,
                problems: None,
            };
            write_frame(output, &serde_json::to_vec(&header)?)?;
            write_frame(output, &typeset.pdf)?;
            write_frame(output, typeset.html.as_bytes())
        }
        Err(problems) => {
            let header = Header {
                pages: 0,
                times: PhaseTimes::default(),
                problems: Some(problems),
            };
            write_frame(output, &serde_json::to_vec(&header)?)
        }
    }
}

/// Sets the worker's `RLIMIT_DATA`: heap and anonymous mappings, the memory
/// a runaway document takes, past which allocations fail.
fn limit_memory(bytes: u64) -> std::io::Result<()> {
    let limit = libc::rlimit {
        rlim_cur: bytes,
        rlim_max: bytes,
    };
    // SAFETY: setrlimit only reads the struct it is given.
    let status = unsafe { libc::setrlimit(libc::RLIMIT_DATA, &limit) };
    if status == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

fn write_frame(output: &mut impl Write, bytes: &[u8]) -> std::io::Result<()> {
    let length = u32::try_from(bytes.len())
        .map_err(|_| std::io::Error::other("a frame larger than 4 GiB"))?;
    output.write_all(&length.to_le_bytes())?;
    output.write_all(bytes)
}

/// The next frame, or `None` at the end of the input.
fn read_frame(input: &mut impl Read) -> std::io::Result<Option<Vec<u8>>> {
    let mut length = [0; 4];
    match input.read_exact(&mut length) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let length = u32::from_le_bytes(length) as usize;
    if length > MAX_FRAME {
        return Err(std::io::Error::other("a frame larger than the limit"));
    }
    let mut bytes = vec![0; length];
    input.read_exact(&mut bytes)?;
    Ok(Some(bytes))
}

/// What the parent needs to start workers.
pub struct Pool {
    exe: PathBuf,
    setup: Vec<u8>,
    limits: Limits,
    /// Worker processes a finished batch handed back, warm: `jixiao watch`
    /// runs batch after batch, and a warm process typesets a changed
    /// document from Typst's memoized work instead of from nothing.
    idle: Mutex<Vec<Live>>,
    /// Retired workers not yet reaped (see [`Worker::retire`]).
    retired: Mutex<Vec<Child>>,
}

impl Pool {
    /// Workers run `exe` (the jixiao binary) with [`WORKER_COMMAND`].
    pub fn new(exe: PathBuf, setup: &Setup, limits: Limits) -> Self {
        Self {
            exe,
            setup: serde_json::to_vec(setup).unwrap_or_default(),
            limits,
            idle: Mutex::new(Vec::new()),
            retired: Mutex::new(Vec::new()),
        }
    }

    /// A worker for one thread of the batch: a process an earlier batch
    /// handed back, or one that starts with the first document.
    pub fn worker(&self) -> Worker<'_> {
        Worker {
            pool: self,
            live: self.idle.lock().ok().and_then(|mut idle| idle.pop()),
        }
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        if let Ok(idle) = self.idle.get_mut() {
            idle.drain(..).for_each(Live::end);
        }
        if let Ok(retired) = self.retired.get_mut() {
            for mut child in retired.drain(..) {
                let _ = child.wait();
            }
        }
    }
}

/// One worker process, started on demand and replaced after a failure.
pub struct Worker<'p> {
    pool: &'p Pool,
    live: Option<Live>,
}

struct Live {
    /// The documents it has typeset (see [`RETIRE_AFTER`]).
    served: usize,
    child: Child,
    input: BufWriter<ChildStdin>,
    answers: Receiver<std::io::Result<Answer>>,
}

type Answer = (Header, Vec<u8>, Vec<u8>);

impl Worker<'_> {
    /// Typesets a rendered `main.typ` in the worker process, within the limits.
    pub fn typeset(&mut self, main: &str) -> Result<Typeset, Vec<Problem>> {
        if self.live.as_ref().is_some_and(|l| l.served >= RETIRE_AFTER) {
            self.retire();
        }
        let live =
            match &mut self.live {
                Some(live) => live,
                None => self.live.insert(self.start().map_err(|e| {
                    vec![crashed(format!("cannot start a typesetting process: {e}"))]
                })?),
            };
        let sent = write_frame(&mut live.input, main.as_bytes()).and_then(|()| live.input.flush());
        let answer = match sent {
            Ok(()) => live.answers.recv_timeout(self.pool.limits.time),
            Err(_) => Err(RecvTimeoutError::Disconnected),
        };
        if answer.as_ref().is_ok_and(|a| a.is_ok()) {
            live.served += 1;
        }
        match answer {
            Ok(Ok((header, pdf, html))) => match header.problems {
                Some(problems) => Err(problems),
                None => Ok(Typeset {
                    pdf,
                    html: String::from_utf8_lossy(&html).into_owned(),
                    pages: header.pages,
                    times: header.times,
                }),
            },
            Ok(Err(_)) | Err(RecvTimeoutError::Disconnected) => Err(vec![self.died()]),
            Err(RecvTimeoutError::Timeout) => {
                self.stop();
                let seconds = self.pool.limits.time.as_secs_f64();
                Err(vec![Problem::unplaced(
                    ProblemKind::TimeLimit,
                    format!(
                        "typesetting took longer than the limit of {seconds} s per document; is a table or a loop far larger than intended? (--time-limit raises it)"
                    ),
                )])
            }
        }
    }

    fn start(&self) -> std::io::Result<Live> {
        let mut child = Command::new(&self.pool.exe)
            .arg(WORKER_COMMAND)
            .arg("--memory-limit")
            .arg(self.pool.limits.memory.to_string())
            .arg("--time-limit")
            .arg(self.pool.limits.time.as_secs().to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.kill();
            return Err(std::io::Error::other("the worker has no pipes"));
        };
        let mut input = BufWriter::new(stdin);
        write_frame(&mut input, &self.pool.setup)?;
        let (sender, answers) = channel();
        std::thread::Builder::new().spawn(move || {
            let mut stdout = BufReader::new(stdout);
            while let Some(answer) = read_answer(&mut stdout).transpose() {
                let failed = answer.is_err();
                if sender.send(answer).is_err() || failed {
                    break;
                }
            }
        })?;
        Ok(Live {
            served: 0,
            child,
            input,
            answers,
        })
    }

    /// The problem of a worker that stopped answering: out of memory when
    /// its exit says so, else a crash (a stack overflow, a signal).
    fn died(&mut self) -> Problem {
        let status = self.live.take().and_then(|mut live| {
            drop(live.input);
            live.child.wait().ok()
        });
        match status.and_then(|s| s.code()) {
            Some(OUT_OF_MEMORY) => {
                let mib = self.pool.limits.memory >> 20;
                Problem::unplaced(
                    ProblemKind::MemoryLimit,
                    format!(
                        "typesetting needed more than the memory limit of {mib} MiB; is a table far larger than intended? (--memory-limit raises it)"
                    ),
                )
            }
            _ => crashed(format!(
                "the typesetting process stopped unexpectedly ({})",
                status.map_or_else(|| "no exit status".to_owned(), |s| s.to_string())
            )),
        }
    }

    /// Ends the worker's input, so that it exits, without waiting for it:
    /// the next document starts a fresh one meanwhile, and the pool reaps
    /// the old one later.
    fn retire(&mut self) {
        if let Some(Live { child, input, .. }) = self.live.take() {
            drop(input);
            if let Ok(mut retired) = self.pool.retired.lock() {
                retired.retain_mut(|c| c.try_wait().ok().flatten().is_none());
                retired.push(child);
            }
        }
    }

    fn stop(&mut self) {
        if let Some(mut live) = self.live.take() {
            let _ = live.child.kill();
            let _ = live.child.wait();
        }
    }
}

impl Drop for Worker<'_> {
    /// A working process goes back to the pool for the next batch, warm
    /// (`jixiao watch` rebuilds a saved document in it). One that has
    /// served its documents clears Typst's caches, while it waits, instead
    /// of being replaced: the next save then finds its fonts loaded. (On the
    /// 9-page 攀枝花 seed, twelve saves with bench/watch.py's edit, twice: a
    /// save took 0.03–0.05 s warm and 0.16–0.20 s just after a clearing.)
    fn drop(&mut self) {
        if let Some(mut live) = self.live.take() {
            if live.served >= RETIRE_AFTER && live.ask_to_evict().is_ok() {
                live.served = 0;
            }
            match self.pool.idle.lock() {
                Ok(mut idle) => idle.push(live),
                Err(_) => live.end(),
            }
        }
    }
}

impl Live {
    /// Asks the worker to evict Typst's caches; it answers nothing.
    fn ask_to_evict(&mut self) -> std::io::Result<()> {
        write_frame(&mut self.input, EVICT)?;
        self.input.flush()
    }

    /// Closing its input ends a worker's loop; it is then reaped.
    fn end(self) {
        let Live {
            mut child, input, ..
        } = self;
        drop(input);
        let _ = child.wait();
    }
}

fn crashed(message: String) -> Problem {
    Problem::unplaced(ProblemKind::Crashed, message)
}

fn read_answer(input: &mut impl Read) -> std::io::Result<Option<Answer>> {
    let Some(header) = read_frame(input)? else {
        return Ok(None);
    };
    let header: Header = serde_json::from_slice(&header)?;
    if header.problems.is_some() {
        return Ok(Some((header, Vec::new(), Vec::new())));
    }
    let eof = || std::io::Error::from(std::io::ErrorKind::UnexpectedEof);
    let pdf = read_frame(input)?.ok_or_else(eof)?;
    let html = read_frame(input)?.ok_or_else(eof)?;
    Ok(Some((header, pdf, html)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_end_cleanly() {
        let mut bytes = Vec::new();
        write_frame(&mut bytes, b"main.typ").unwrap();
        write_frame(&mut bytes, b"").unwrap();
        let mut input = bytes.as_slice();
        assert_eq!(read_frame(&mut input).unwrap().unwrap(), b"main.typ");
        assert_eq!(read_frame(&mut input).unwrap().unwrap(), b"");
        assert!(read_frame(&mut input).unwrap().is_none());
    }

    #[test]
    fn a_frame_beyond_the_limit_is_refused() {
        let bytes = u32::MAX.to_le_bytes();
        assert!(read_frame(&mut bytes.as_slice()).is_err());
    }

    #[test]
    fn answers_carry_problems_or_outputs() {
        let mut bytes = Vec::new();
        let problem = Problem::unplaced(ProblemKind::Typst, "bad".to_owned());
        write_answer(&mut bytes, Err(vec![problem.clone()])).unwrap();
        let typeset = Typeset {
            pdf: b"%PDF".to_vec(),
            html: "<html>".to_owned(),
            pages: 2,
            times: PhaseTimes::default(),
        };
        write_answer(&mut bytes, Ok(typeset)).unwrap();
        let mut input = bytes.as_slice();
        let (header, ..) = read_answer(&mut input).unwrap().unwrap();
        assert_eq!(header.problems, Some(vec![problem]));
        let (header, pdf, html) = read_answer(&mut input).unwrap().unwrap();
        assert_eq!(
            (header.pages, pdf.as_slice(), html.as_slice()),
            (2, &b"%PDF"[..], &b"<html>"[..])
        );
    }
}
