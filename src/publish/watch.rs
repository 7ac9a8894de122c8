//! `jixiao watch`: build, then build again whenever a data file, a template
//! or a font changes.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::build::Run;
use super::state::State;
use super::summary::Summary;
use super::{BuildOptions, found_files, writer};
use crate::pipeline::Project;

/// What changed in a project while `watch` waited.
enum Change {
    Data,
    Templates,
}

/// Builds, then builds again whenever a data file or template changes,
/// until `keep_going` says stop; `on_build` gets each build's summary. A
/// change to data rebuilds only the documents it touches, in the same warm
/// worker processes; a change to the templates or fonts starts afresh.
/// What a save can break (a template that does not parse, a data folder
/// empty for a moment during an editor's save, a font role left without a
/// font) goes to `on_error`, and watching goes on: the output folder keeps
/// the last good build until the next change builds again.
pub fn watch(
    project: &Project,
    options: &BuildOptions,
    on_build: &mut dyn FnMut(&Summary),
    on_error: &mut dyn FnMut(&anyhow::Error),
    keep_going: &dyn Fn() -> bool,
) -> anyhow::Result<()> {
    let state = State::open(&options.out, writer(options.shard), &options.holder)?;
    while keep_going() {
        let seen = snapshot(project);
        let session = match Run::new(project, options) {
            Ok(session) => session,
            Err(error) => {
                on_error(&error);
                match wait_for_change(project, &seen, keep_going) {
                    Some(_) => continue,
                    None => return Ok(()),
                }
            }
        };
        loop {
            let started = Instant::now();
            let seen = snapshot(project);
            let run = found_files(project).and_then(|found| session.run(&state, found, &|_| {}));
            match run {
                Ok(mut summary) => {
                    summary.seconds = started.elapsed().as_secs_f64();
                    on_build(&summary);
                }
                Err(error) => on_error(&error),
            }
            match wait_for_change(project, &seen, keep_going) {
                Some(Change::Data) => continue,
                Some(Change::Templates) => break,
                None => return Ok(()),
            }
        }
    }
    Ok(())
}

/// The modification time and size of every file under the project's data,
/// templates and font folders, by path.
type Snapshot = std::collections::BTreeMap<PathBuf, (std::time::SystemTime, u64)>;

fn snapshot(project: &Project) -> (Snapshot, Snapshot) {
    let others = project.templates.iter().chain(&project.font_dirs);
    (scan([&project.data]), scan(others))
}

fn scan<'p>(dirs: impl IntoIterator<Item = &'p PathBuf>) -> Snapshot {
    dirs.into_iter()
        .flat_map(|dir| walkdir::WalkDir::new(dir).follow_links(true))
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| {
            let meta = e.metadata().ok()?;
            Some((e.into_path(), (meta.modified().ok()?, meta.len())))
        })
        .collect()
}

/// Polls the project every tenth of a second until something changed, or
/// `keep_going` says stop (`None`). Polling needs no watcher thread or
/// platform API, and a tenth of a second is below what a person notices.
fn wait_for_change(
    project: &Project,
    seen: &(Snapshot, Snapshot),
    keep_going: &dyn Fn() -> bool,
) -> Option<Change> {
    while keep_going() {
        std::thread::sleep(Duration::from_millis(100));
        let now = snapshot(project);
        if now.1 != seen.1 {
            return Some(Change::Templates);
        }
        if now.0 != seen.0 {
            return Some(Change::Data);
        }
    }
    None
}
