//! The build's own files, kept beside the output folder and never in it:
//! the lock that lets one build at a time write an output folder, the stamps
//! that say which outputs are up to date, and the temporary files outputs are
//! written to before they are renamed into place.
//!
//! For `--out site` they live in `.site.jixiao/` next to `site/`: a web
//! server that publishes `site/` never serves a draft, a stamp or a review
//! note, and the published tree holds nothing but the published files.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::plan::Shard;

/// Why the output folder cannot be written.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error(
        "{out} is being written by another jixiao build ({holder}); wait for it to finish, or stop it"
    )]
    Busy { out: PathBuf, holder: String },
    #[error(
        "{out} holds files jixiao did not write (it has no {checksums} and no {state}); choose an empty or new output folder"
    )]
    NotOurs {
        out: PathBuf,
        checksums: &'static str,
        state: PathBuf,
    },
    #[error(
        "{out} is a symbolic link to {target}, which is not a folder; create the folder, or remove the link"
    )]
    BrokenLink { out: PathBuf, target: PathBuf },
    #[error(
        "{out} and the build's state folder {state} are on different file systems (a volume or bind mount at the output folder), so no output could be put in place; nothing was changed: mount the volume one level above the output folder"
    )]
    OtherFileSystem { out: PathBuf, state: PathBuf },
    #[error("cannot use the output folder {path}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The state of one output folder, locked for this build until dropped.
pub struct State {
    dir: PathBuf,
    /// The output folder's real path: a link to it is followed once, here,
    /// and nothing written or removed later leaves it.
    out: PathBuf,
    /// Starts the names of this build's temporary files: builds of several
    /// shards write into one state folder at once, from machines whose
    /// process ids may be the same.
    temp_prefix: String,
    /// Held for the life of the build: the OS releases them if the build
    /// dies. A whole build (and `index`, and `watch`) holds the folder's
    /// lock alone; shards hold it together, each also holding its own.
    _locks: Vec<Lock>,
    next_temp: AtomicU64,
}

/// The folder's lock, which every writer of the output folder takes.
const LOCK: &str = "build.lock";
/// How the locks of shards start (`shard-2-of-3`).
const SHARD_LOCK: &str = "shard-";
const STAMPS: &str = "stamps";
/// How the file starts that a build renames into the output folder, and
/// removes at once, to learn that renames into it work.
pub const PROBE: &str = ".jixiao-probe-";
const TEMP: &str = "tmp";

/// Who writes the output folder: one writer of the whole folder, or one of
/// the shards that write it together.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Writer {
    Whole,
    Shard(Shard),
}

impl Writer {
    fn own_lock(self) -> Option<String> {
        match self {
            Self::Whole => None,
            Self::Shard(s) => Some(format!("{SHARD_LOCK}{}-of-{}.lock", s.index, s.count)),
        }
    }

    fn temp_prefix(self) -> String {
        match self {
            Self::Whole => "build-".to_owned(),
            Self::Shard(s) => format!("{SHARD_LOCK}{}-of-{}-", s.index, s.count),
        }
    }
}

/// A lock file held, which says who holds it while it is held.
struct Lock {
    file: File,
    /// Whether this build alone holds it, and so wrote the holder into it.
    exclusive: bool,
}

impl Drop for Lock {
    fn drop(&mut self) {
        if self.exclusive {
            let _ = self.file.set_len(0);
        }
    }
}

impl State {
    /// Locks the output folder `out` (creating it) for `writer`, described
    /// as `holder` to any other build that tries it meanwhile.
    pub fn open(out: &Path, writer: Writer, holder: &str) -> Result<Self, StateError> {
        let out = real_folder(out)?;
        let dir = state_dir(&out);
        if !dir.is_dir() && is_foreign(&out) {
            return Err(StateError::NotOurs {
                out,
                checksums: super::CHECKSUMS,
                state: dir,
            });
        }
        std::fs::create_dir_all(&out).map_err(io(&out))?;
        std::fs::create_dir_all(dir.join(TEMP)).map_err(io(&dir))?;
        let busy = |holder: String| StateError::Busy {
            out: out.clone(),
            holder,
        };
        let folder = dir.join(LOCK);
        let mut locks = Vec::new();
        match writer.own_lock() {
            None => locks.push(
                Lock::exclusive(&folder, holder)?.ok_or_else(|| busy(holders(&dir, &folder)))?,
            ),
            Some(own) => {
                let own = dir.join(own);
                locks.push(Lock::shared(&folder)?.ok_or_else(|| busy(holders(&dir, &folder)))?);
                locks.push(Lock::exclusive(&own, holder)?.ok_or_else(|| busy(read_holder(&own)))?);
            }
        }
        let state = Self {
            dir,
            out,
            temp_prefix: writer.temp_prefix(),
            _locks: locks,
            next_temp: AtomicU64::new(0),
        };
        state.sweep_temp();
        state.can_rename_into_out()?;
        Ok(state)
    }

    /// Whether a file staged in the state folder can be renamed into the
    /// output folder: not when the two are on different file systems (a
    /// volume mounted at `out/`, a bind mount), where every output would
    /// fail to be placed. Found before anything is written or removed.
    fn can_rename_into_out(&self) -> Result<(), StateError> {
        let probe = self.stage(b"").map_err(io(&self.dir))?;
        let target = self.out.join(format!("{PROBE}{}", std::process::id()));
        match std::fs::rename(&probe.0, &target) {
            Ok(()) => {
                probe.placed();
                let _ = std::fs::remove_file(&target);
                Ok(())
            }
            Err(e) if e.kind() == std::io::ErrorKind::CrossesDevices => {
                Err(StateError::OtherFileSystem {
                    out: self.out.clone(),
                    state: self.dir.clone(),
                })
            }
            Err(e) => Err(io(&self.out)(e)),
        }
    }

    pub fn out(&self) -> &Path {
        &self.out
    }

    /// Where the stamp of the document published at `relative` is kept.
    pub fn stamp_path(&self, relative: &Path) -> PathBuf {
        self.dir.join(STAMPS).join(relative.with_extension("json"))
    }

    /// The stamps folder, whose files mirror the published documents.
    pub fn stamps(&self) -> PathBuf {
        self.dir.join(STAMPS)
    }

    /// Writes `bytes` to a temporary file of the state folder and renames it
    /// to `path`: a reader of `path` sees the old file or the new one, never
    /// half of one, and an interrupted write leaves nothing in the output folder.
    pub fn write_atomic(&self, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
        self.place(self.stage(bytes)?, path)
    }

    /// Writes `bytes` in full to a temporary file of the state folder, to be
    /// [placed](Self::place); dropped unplaced, the file is removed.
    pub fn stage(&self, bytes: &[u8]) -> std::io::Result<Staged> {
        let number = self.next_temp.fetch_add(1, Ordering::Relaxed);
        let staged = Staged(self.dir.join(TEMP).join(format!(
            "{}{}-{number}",
            self.temp_prefix,
            std::process::id()
        )));
        std::fs::write(&staged.0, bytes)?;
        Ok(staged)
    }

    /// Renames a staged file to `path`, inside the output folder: a folder
    /// on the way that is a link leading out of it is refused, not followed.
    pub fn place(&self, staged: Staged, path: &Path) -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
            self.inside(dir)?;
        }
        std::fs::rename(&staged.0, path).map_err(|e| self.renamed(e, path))?;
        staged.placed();
        Ok(())
    }

    /// Refuses a folder whose real path is outside the output folder (and
    /// the state folder beside it).
    pub fn inside(&self, dir: &Path) -> std::io::Result<()> {
        let real = std::fs::canonicalize(dir)?;
        if real.starts_with(&self.out) || real.starts_with(&self.dir) {
            return Ok(());
        }
        Err(std::io::Error::other(format!(
            "{} leads through a symbolic link to {}, outside the output folder {}; jixiao writes only inside it: replace the link with a folder",
            dir.display(),
            real.display(),
            self.out.display()
        )))
    }

    fn renamed(&self, error: std::io::Error, path: &Path) -> std::io::Error {
        match error.kind() {
            std::io::ErrorKind::CrossesDevices => std::io::Error::other(format!(
                "{} and the build's state folder {} are on different file systems; mount the volume one level above the output folder",
                self.out.display(),
                self.dir.display()
            )),
            std::io::ErrorKind::IsADirectory | std::io::ErrorKind::DirectoryNotEmpty => {
                std::io::Error::other(format!(
                    "{} is a folder, where this output would go; rename or remove the folder",
                    path.display()
                ))
            }
            _ => error,
        }
    }

    /// Removes what an interrupted or failed build left in the temporary
    /// folder: all of it for a build of the whole folder, which no other
    /// build writes meanwhile; for a shard, what a build under its own lock
    /// left, as other shards may be writing theirs.
    fn sweep_temp(&self) {
        let shard = self.temp_prefix.starts_with(SHARD_LOCK);
        if let Ok(entries) = std::fs::read_dir(self.dir.join(TEMP)) {
            for entry in entries.flatten() {
                let ours = entry
                    .file_name()
                    .to_string_lossy()
                    .starts_with(&self.temp_prefix);
                if ours || !shard {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
        }
    }
}

/// The state folder of an output folder: `.site.jixiao` beside `site`.
pub fn state_dir(out: &Path) -> PathBuf {
    let name = out
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    parent.join(format!(".{name}.jixiao"))
}

/// A file of the state folder not yet in place, removed if never placed.
pub struct Staged(PathBuf);

impl Staged {
    /// Renamed into place: nothing is left to remove.
    fn placed(mut self) {
        self.0 = PathBuf::new();
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.0.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.0);
        }
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StateError + use<> {
    let path = path.to_owned();
    move |source| StateError::Io { path, source }
}

/// The output folder's real path, a link to it followed (and refused when
/// it leads nowhere); a folder not there yet is created.
fn real_folder(out: &Path) -> Result<PathBuf, StateError> {
    let linked = std::fs::symlink_metadata(out).is_ok_and(|m| m.file_type().is_symlink());
    if linked && !out.is_dir() {
        return Err(StateError::BrokenLink {
            out: out.to_owned(),
            target: std::fs::read_link(out).unwrap_or_default(),
        });
    }
    std::fs::create_dir_all(out).map_err(io(out))?;
    std::fs::canonicalize(out).map_err(io(out))
}

impl Lock {
    /// Opens a lock file, never through a link: truncating it would
    /// truncate whatever the link names.
    fn open(path: &Path) -> Result<File, StateError> {
        use std::os::unix::fs::OpenOptionsExt;
        OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .custom_flags(libc::O_NOFOLLOW)
            .open(path)
            .map_err(io(path))
    }

    /// The lock held alone, with `holder` written into it; `None` when
    /// another build holds it.
    fn exclusive(path: &Path, holder: &str) -> Result<Option<Self>, StateError> {
        let mut file = Self::open(path)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Ok(None),
            Err(TryLockError::Error(e)) => return Err(io(path)(e)),
        }
        file.set_len(0).map_err(io(path))?;
        file.write_all(holder.as_bytes()).map_err(io(path))?;
        Ok(Some(Self {
            file,
            exclusive: true,
        }))
    }

    /// The lock held together with other shards; `None` when a build of
    /// the whole folder holds it.
    fn shared(path: &Path) -> Result<Option<Self>, StateError> {
        let file = Self::open(path)?;
        match file.try_lock_shared() {
            Ok(()) => Ok(Some(Self {
                file,
                exclusive: false,
            })),
            Err(TryLockError::WouldBlock) => Ok(None),
            Err(TryLockError::Error(e)) => Err(io(path)(e)),
        }
    }
}

fn read_holder(path: &Path) -> String {
    let mut holder = String::new();
    let _ = File::open(path).and_then(|mut f| f.read_to_string(&mut holder));
    holder.trim().to_owned()
}

/// Who holds the folder's lock: the build of the whole folder that wrote
/// itself into it, else the shards whose own locks are held.
fn holders(dir: &Path, folder: &Path) -> String {
    let whole = read_holder(folder);
    if !whole.is_empty() {
        return whole;
    }
    let mut shards: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(SHARD_LOCK))
        })
        .filter(|p| {
            File::open(p)
                .is_ok_and(|f| matches!(f.try_lock_shared(), Err(TryLockError::WouldBlock)))
        })
        .map(|p| read_holder(&p))
        .collect();
    shards.sort();
    if shards.is_empty() {
        "a build whose lock is held".to_owned()
    } else {
        shards.join("; ")
    }
}

/// An existing, non-empty folder that no jixiao build has written: building
/// into it would remove its files as strays.
fn is_foreign(out: &Path) -> bool {
    let Ok(mut entries) = std::fs::read_dir(out) else {
        return false;
    };
    entries.next().is_some() && !out.join(super::CHECKSUMS).is_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A folder of the system's temporary folder, removed with what the
    /// test put in and beside it when the test ends.
    struct Scratch(PathBuf);

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn scratch(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("jixiao-state-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn shard(index: u32) -> Writer {
        Writer::Shard(Shard { index, count: 3 })
    }

    #[test]
    fn shards_write_together_and_nothing_else_writes_with_them() {
        let dir = scratch("shared");
        let out = dir.0.join("out");
        let one = State::open(&out, shard(1), "shard one").unwrap();
        let two = State::open(&out, shard(2), "shard two").unwrap();
        for busy in [Writer::Whole, shard(1)] {
            match State::open(&out, busy, "late") {
                Err(StateError::Busy { holder, .. }) => {
                    assert!(holder.contains("shard one"), "{holder}");
                }
                other => panic!("{:?}", other.err()),
            }
        }
        drop((one, two));
        let whole = State::open(&out, Writer::Whole, "the whole build").unwrap();
        match State::open(&out, shard(3), "late") {
            Err(StateError::Busy { holder, .. }) => assert_eq!(holder, "the whole build"),
            other => panic!("{:?}", other.err()),
        }
        drop(whole);
        assert!(State::open(&out, shard(3), "now").is_ok());
    }

    #[test]
    fn a_linked_output_folder_is_used_through_its_target() {
        let dir = scratch("link");
        let real = dir.0.join("real");
        std::fs::create_dir_all(&real).unwrap();
        std::os::unix::fs::symlink(&real, dir.0.join("out")).unwrap();
        let state = State::open(&dir.0.join("out"), Writer::Whole, "x").unwrap();
        state
            .write_atomic(&state.out().join("a.pdf"), b"pdf")
            .unwrap();
        assert_eq!(std::fs::read(real.join("a.pdf")).unwrap(), b"pdf");
        assert!(
            std::fs::symlink_metadata(dir.0.join("out"))
                .unwrap()
                .is_symlink()
        );
        std::os::unix::fs::symlink(dir.0.join("elsewhere"), dir.0.join("dangling")).unwrap();
        assert!(matches!(
            State::open(&dir.0.join("dangling"), Writer::Whole, "x"),
            Err(StateError::BrokenLink { .. })
        ));
    }

    #[test]
    fn a_folder_linked_out_of_the_output_folder_is_never_written_through() {
        let dir = scratch("escape");
        let outside = dir.0.join("outside");
        std::fs::create_dir_all(&outside).unwrap();
        let state = State::open(&dir.0.join("out"), Writer::Whole, "x").unwrap();
        std::os::unix::fs::symlink(&outside, state.out().join("2022")).unwrap();
        let error = state
            .write_atomic(&state.out().join("2022/a.pdf"), b"pdf")
            .unwrap_err();
        assert!(
            error.to_string().contains("outside the output folder"),
            "{error}"
        );
        assert!(std::fs::read_dir(&outside).unwrap().next().is_none());
    }

    #[test]
    fn the_state_folder_stands_beside_the_output_folder() {
        assert_eq!(state_dir(Path::new("out")), Path::new("./.out.jixiao"));
        assert_eq!(
            state_dir(Path::new("/srv/site")),
            Path::new("/srv/.site.jixiao")
        );
    }

    #[test]
    fn a_second_build_is_refused_and_told_who_holds_the_folder() {
        let dir = scratch("lock");
        let out = dir.0.join("out");
        let first = State::open(&out, Writer::Whole, "pid 1, jixiao build").unwrap();
        match State::open(&out, Writer::Whole, "pid 2") {
            Err(StateError::Busy { holder, .. }) => assert_eq!(holder, "pid 1, jixiao build"),
            other => panic!("{:?}", other.err()),
        }
        drop(first);
        assert!(State::open(&out, Writer::Whole, "pid 3").is_ok());
    }

    #[test]
    fn a_folder_of_other_files_is_not_taken_over() {
        let dir = scratch("foreign");
        let out = dir.0.join("site");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join("notes.txt"), "mine").unwrap();
        assert!(matches!(
            State::open(&out, Writer::Whole, "x"),
            Err(StateError::NotOurs { .. })
        ));
    }

    #[test]
    fn temporary_files_are_written_outside_the_output_folder_and_swept() {
        let dir = scratch("temp");
        let out = dir.0.join("out");
        let state = State::open(&out, shard(1), "x").unwrap();
        std::fs::write(state_dir(&out).join(TEMP).join("shard-1-of-3-1-0"), "draft").unwrap();
        std::fs::write(state_dir(&out).join(TEMP).join("shard-2-of-3-1-0"), "busy").unwrap();
        state.write_atomic(&out.join("a/b.pdf"), b"pdf").unwrap();
        assert_eq!(std::fs::read(out.join("a/b.pdf")).unwrap(), b"pdf");
        drop(state);
        let again = State::open(&out, shard(1), "x").unwrap();
        let left = || -> Vec<_> {
            std::fs::read_dir(state_dir(&out).join(TEMP))
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect()
        };
        assert_eq!(left(), ["shard-2-of-3-1-0"], "another shard's file stays");
        drop(again);
        let _whole = State::open(&out, Writer::Whole, "x").unwrap();
        assert!(left().is_empty(), "a whole build sweeps all");
    }
}
