//! The `jixiao` command: parses arguments, runs the library, reports.

use std::process::ExitCode;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use std::io::Write;

use anyhow::{Context, Result};
use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};
use jixiao::codes::RULES;
use jixiao::commands;
use jixiao::contract::Origin;
use jixiao::diag::{self, Diagnostic};
use jixiao::model::Date;
use jixiao::publish::{self, BuildOptions, Outcome, Summary};
use jixiao::typeset::worker;
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

mod args;

use args::{BuildFormat, Cli, Command, Format};

/// Tells a typesetting worker's parent when it ran out of memory.
#[global_allocator]
static ALLOCATOR: jixiao::alloc::ExitOnFailure = jixiao::alloc::ExitOnFailure;

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
            tell!("error: {error:#}");
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
            for contract in commands::forms(&templates.templates)?.contracts.values() {
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
            let forms = commands::forms(&templates.templates)?;
            match (form, out) {
                (Some(name), _) => say!("{}", commands::schema(&forms, &name)?)?,
                (None, Some(dir)) => {
                    let written = commands::write_schemas(&forms, &dir)?;
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
            let forms = commands::forms(&templates.templates)?;
            commands::new_data_file(&forms, &form, year, &schemas, &path)?;
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
            let forms = commands::forms(&templates.templates)?;
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
            let forms = commands::forms(&templates.templates)?;
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
            let found = commands::check(&project.project(), &files)?;
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
                    tell!("error: {error:#}");
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
            format,
        } => {
            let source_date = source_date_epoch.map(source_date).transpose()?;
            let summary = publish::index(&project.project(), &out, source_date, &holder(&out))?;
            show(&summary, format, false)?;
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
            show(&summary, format, timings)?;
            Ok(summary.succeeded())
        }
    }
}

/// A run's summary: for people, with `timings` the phases; or as JSON.
fn show(summary: &Summary, format: BuildFormat, timings: bool) -> Result<()> {
    match format {
        BuildFormat::Json => say!("{}", serde_json::to_string_pretty(&summary.to_json())?),
        BuildFormat::Human => report(summary, timings),
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
        "process {} ({}), writing {}",
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

/// Every code any stage reports: its severity, where it arises (the
/// family, for a review rule), whether a waiver may acknowledge it.
fn print_rules() -> Result<()> {
    for rule in RULES {
        say!(
            "{:<26} {:<8} {:<13} {:<9} {}",
            rule.code,
            rule.severity.to_string(),
            rule.stage.name(),
            if rule.waivable { "waivable" } else { "fixed" },
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
        "timings (CPU s, all workers): typst compile {:.2} (paged {:.2}, html {:.2}), pdf export {:.2}, html export {:.2}, memo eviction {:.2}, worker start-up {:.2}, rest {:.2}",
        (typst.compile_paged + typst.compile_html).as_secs_f64(),
        typst.compile_paged.as_secs_f64(),
        typst.compile_html.as_secs_f64(),
        typst.export_pdf.as_secs_f64(),
        typst.export_html.as_secs_f64(),
        typst.evict.as_secs_f64(),
        typst.start_up.as_secs_f64(),
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
