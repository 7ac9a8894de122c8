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
    #[error("cannot use the output folder {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The state of one output folder, locked for this build until dropped.
pub struct State {
    dir: PathBuf,
    out: PathBuf,
    /// Starts the names of this build's temporary files: builds of several
    /// shards write into one state folder at once, from machines whose
    /// process ids may be the same.
    temp_prefix: String,
    /// Held for the life of the build: the OS releases it if the build dies.
    _lock: File,
    next_temp: AtomicU64,
}

const LOCK: &str = "lock";
/// How the locks of shards start (`shard-2-of-3`): several are held at once.
pub const SHARD_LOCK: &str = "shard-";
const STAMPS: &str = "stamps";
const TEMP: &str = "tmp";

impl State {
    /// Locks the output folder `out` (creating it) for this build, described
    /// as `holder` to any other build that tries it meanwhile. `lock_name`
    /// tells apart locks that may be held at once (one per shard).
    pub fn open(out: &Path, lock_name: &str, holder: &str) -> Result<Self, StateError> {
        let io = |path: &Path| {
            let path = path.to_owned();
            move |source| StateError::Io { path, source }
        };
        let dir = state_dir(out);
        let existed = dir.is_dir();
        if !existed && is_foreign(out) {
            return Err(StateError::NotOurs {
                out: out.to_owned(),
                checksums: super::CHECKSUMS,
                state: dir,
            });
        }
        std::fs::create_dir_all(out).map_err(io(out))?;
        std::fs::create_dir_all(dir.join(TEMP)).map_err(io(&dir))?;
        let lock_path = dir.join(format!("{lock_name}.{LOCK}"));
        let mut lock = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(io(&lock_path))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = lock.read_to_string(&mut holder);
                return Err(StateError::Busy {
                    out: out.to_owned(),
                    holder: holder.trim().to_owned(),
                });
            }
            Err(TryLockError::Error(e)) => return Err(io(&lock_path)(e)),
        }
        lock.set_len(0).map_err(io(&lock_path))?;
        lock.write_all(holder.as_bytes()).map_err(io(&lock_path))?;
        let state = Self {
            dir,
            out: out.to_owned(),
            temp_prefix: format!("{lock_name}-"),
            _lock: lock,
            next_temp: AtomicU64::new(0),
        };
        state.sweep_temp();
        Ok(state)
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
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let number = self.next_temp.fetch_add(1, Ordering::Relaxed);
        let temporary = self.dir.join(TEMP).join(format!(
            "{}{}-{number}",
            self.temp_prefix,
            std::process::id()
        ));
        let written = std::fs::write(&temporary, bytes).and_then(|()| {
            std::fs::rename(&temporary, path).map_err(|e| {
                if e.kind() == std::io::ErrorKind::CrossesDevices {
                    std::io::Error::other(format!(
                        "{} and the build's state folder {} are on different file systems; mount the volume one level above the output folder",
                        self.out.display(),
                        self.dir.display()
                    ))
                } else {
                    e
                }
            })
        });
        if written.is_err() {
            let _ = std::fs::remove_file(&temporary);
        }
        written
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
        let first = State::open(&out, "build", "pid 1, jixiao build").unwrap();
        match State::open(&out, "build", "pid 2") {
            Err(StateError::Busy { holder, .. }) => assert_eq!(holder, "pid 1, jixiao build"),
            other => panic!("{:?}", other.err()),
        }
        drop(first);
        assert!(State::open(&out, "build", "pid 3").is_ok());
    }

    #[test]
    fn a_folder_of_other_files_is_not_taken_over() {
        let dir = scratch("foreign");
        let out = dir.0.join("site");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join("notes.txt"), "mine").unwrap();
        assert!(matches!(
            State::open(&out, "build", "x"),
            Err(StateError::NotOurs { .. })
        ));
    }

    #[test]
    fn temporary_files_are_written_outside_the_output_folder_and_swept() {
        let dir = scratch("temp");
        let out = dir.0.join("out");
        let state = State::open(&out, "shard-1-of-3", "x").unwrap();
        std::fs::write(state_dir(&out).join(TEMP).join("shard-1-of-3-1-0"), "draft").unwrap();
        std::fs::write(state_dir(&out).join(TEMP).join("shard-2-of-3-1-0"), "busy").unwrap();
        state.write_atomic(&out.join("a/b.pdf"), b"pdf").unwrap();
        assert_eq!(std::fs::read(out.join("a/b.pdf")).unwrap(), b"pdf");
        drop(state);
        let again = State::open(&out, "shard-1-of-3", "x").unwrap();
        let left = || -> Vec<_> {
            std::fs::read_dir(state_dir(&out).join(TEMP))
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect()
        };
        assert_eq!(left(), ["shard-2-of-3-1-0"], "another shard's file stays");
        drop(again);
        let _whole = State::open(&out, "build", "x").unwrap();
        assert!(left().is_empty(), "a whole build sweeps all");
    }
}
