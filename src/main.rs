//! The `jixiao` command: parses arguments, runs the library, reports.

use std::path::PathBuf;
use std::process::ExitCode;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use std::io::Write;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use jixiao::check::RULES;
use jixiao::contract::Origin;
use jixiao::diag::{self, Diagnostic};
use jixiao::model::Date;
use jixiao::publish::{self, BuildOptions, Outcome, Project, Summary};
use jixiao::typeset::worker::{self, Limits};
use jixiao::workbook;

/// Writes a line to standard output: one that is closed or full is an
/// error with exit status 2, never a panic.
macro_rules! say {
    ($($arg:tt)*) => {
        writeln!(std::io::stdout().lock(), $($arg)*).context("cannot write to standard output")
    };
}

/// Writes a line to standard error, where nothing is left to report a
/// failure to.
macro_rules! tell {
    ($($arg:tt)*) => {
        let _ = writeln!(std::io::stderr().lock(), $($arg)*);
    };
}

/// Tells a typesetting worker's parent when it ran out of memory.
#[global_allocator]
static ALLOCATOR: jixiao::alloc::ExitOnFailure = jixiao::alloc::ExitOnFailure;

/// Publishes budget performance-target disclosures (预算绩效目标公开):
/// every data/**/*.yaml becomes a PDF and an HTML page.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
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
    },
    /// Typesets documents sent on stdin (used by `build`, not by people).
    #[command(name = worker::WORKER_COMMAND, hide = true)]
    Worker {
        #[arg(long)]
        memory_limit: u64,
        #[arg(long)]
        time_limit: u64,
    },
    /// Lists the rules `check` applies, with their codes.
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
    fn parent_memory(&self) -> Option<u64> {
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
const MAX_MEMORY_MIB: u64 = 1 << 20;

/// How documents are typeset, the same for `build` and `watch`.
#[derive(clap::Args)]
struct RunArgs {
    /// Documents typeset at once, each in its own process (0: one per core).
    #[arg(long, short, default_value_t = 0, value_parser = clap::value_parser!(u16).range(0..=64))]
    jobs: u16,
    /// Seconds one document's typesetting may take before it fails.
    #[arg(long, value_name = "SECONDS", default_value_t = Limits::default().time.as_secs(), value_parser = clap::value_parser!(u64).range(1..))]
    time_limit: u64,
    /// Memory in MiB a typesetting process may use before its document fails.
    #[arg(long, value_name = "MIB", default_value_t = Limits::default().memory >> 20, value_parser = clap::value_parser!(u64).range(256..=MAX_MEMORY_MIB))]
    memory_limit: u64,
    /// The date of documents whose data states none, as Unix seconds
    /// (the reproducible-builds convention; `make publish` sets it).
    #[arg(long, env = "SOURCE_DATE_EPOCH", value_name = "SECONDS")]
    source_date_epoch: Option<i64>,
}

impl RunArgs {
    /// The build's options for the output folder `out`.
    fn options(&self, out: PathBuf) -> Result<BuildOptions> {
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
struct TemplatesArg {
    /// A folder whose files override the built-in templates and forms.
    #[arg(long, default_value = "templates")]
    templates: PathBuf,
}

#[derive(clap::Args)]
struct ProjectArgs {
    /// The folder holding the data files (searched recursively for *.yaml).
    #[arg(long, default_value = "data")]
    data: PathBuf,
    /// A folder whose files override the built-in templates and forms.
    #[arg(long, default_value = "templates")]
    templates: PathBuf,
    /// A folder with extra fonts (e.g. the office's 方正小标宋, 仿宋_GB2312); may repeat.
    #[arg(long = "font-path", default_value = "fonts")]
    font_paths: Vec<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum BuildFormat {
    Human,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Human,
    Json,
    Sarif,
}

impl ProjectArgs {
    fn project(self) -> Project {
        Project {
            data: self.data,
            templates: Some(self.templates),
            font_dirs: self.font_paths,
        }
    }
}

fn main() -> ExitCode {
    quiet_on_closed_pipe();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(refused) => return said_by_clap(&refused),
    };
    if let Some(memory) = cli.command.parent_memory()
        && let Err(error) = jixiao::alloc::bound_parent(memory)
    {
        tell!("error: cannot set jixiao's memory limit: {error}");
        return ExitCode::from(2);
    }
    match run(cli) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            tell!("error: {}", chain(&error));
            ExitCode::from(2)
        }
    }
}

/// Help, the version or an argument error, as clap says them; one that
/// cannot be written (a full standard output) is an error with status 2.
fn said_by_clap(said: &clap::Error) -> ExitCode {
    let written = said.print().and_then(|()| std::io::stdout().flush());
    match written {
        Ok(()) => ExitCode::from(u8::try_from(said.exit_code()).unwrap_or(2)),
        Err(error) => {
            tell!("error: cannot write to standard output: {error}");
            ExitCode::from(2)
        }
    }
}

/// `jixiao schema --form x | head` ends quietly when `head` has read enough,
/// as Unix tools do, instead of panicking on the closed pipe.
fn quiet_on_closed_pipe() {
    // SAFETY: restoring the default action of a signal, before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// An error and its causes, each said once: a cause whose text the message
/// already holds (an OS error quoted by its context) is not said again.
fn chain(error: &anyhow::Error) -> String {
    let mut text = error.to_string();
    for cause in error.chain().skip(1) {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
    }
    text
}

/// Runs a command; `Ok(false)` when it found errors in the data.
fn run(cli: Cli) -> Result<bool> {
    match cli.command {
        Command::Synth {
            departments,
            seed,
            out,
        } => {
            let written = jixiao::synth::write_corpus(departments, seed, &out)?;
            say!("wrote {} data files under {}", written.len(), out.display())?;
            Ok(true)
        }
        Command::Rules => {
            print_rules()?;
            Ok(true)
        }
        Command::Forms { templates } => {
            for contract in publish::forms(&templates.templates)?.contracts.values() {
                let origin = match &contract.origin {
                    Origin::BuiltIn => "built in".to_owned(),
                    Origin::Project(path) => format!("from {}", path.display()),
                };
                say!("{:<24} {} ({origin})", contract.name, contract.description)?;
            }
            Ok(true)
        }
        Command::Schema {
            templates,
            form,
            out,
        } => {
            let forms = publish::forms(&templates.templates)?;
            match (form, out) {
                (Some(name), _) => say!("{}", publish::schema(&forms, &name)?)?,
                (None, Some(dir)) => {
                    let written = publish::write_schemas(&forms, &dir)?;
                    say!("wrote {written} schemas into {}", dir.display())?;
                }
                (None, None) => anyhow::bail!("give --form NAME or --out DIR"),
            }
            Ok(true)
        }
        Command::New {
            templates,
            form,
            year,
            schemas,
            path,
        } => {
            let forms = publish::forms(&templates.templates)?;
            publish::new_data_file(&forms, &form, year, &schemas, &path)?;
            say!(
                "wrote {}; fill it in, then run `jixiao check`",
                path.display()
            )?;
            Ok(true)
        }
        Command::Import {
            templates,
            form,
            out,
            force,
            file,
        } => {
            let forms = publish::forms(&templates.templates)?;
            let import = workbook::import_workbook(&file, &forms, form.as_deref(), &out, force)?;
            print_imported(&import.written)?;
            print_findings(&import.warnings);
            Ok(true)
        }
        Command::Export {
            templates,
            data,
            xlsx,
        } => {
            let forms = publish::forms(&templates.templates)?;
            let count = workbook::export(&data, &forms, &xlsx)?;
            say!(
                "wrote {}: {} departments, {} projects, {} indicators",
                xlsx.display(),
                count.documents,
                count.projects,
                count.indicators
            )?;
            Ok(true)
        }
        Command::Check {
            project,
            format,
            files,
        } => {
            let found = publish::check_project(&project.project(), &files)?;
            match format {
                Format::Json => say!("{}", diag::to_json(&found))?,
                Format::Sarif => {
                    let rules: Vec<diag::RuleInfo> = RULES
                        .iter()
                        .map(|r| diag::RuleInfo {
                            code: r.code,
                            summary: r.summary,
                            severity: r.severity,
                        })
                        .collect();
                    say!(
                        "{}",
                        diag::to_sarif(&found, &rules, env!("CARGO_PKG_VERSION"))
                    )?;
                }
                Format::Human => {
                    print_findings(&found);
                    print_waived(&found)?;
                }
            }
            Ok(!found.iter().any(Diagnostic::is_error))
        }
        Command::Watch {
            project,
            out,
            serve,
            run,
        } => {
            let options = run.options(out)?;
            let builds = Arc::new(AtomicU64::new(0));
            // A report that cannot be written (a full or closed standard
            // output) ends the watch, with that error.
            let unwritable: std::cell::Cell<Option<anyhow::Error>> = std::cell::Cell::new(None);
            if let Some(port) = serve {
                let port = jixiao::serve::start(options.out.clone(), port, builds.clone())?;
                say!(
                    "serving {} on http://127.0.0.1:{port}/",
                    options.out.display()
                )?;
            }
            publish::watch(
                &project.project(),
                &options,
                // Counted before it is reported: whoever reads the report
                // (a person, a test) then finds the new version served.
                &mut |summary| {
                    builds.fetch_add(1, Ordering::Relaxed);
                    if let Err(error) = report(summary, false) {
                        unwritable.replace(Some(error));
                    }
                },
                &mut |error| {
                    tell!("error: {}", chain(error));
                    tell!("watching on: the last good build stays in place until the next save");
                },
                &|| {
                    let broken = unwritable.take();
                    let going = broken.is_none();
                    unwritable.replace(broken);
                    going
                },
            )?;
            match unwritable.into_inner() {
                Some(error) => Err(error),
                None => Ok(true),
            }
        }
        Command::Index {
            project,
            out,
            source_date_epoch,
        } => {
            let source_date = source_date_epoch.map(source_date).transpose()?;
            let summary = publish::index(&project.project(), &out, source_date, &holder(&out))?;
            report(&summary, false)?;
            Ok(summary.succeeded())
        }
        Command::Worker {
            memory_limit,
            time_limit,
        } => {
            worker::serve(memory_limit, Duration::from_secs(time_limit))?;
            Ok(true)
        }
        Command::Build {
            project,
            out,
            force,
            emit_typst,
            run,
            timings,
            format,
            shard,
        } => {
            let options = BuildOptions {
                shard,
                force,
                emit_typst,
                ..run.options(out)?
            };
            let progress = progress_bar();
            let summary = publish::build(&project.project(), &options, &|total| {
                progress.set_length(total as u64);
                progress.inc(1);
            })?;
            progress.finish_and_clear();
            match format {
                BuildFormat::Json => say!("{}", serde_json::to_string_pretty(&summary.to_json())?)?,
                BuildFormat::Human => report(&summary, timings)?,
            }
            Ok(summary.succeeded())
        }
    }
}

/// What import did to each data file, and in sum.
fn print_imported(written: &[workbook::Written]) -> Result<()> {
    let count = |wanted: fn(&workbook::Change) -> bool| {
        written.iter().filter(|w| wanted(&w.change)).count()
    };
    for file in written {
        match &file.change {
            workbook::Change::Created => say!("wrote {}", file.path.display())?,
            workbook::Change::Unchanged => say!("unchanged {}", file.path.display())?,
            workbook::Change::Replaced(lines) => {
                say!("replaced {}:", file.path.display())?;
                for line in lines {
                    say!("  {line}")?;
                }
            }
        }
    }
    say!(
        "{} data files: {} new, {} replaced, {} unchanged",
        written.len(),
        count(|c| *c == workbook::Change::Created),
        count(|c| matches!(c, workbook::Change::Replaced(_))),
        count(|c| *c == workbook::Change::Unchanged),
    )?;
    Ok(())
}

/// A build's findings, its timings if asked, and its one-line summary.
fn report(summary: &Summary, timings: bool) -> Result<()> {
    let found: Vec<Diagnostic> = summary.diagnostics().cloned().collect();
    print_findings(&found);
    print_waived(&found)?;
    if timings {
        print_timings(summary)?;
    }
    print_summary(summary)?;
    if let Some(error) = &summary.site_error {
        tell!("error: {error}");
    }
    Ok(())
}

/// The date of documents that state none, from `SOURCE_DATE_EPOCH`.
fn source_date(seconds: i64) -> Result<Date> {
    Date::from_unix_seconds(seconds).ok_or_else(|| {
        anyhow::anyhow!(
            "SOURCE_DATE_EPOCH {seconds} is not a date of the years 1 to 9999; give the Unix seconds of the documents' date (e.g. `date -d 2023-02-20 +%s`), or unset it"
        )
    })
}

/// How this build names itself to another that finds the output folder busy.
fn holder(out: &std::path::Path) -> String {
    let args: Vec<String> = std::env::args().collect();
    format!(
        "process {}, `{}`, writing {}",
        std::process::id(),
        args.join(" "),
        out.display()
    )
}

/// A bar on a terminal; hidden when the output is a file or a pipe.
fn progress_bar() -> ProgressBar {
    let bar = ProgressBar::new(0);
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {pos}/{len} documents, {elapsed} ({eta} left)")
    {
        bar.set_style(style);
    }
    bar
}

/// The findings that need attention: errors and warnings, not the waived.
fn print_findings(found: &[Diagnostic]) {
    let shown: Vec<&Diagnostic> = found.iter().filter(|d| !d.is_waived()).collect();
    for finding in &shown {
        tell!("{finding}");
    }
    if !shown.is_empty() {
        let errors = shown.iter().filter(|d| d.is_error()).count();
        tell!("{errors} errors, {} warnings", shown.len() - errors);
    }
}

fn print_rules() -> Result<()> {
    for rule in RULES {
        say!(
            "{:<24} {:<8} {:<13} {}",
            rule.code,
            rule.severity.to_string(),
            rule.family.name(),
            rule.summary
        )?;
    }
    Ok(())
}

/// Acknowledged findings, each with the reason its data file gives.
fn print_waived(found: &[Diagnostic]) -> Result<()> {
    let waived: Vec<(&Diagnostic, &str)> = found
        .iter()
        .filter_map(|d| Some((d, d.waiver.as_deref()?)))
        .collect();
    if waived.is_empty() {
        return Ok(());
    }
    say!("waived ({}):", waived.len())?;
    for (d, why) in waived {
        say!(
            "  {}:{}: {}: {} — {why}",
            d.file.display(),
            d.loc,
            d.code,
            d.message,
        )?;
    }
    Ok(())
}

/// CPU time per phase, summed over all workers.
fn print_timings(summary: &Summary) -> Result<()> {
    let (typst, rest) = summary.times();
    say!(
        "timings (CPU s, all workers): typst compile {:.2} (paged {:.2}, html {:.2}), pdf export {:.2}, html export {:.2}, rest {:.2}",
        (typst.compile_paged + typst.compile_html).as_secs_f64(),
        typst.compile_paged.as_secs_f64(),
        typst.compile_html.as_secs_f64(),
        typst.export_pdf.as_secs_f64(),
        typst.export_html.as_secs_f64(),
        rest.as_secs_f64(),
    )?;
    Ok(())
}

fn print_summary(summary: &Summary) -> Result<()> {
    let failed: Vec<String> = summary
        .failed()
        .map(|d| d.path.display().to_string())
        .collect();
    let mut line = format!(
        "built {}, up to date {}, failed {}, removed {}, {} pages, {} waived, {:.1} s",
        summary.count(|o| matches!(o, Outcome::Built { .. })),
        summary.count(|o| *o == Outcome::UpToDate),
        failed.len(),
        summary.removed.len(),
        summary.pages(),
        summary.diagnostics().filter(|d| d.is_waived()).count(),
        summary.seconds,
    );
    if !failed.is_empty() {
        line.push_str(&format!(" (failed: {})", failed.join(", ")));
    }
    if !summary.removed.is_empty() {
        line.push_str(&format!(" (removed: {})", summary.removed.join(", ")));
    }
    if !summary.left.is_empty() {
        line.push_str(&format!(
            " (left in place, not published: {})",
            summary.left.join(", ")
        ));
    }
    say!("{line}")?;
    Ok(())
}
