//! The command line: argument definitions (their doc comments are the
//! `--help` text) and the commands that run the library and print results.
//! Exit codes: 0 success, 1 content errors, 2 usage errors.

use std::io::Write;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::build::{self, BuildOptions, BuildReport, Purpose};
use crate::diagnostics::Severity;

/// Build Luleå's trilingual international-cooperation site and its plan edition.
#[derive(Debug, Parser)]
#[command(name = "plansite", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the site into the output directory (replaced only if the build succeeds).
    Build {
        /// Site root: the directory that holds book.toml.
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Output directory [default: `output_dir` from book.toml, under the root].
        #[arg(long)]
        output: Option<PathBuf>,
        /// Absolute URL the site is published at (overrides book.toml).
        #[arg(long, value_parser = base_url)]
        base_url: Option<String>,
        /// Include pages marked `draft: true`.
        #[arg(long)]
        drafts: bool,
    },
    /// Build into memory, serve over HTTP, rebuild on change and reload open pages.
    Serve {
        /// Site root: the directory that holds book.toml.
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Port to listen on; the next free one is taken if it is in use.
        #[arg(long, default_value_t = 1111)]
        port: u16,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// Milliseconds to wait for a burst of file changes to settle before rebuilding.
        #[arg(long, default_value_t = 50)]
        debounce: u64,
        /// Open the site in a browser (`$BROWSER`, else the system's default).
        #[arg(long)]
        open: bool,
    },
    /// Translation status: what is missing, stale or extra in each language.
    ///
    /// Exits 1 when a page or interface string is missing or stale, or a
    /// string's placeholders or plural forms disagree; 0 otherwise.
    #[command(args_conflicts_with_subcommands = true)]
    I18n {
        #[command(subcommand)]
        action: Option<I18nAction>,
        /// Site root: the directory that holds book.toml.
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Only this language.
        #[arg(long)]
        lang: Option<String>,
        /// `text` (a table for the terminal) or `json` (complete, for tools).
        #[arg(long, default_value = "text")]
        format: crate::translation::status::Format,
        /// Make the glossary's findings (i18n/glossary.yaml) errors, not warnings.
        #[arg(long)]
        strict: bool,
    },
    /// Run every check of a build without writing anything.
    Check {
        /// Site root: the directory that holds book.toml.
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Include pages marked `draft: true`.
        #[arg(long)]
        drafts: bool,
        /// Also check that links to other sites answer (needs the network).
        #[arg(long)]
        external: bool,
        /// With --external, also connect to this non-public address or network
        /// (`10.0.0.0/8`); links into loopback, private and link-local networks
        /// are otherwise not checked. May be repeated.
        #[arg(long, value_name = "ADDR[/PREFIX]", requires = "external")]
        allow_address: Vec<crate::commands::external::Network>,
        /// Make the glossary's findings (i18n/glossary.yaml) errors, not warnings.
        #[arg(long)]
        strict: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum I18nAction {
    /// Record that a translation was reviewed against the current source page.
    Mark {
        /// Page id, e.g. `partners/oulu` (`/` for the home page).
        id: String,
        /// The translation's language.
        #[arg(long)]
        lang: String,
        /// Site root: the directory that holds book.toml.
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
    /// What changed in the source since each stale translation was marked:
    /// the changed blocks, words marked, beside the translation's blocks.
    ///
    /// Reads the marked source from the site's git history; without it, says
    /// why and names the lines to review. Writes nothing to the content.
    Diff {
        /// Only this page id, e.g. `partners/oulu` (`/` for the home page).
        id: Option<String>,
        /// Only this language.
        #[arg(long)]
        lang: Option<String>,
        /// `text` (for the terminal), `json` (for tools) or `html` (one
        /// self-contained side-by-side page: `> stale.html`).
        #[arg(long, default_value = "text")]
        format: crate::translation::diff::Format,
        /// Site root: the directory that holds book.toml.
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
}

/// `--base-url`, held to the same rule as `site.base_url` in book.toml.
fn base_url(value: &str) -> Result<String, String> {
    crate::source::link_policy::check_base_url(value)
        .map(|()| value.to_owned())
        .map_err(|refused| format!("{} ({})", refused.message, refused.hint))
}

/// Runs the parsed command; returns the process exit code.
pub fn run(cli: Cli) -> i32 {
    match cli.command {
        Command::Build {
            root,
            output,
            base_url,
            drafts,
        } => {
            let report = build::build(&BuildOptions {
                root,
                output,
                base_url,
                drafts,
                purpose: Purpose::Build,
            });
            finish(&report, Purpose::Build)
        }
        Command::Serve {
            root,
            port,
            bind,
            debounce,
            open,
        } => crate::serve::serve(&crate::serve::ServeOptions {
            root,
            bind,
            port,
            debounce: std::time::Duration::from_millis(debounce),
            open,
        }),
        Command::I18n {
            action: None,
            root,
            lang,
            format,
            strict,
        } => match crate::translation::status::report_with_glossary(&root, lang.as_deref(), format, strict) {
            Ok((text, code, findings)) => {
                let _ = std::io::stdout().lock().write_all(text.as_bytes());
                print_glossary(&findings, strict);
                code
            }
            Err(diagnostics) => print_errors(&diagnostics),
        },
        Command::I18n {
            action: Some(I18nAction::Diff { id, lang, format, root }),
            ..
        } => match crate::translation::diff::diff(&root, id.as_deref(), lang.as_deref(), format) {
            Ok(text) => {
                let _ = std::io::stdout().lock().write_all(text.as_bytes());
                0
            }
            Err(diagnostics) => print_errors(&diagnostics),
        },
        Command::I18n {
            action: Some(I18nAction::Mark { id, lang, root }),
            ..
        } => match crate::translation::status::mark(&root, &id, &lang) {
            Ok(message) => {
                let _ = writeln!(std::io::stderr(), "{message}");
                0
            }
            Err(diagnostics) => print_errors(&diagnostics),
        },
        Command::Check {
            root,
            drafts,
            external,
            allow_address,
            strict,
        } => {
            let report = build::build(&BuildOptions {
                root: root.clone(),
                output: None,
                base_url: None,
                drafts,
                purpose: Purpose::Check,
            });
            let code = finish(&report, Purpose::Check);
            let code = if code == 0 { glossary(&root, strict) } else { code };
            if !external || code != 0 {
                return code;
            }
            let report = crate::commands::external::check(&root, drafts, &allow_address);
            let broken = print_diagnostics(&report.diagnostics);
            eprintln!(
                "external links: {} address(es) at {} place(s) checked, {broken} broken",
                report.urls, report.links
            );
            i32::from(broken > 0)
        }
    }
}

/// Checks and prints the glossary's findings; 1 when `strict` and there
/// are any.
fn glossary(root: &std::path::Path, strict: bool) -> i32 {
    match crate::translation::glossary::run(root, strict) {
        Ok(findings) => {
            print_glossary(&findings, strict);
            i32::from(strict && !findings.is_empty())
        }
        Err(diagnostics) => print_errors(&diagnostics),
    }
}

fn print_glossary(findings: &[crate::diagnostics::Diagnostic], strict: bool) {
    print_diagnostics(findings);
    if !findings.is_empty() {
        let warnings = if strict {
            ""
        } else {
            " (warnings; --strict makes them errors)"
        };
        eprintln!("glossary: {} finding(s){warnings}", findings.len());
    }
}

fn print_errors(diagnostics: &[crate::diagnostics::Diagnostic]) -> i32 {
    print_diagnostics(diagnostics);
    1
}

/// Prints every diagnostic to stderr; returns how many are errors.
fn print_diagnostics(diagnostics: &[crate::diagnostics::Diagnostic]) -> usize {
    let mut stderr = std::io::stderr().lock();
    for d in diagnostics {
        let _ = writeln!(stderr, "{d}");
    }
    diagnostics.iter().filter(|d| d.severity == Severity::Error).count()
}

fn finish(report: &BuildReport, purpose: Purpose) -> i32 {
    let verb = if purpose.writes() { "built" } else { "checked" };
    let errors = print_diagnostics(&report.diagnostics);
    let warnings = report.diagnostics.len() - errors;
    let mut stderr = std::io::stderr().lock();
    if report.ok {
        let place = report
            .output_dir
            .as_ref()
            .filter(|_| purpose.writes())
            .map(|d| format!(" into {}", d.display()))
            .unwrap_or_default();
        let _ = writeln!(
            stderr,
            "{verb} {} pages ({} files){place} in {} ms{}",
            report.pages,
            report.files,
            report.elapsed.as_millis(),
            if warnings > 0 {
                format!(", {warnings} warning(s)")
            } else {
                String::new()
            }
        );
        0
    } else {
        let _ = writeln!(
            stderr,
            "failed: {errors} error(s), {warnings} warning(s); nothing was written"
        );
        1
    }
}
