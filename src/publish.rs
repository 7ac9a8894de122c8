//! Publishing: every data file through the [pipeline](crate::pipeline)'s
//! stages into the output folder.
//!
//! Documents are independent: one that fails is reported and leaves its
//! previous outputs as they were (when they are intact), and the others go
//! on. One build at a time writes an output folder; at its end the folder
//! holds exactly the published documents, and `index.html` and `SHA256SUMS`
//! describe exactly what is on disk. [`build`] runs once, [`watch`] again on
//! every change, and [`index`] assembles what the shards of a build wrote.

mod batch;
mod build;
mod folder;
mod outputs;
pub(crate) mod plan;
mod stamps;
mod state;
mod summary;
mod watch;

use std::path::{Path, PathBuf};
use std::time::Instant;

pub use folder::index;
pub use plan::Shard;
pub use plan::{CHECKSUMS, INDEX};
pub use stamps::Published;
pub use state::{StateError, state_dir};
pub use summary::{DocReport, Outcome, Summary};
pub use watch::watch;

use crate::load::{Found, data_files};
use crate::model::Date;
pub use crate::pipeline::Project;
use crate::typeset::worker::Limits;
use build::Run;
use state::{State, Writer};

pub use crate::load::MAX_DOCUMENTS;

/// How to build.
#[derive(Clone, Debug, Default)]
pub struct BuildOptions {
    pub out: PathBuf,
    /// Rebuild documents whose inputs are unchanged.
    pub force: bool,
    /// Also write each document's Typst sources here.
    pub emit_typst: Option<PathBuf>,
    /// Worker processes; 0 means one per core.
    pub jobs: usize,
    /// The date of documents whose data gives none (`SOURCE_DATE_EPOCH`);
    /// without it, 1 January of the budget year.
    pub source_date: Option<Date>,
    /// Bounds on each document's typesetting.
    pub limits: Limits,
    /// The jixiao binary, which typesets in worker processes.
    pub worker: PathBuf,
    /// How the lock file describes this build to another that finds it busy.
    pub holder: String,
    /// Build only this share of the documents, leaving the index, the
    /// checksums and the other shares' files to `jixiao index`.
    pub shard: Option<Shard>,
}

/// Builds every document; `on_progress` is called once per document, with
/// the total, as each finishes.
pub fn build(
    project: &Project,
    options: &BuildOptions,
    on_progress: &(dyn Fn(usize) + Sync),
) -> anyhow::Result<Summary> {
    let started = Instant::now();
    if let Some(emit) = &options.emit_typst {
        refuse_emit_into(emit, &[&project.data, &options.out])?;
    }
    let run = Run::new(project, options)?;
    let found = found_files(project)?;
    let state = State::open(&options.out, writer(options.shard), &options.holder)?;
    let mut summary = run.run(&state, found, on_progress)?;
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// Refuses `--emit-typst` into the data or the output folder (or a folder
/// in either): the sources would be read as data files, or published.
fn refuse_emit_into(emit: &Path, folders: &[&Path]) -> anyhow::Result<()> {
    let real = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_owned());
    let emit_real = real(emit);
    for folder in folders {
        anyhow::ensure!(
            !emit_real.starts_with(real(folder)),
            "--emit-typst {} is inside {}, whose files would then be read or published as the site's; give a folder outside it",
            emit.display(),
            folder.display()
        );
    }
    Ok(())
}

/// The data files of the project, within the limit of a run.
pub(super) fn found_files(project: &Project) -> anyhow::Result<Found> {
    let found = data_files(&project.data)?;
    anyhow::ensure!(
        found.files.len() <= MAX_DOCUMENTS,
        "the data folder has {} data files; a run builds at most {MAX_DOCUMENTS}: split it into several folders",
        found.files.len()
    );
    Ok(found)
}

/// How a build writes its output folder: alone, or as one of its shards.
pub(super) fn writer(shard: Option<Shard>) -> Writer {
    shard.map_or(Writer::Whole, Writer::Shard)
}
