//! The command line: every command and its arguments, with the groups
//! several commands share (`ProjectArgs`, `RunArgs`) flattened into each.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Result;
use clap::{Parser, Subcommand, ValueEnum};
use jixiao::publish::{self, BuildOptions, Project};
use jixiao::typeset::worker::{self, Limits};

use crate::{holder, source_date};

/// Publishes budget performance-target disclosures (预算绩效目标公开):
/// every data/**/*.yaml becomes a PDF and an HTML page.
#[derive(Parser)]
#[command(version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Checks and builds every document into the output folder.
    Build {
        #[command(flatten)]
        project: ProjectArgs,
        /// The output folder; each data file becomes <out>/<same path>.pdf and .html.
        #[arg(long, default_value = "out")]
        out: PathBuf,
        /// Rebuild every document, even those whose inputs have not changed.
        #[arg(long)]
        force: bool,
        /// Also write, per document, a folder with main.typ and everything it
        /// needs, compilable with `typst compile --root F F/main.typ`.
        #[arg(long, value_name = "DIR")]
        emit_typst: Option<PathBuf>,
        #[command(flatten)]
        run: RunArgs,
        /// Also print where the time went, per phase.
        #[arg(long)]
        timings: bool,
        /// How to print the outcome: the findings and a one-line summary for
        /// people, or one JSON object (counts, documents, findings with
        /// their hints) for programs.
        #[arg(long, value_enum, default_value_t = BuildFormat::Human)]
        format: BuildFormat,
        /// Build only the K-th of N shares of the documents (counted from
        /// 1), for a build spread over N machines writing one output folder;
        /// `jixiao index` then writes the index and checksums.
        #[arg(long, value_name = "K/N")]
        shard: Option<publish::Shard>,
    },
    /// Builds, then rebuilds what changed whenever a data file, template or
    /// font is saved, showing each build's errors at their lines; stop it
    /// with Ctrl-C.
    Watch {
        #[command(flatten)]
        project: ProjectArgs,
        /// The output folder.
        #[arg(long, default_value = "out")]
        out: PathBuf,
        /// Also serve the output folder on http://127.0.0.1:PORT, each page
        /// reloading itself after a build (0 picks a free port).
        #[arg(long, value_name = "PORT")]
        serve: Option<u16>,
        #[command(flatten)]
        run: RunArgs,
    },
    /// Writes the index and checksums of an output folder the shards of a
    /// build (`build --shard K/N`) have written, and removes what no
    /// current data file published.
    Index {
        #[command(flatten)]
        project: ProjectArgs,
        /// The output folder the shards wrote.
        #[arg(long, default_value = "out")]
        out: PathBuf,
        /// As for `build`: documents' date when their data states none.
        #[arg(long, env = "SOURCE_DATE_EPOCH", value_name = "SECONDS")]
        source_date_epoch: Option<i64>,
        /// As for `build`: a summary for people, or one JSON object.
        #[arg(long, value_enum, default_value_t = BuildFormat::Human)]
        format: BuildFormat,
    },
    /// Typesets documents sent on stdin (used by `build`, not by people).
    #[command(name = worker::WORKER_COMMAND, hide = true)]
    Worker {
        #[arg(long)]
        memory_limit: u64,
        #[arg(long)]
        time_limit: u64,
    },
    /// Lists every code a finding can carry: the rules `check` applies and
    /// what loading, set-up, typesetting and publishing report.
    Rules,
    /// Lists the forms: name, what it is, and whether it is built in or
    /// comes from the templates folder.
    Forms {
        #[command(flatten)]
        templates: TemplatesArg,
    },
    /// Prints the JSON Schema of a form's data files, for the YAML language
    /// server (completion, hover help, validation in the editor); with
    /// --out, writes every form's schema into that folder.
    Schema {
        #[command(flatten)]
        templates: TemplatesArg,
        /// The form whose schema to print.
        #[arg(long, required_unless_present = "out")]
        form: Option<String>,
        /// A folder to write `<form>.schema.json` into, for every form.
        #[arg(long, value_name = "DIR", conflicts_with = "form")]
        out: Option<PathBuf>,
    },
    /// Writes a starting data file for a department in a form: every field
    /// the form takes, each under a comment saying what to write.
    New {
        #[command(flatten)]
        templates: TemplatesArg,
        /// The form of the new file (`jixiao forms` lists them).
        #[arg(long)]
        form: String,
        /// The budget year to write into it.
        #[arg(long, default_value_t = 2026)]
        year: u16,
        /// Where the schemas are (`make publish` writes them there).
        #[arg(long, value_name = "DIR", default_value = "schemas")]
        schemas: PathBuf,
        /// The new data file, e.g. data/2026/my-office.yaml; never overwritten.
        path: PathBuf,
    },
    /// Writes a deterministic synthetic corpus of data files, for benchmarks.
    Synth {
        /// How many departments (data files).
        #[arg(long, default_value_t = 100)]
        departments: usize,
        /// The same seed gives the same corpus.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The folder to write `<year>/dept-NNNNN-<form>.yaml` into.
        #[arg(long)]
        out: PathBuf,
    },
    /// Reads a workbook (.xlsx, .xls, .ods or .csv), one row per indicator or
    /// laid out like the printed form, into data files, one per department:
    /// <out>/<year>/<slug>.yaml. Nothing is written when `check` would find
    /// an error in them; a data file that differs is never replaced without
    /// --force.
    Import {
        #[command(flatten)]
        templates: TemplatesArg,
        /// The form of the departments whose rows name none in a 表式 column.
        #[arg(long)]
        form: Option<String>,
        /// The data folder to write into.
        #[arg(long, value_name = "DIR", default_value = "data")]
        out: PathBuf,
        /// Replace data files that differ from what the workbook gives,
        /// listing what changed.
        #[arg(long)]
        force: bool,
        /// The workbook.
        file: PathBuf,
    },
    /// Writes the data folder into one workbook in the long layout: sheets of
    /// departments, projects, indicators (one row each) and the other lists.
    Export {
        #[command(flatten)]
        templates: TemplatesArg,
        /// The folder holding the data files.
        #[arg(long, default_value = "data")]
        data: PathBuf,
        /// The workbook to write.
        #[arg(long, value_name = "FILE")]
        xlsx: PathBuf,
    },
    /// Loads and validates the data without building anything.
    Check {
        #[command(flatten)]
        project: ProjectArgs,
        /// How to print the findings: for people, as JSON, or as SARIF 2.1.0
        /// for code-review tools that show findings on a pull request.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Check only these data files (the data folder still gives each its
        /// previous year); without them, every file of the data folder.
        files: Vec<PathBuf>,
    },
}

impl Command {
    /// The memory this process may use: `--memory-limit` (the limit of each
    /// worker, and so of the largest document) and an allowance for its
    /// own work. A worker sets its own limit.
    pub fn parent_memory(&self) -> Option<u64> {
        let workers = match self {
            Self::Worker { .. } => return None,
            Self::Build { run, .. } | Self::Watch { run, .. } => run.memory_limit << 20,
            _ => Limits::default().memory,
        };
        Some(workers + jixiao::alloc::PARENT_ALLOWANCE)
    }
}

/// The largest `--memory-limit`, 1 TiB: far above any machine that builds a
/// site, and far below where bytes would overflow.
pub const MAX_MEMORY_MIB: u64 = 1 << 20;

/// How documents are typeset, the same for `build` and `watch`.
#[derive(clap::Args)]
pub struct RunArgs {
    /// Documents typeset at once, each in its own process (0: one per core).
    #[arg(long, short, default_value_t = 0, value_parser = clap::value_parser!(u16).range(0..=64))]
    pub jobs: u16,
    /// Seconds one document's typesetting may take before it fails.
    #[arg(long, value_name = "SECONDS", default_value_t = Limits::default().time.as_secs(), value_parser = clap::value_parser!(u64).range(1..))]
    pub time_limit: u64,
    /// Memory in MiB a typesetting process may use before its document fails.
    #[arg(long, value_name = "MIB", default_value_t = Limits::default().memory >> 20, value_parser = clap::value_parser!(u64).range(256..=MAX_MEMORY_MIB))]
    pub memory_limit: u64,
    /// The date of documents whose data states none, as Unix seconds
    /// (the reproducible-builds convention; `make publish` sets it).
    #[arg(long, env = "SOURCE_DATE_EPOCH", value_name = "SECONDS")]
    pub source_date_epoch: Option<i64>,
}

impl RunArgs {
    /// The build's options for the output folder `out`.
    pub fn options(&self, out: PathBuf) -> Result<BuildOptions> {
        Ok(BuildOptions {
            holder: holder(&out),
            out,
            jobs: usize::from(self.jobs),
            source_date: self.source_date_epoch.map(source_date).transpose()?,
            limits: Limits {
                time: Duration::from_secs(self.time_limit),
                memory: self.memory_limit << 20,
            },
            worker: std::env::current_exe()?,
            ..BuildOptions::default()
        })
    }
}

#[derive(clap::Args)]
pub struct TemplatesArg {
    /// A folder whose files override the built-in templates and forms.
    #[arg(long, default_value = "templates")]
    pub templates: PathBuf,
}

#[derive(clap::Args)]
pub struct ProjectArgs {
    /// The folder holding the data files (searched recursively for *.yaml).
    #[arg(long, default_value = "data")]
    pub data: PathBuf,
    /// A folder whose files override the built-in templates and forms.
    #[arg(long, default_value = "templates")]
    pub templates: PathBuf,
    /// A folder with extra fonts (e.g. the office's 方正小标宋, 仿宋_GB2312); may repeat.
    #[arg(long = "font-path", default_value = "fonts")]
    pub font_paths: Vec<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BuildFormat {
    Human,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Human,
    Json,
    Sarif,
}

impl ProjectArgs {
    pub fn project(self) -> Project {
        Project {
            data: self.data,
            templates: Some(self.templates),
            font_dirs: self.font_paths,
        }
    }
}
