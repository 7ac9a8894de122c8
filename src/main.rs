//! The `jixiao` command: parses arguments, runs the library, reports.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use jixiao::check::{RULES, Waived};
use jixiao::diag::{self, Diagnostic};
use jixiao::model::Date;
use jixiao::publish::{self, BuildOptions, Outcome, Project, Summary};

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
        /// Worker threads (default: one per core).
        #[arg(long, short, default_value_t = 0)]
        jobs: usize,
        /// Also print where the time went, per phase.
        #[arg(long)]
        timings: bool,
    },
    /// Lists the rules `check` applies, with their codes.
    Rules,
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
    /// Loads and validates the data without building anything.
    Check {
        #[command(flatten)]
        project: ProjectArgs,
        /// How to print the findings.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
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

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Human,
    Json,
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
    match run(Cli::parse()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
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
            println!("wrote {} data files under {}", written.len(), out.display());
            Ok(true)
        }
        Command::Rules => {
            print_rules();
            Ok(true)
        }
        Command::Check { project, format } => {
            let report = publish::check_project(&project.project())?;
            match format {
                Format::Json => println!("{}", diag::to_json(&report.diagnostics)),
                Format::Human => {
                    print_findings(&report.diagnostics);
                    print_waived(report.waived.iter());
                }
            }
            Ok(!report.diagnostics.iter().any(Diagnostic::is_error))
        }
        Command::Build {
            project,
            out,
            force,
            emit_typst,
            jobs,
            timings,
        } => {
            let options = BuildOptions {
                out,
                force,
                emit_typst,
                jobs,
                source_date: source_date()?,
            };
            let progress = progress_bar();
            let summary = publish::build(&project.project(), &options, &|total| {
                progress.set_length(total as u64);
                progress.inc(1);
            })?;
            progress.finish_and_clear();
            print_findings(&summary.diagnostics().cloned().collect::<Vec<_>>());
            print_waived(summary.waived());
            if timings {
                print_timings(&summary);
            }
            print_summary(&summary);
            Ok(summary.count(|o| *o == Outcome::Failed) == 0)
        }
    }
}

/// The date of documents that state none, from `SOURCE_DATE_EPOCH` (the
/// reproducible-builds convention; `make publish` sets it to the last commit).
fn source_date() -> Result<Option<Date>> {
    let Ok(epoch) = std::env::var("SOURCE_DATE_EPOCH") else {
        return Ok(None);
    };
    let seconds: i64 = epoch
        .trim()
        .parse()
        .map_err(|_| anyhow::anyhow!("SOURCE_DATE_EPOCH “{epoch}” is not a number of seconds"))?;
    let date = Date::from_unix_seconds(seconds)
        .ok_or_else(|| anyhow::anyhow!("SOURCE_DATE_EPOCH {seconds} is out of range"))?;
    Ok(Some(date))
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

fn print_findings(found: &[Diagnostic]) {
    for finding in found {
        eprintln!("{finding}");
    }
    if !found.is_empty() {
        let errors = found.iter().filter(|d| d.is_error()).count();
        eprintln!("{errors} errors, {} warnings", found.len() - errors);
    }
}

fn print_rules() {
    for rule in RULES {
        println!(
            "{:<24} {:<8} {:<13} {}",
            rule.code,
            rule.severity.to_string(),
            rule.family.name(),
            rule.summary
        );
    }
}

/// Acknowledged findings, each with the reason its data file gives.
fn print_waived<'a>(waived: impl Iterator<Item = &'a Waived>) {
    let waived: Vec<&Waived> = waived.collect();
    if waived.is_empty() {
        return;
    }
    println!("waived ({}):", waived.len());
    for w in waived {
        let d = &w.diagnostic;
        println!(
            "  {}:{}: {}: {} — {}",
            d.file.display(),
            d.loc,
            d.code,
            d.message,
            w.why
        );
    }
}

/// CPU time per phase, summed over all workers.
fn print_timings(summary: &Summary) {
    let (typst, rest) = summary.times();
    println!(
        "timings (CPU s, all workers): typst compile {:.2} (paged {:.2}, html {:.2}), pdf export {:.2}, html export {:.2}, rest {:.2}",
        (typst.compile_paged + typst.compile_html).as_secs_f64(),
        typst.compile_paged.as_secs_f64(),
        typst.compile_html.as_secs_f64(),
        typst.export_pdf.as_secs_f64(),
        typst.export_html.as_secs_f64(),
        rest.as_secs_f64(),
    );
}

fn print_summary(summary: &Summary) {
    let failed: Vec<String> = summary
        .failed()
        .map(|d| d.path.display().to_string())
        .collect();
    let mut line = format!(
        "built {}, up to date {}, failed {}, {} pages, {} waived, {:.1} s",
        summary.count(|o| matches!(o, Outcome::Built { .. })),
        summary.count(|o| *o == Outcome::UpToDate),
        failed.len(),
        summary.pages(),
        summary.waived().count(),
        summary.seconds,
    );
    if !failed.is_empty() {
        line.push_str(&format!(" (failed: {})", failed.join(", ")));
    }
    println!("{line}");
}
