//! The whole command line of `cargo xtask`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// The exit codes every command shares, as a literal for `concat!`.
macro_rules! exit_codes {
    () => {
        "Exit codes:
  0  success
  1  a check failed, or a file or tool could not be used (the message says what to do)
  2  usage error: an unknown command or flag, a malformed version or date, a bump that does not go up,
     an invalid release/config.toml (the message names the key)"
    };
}

/// A subcommand's `--help` epilogue: examples of real use, then the exit codes.
macro_rules! examples {
    ($($line:literal),+ $(,)?) => {
        concat!("Examples:\n", $("  ", $line, "\n",)+ "\n", exit_codes!())
    };
}

/// What `verify` checks, for its `--help`, as a literal for `concat!`.
macro_rules! verify_checks {
    () => {
        "What verify checks (errors fail it; warnings are printed and it passes):
  sites      every lock-step [[site]] of release/config.toml reads and holds one version
             (a `release`-form site its X.Y.Z); sites with lockstep = false are skipped
  changelog  each changelog site has `## [Unreleased]`; a changelog that skipped
             releases is a warning
  lockfile   Cargo.lock holds each workspace package at its manifest's version, when
             a cargo-lock site is declared or git tracks Cargo.lock
  docs       in the [verify].documents (default: README.md, CONTRIBUTING.md, RELEASING.md,
             docs/, skills/): every `cargo xtask ...` line parses; every link and every
             path under a folder the repository has exists, and a #heading anchor
             names a heading of its file
  tables     [verify].sites_doc and channels_doc, when set, list exactly the sites
             and the delivery channels
  workflows  with a [release] section: the workflows it names exist and declare the
             inputs the xtask dispatches; documents name only existing workflows/inputs
  strays     (warning) tracked files that are no site but hold the version after a
             `version` key or assignment; silence with [verify].not_sites
  tag        with --tag: the tag is the lock-step version's tag

The report goes to stdout; stderr carries only errors that stop verify itself."
    };
}

/// The release tool of plasmite.
///
/// Commands that act outside the working tree (`release`, `publish`) are
/// dry-runs unless given `--live`. Commands that only edit files of the
/// working tree (`bump`, `sync`, `homebrew`) write unless given `--dry-run`.
#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    version,
    after_help = concat!(
        "Start with `cargo xtask verify`: it checks that every version site agrees,\nand says what to run next.\n\n",
        exit_codes!()
    )
)]
pub(crate) struct Cli {
    /// Act on the repository containing <DIR> instead of the current directory.
    #[arg(short = 'C', value_name = "DIR", global = true)]
    pub dir: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    Versions(Versions),
    Verify(Verify),
    Bump(Bump),
    Sync(Sync),
    Test(Test),
    Matrix(Matrix),
    Changelog(Changelog),
    Homebrew(Homebrew),
    Delivery(Delivery),
    Release(Release),
    Publish(Publish),
}

/// List every version site with the version found there.
///
/// Exits 1 when the lock-step sites disagree (sites declared with
/// `lockstep = false` are listed but never count).
#[derive(Debug, Args)]
#[command(after_help = examples!("cargo xtask versions", "cargo xtask versions --json"))]
pub(crate) struct Versions {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Offline consistency checks: sites agree, Cargo.lock, changelog, config, docs.
#[derive(Debug, Args)]
#[command(after_help = concat!(
    verify_checks!(),
    "\n\n",
    examples!("cargo xtask verify", "cargo xtask verify --json", "cargo xtask verify --tag v0.2.0")
))]
pub(crate) struct Verify {
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Also check that <TAG> is the tag of the lock-step version (`v` + version).
    #[arg(long, value_name = "TAG")]
    pub tag: Option<String>,
}

/// Move every version site to a new version, all or nothing.
#[derive(Debug, Args)]
#[command(after_help = examples!("cargo xtask bump minor --dry-run", "cargo xtask bump 0.2.0", "cargo xtask bump pre rc"))]
pub(crate) struct Bump {
    /// X.Y.Z (or vX.Y.Z), major, minor, patch, `pre <label>` or release.
    #[arg(required = true, num_args = 1..=2, value_name = "VERSION|LEVEL")]
    pub words: Vec<String>,
    /// Print a diff of every file instead of writing.
    #[arg(long)]
    pub dry_run: bool,
    /// The date of the changelog's new section, YYYY-MM-DD. Default: the
    /// XTASK_TODAY environment variable if set (also YYYY-MM-DD), else
    /// today's date in UTC.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<String>,
}

/// Write the primary site's version (the first in the config) to every site.
#[derive(Debug, Args)]
#[command(after_help = examples!("cargo xtask sync --dry-run", "cargo xtask sync"))]
pub(crate) struct Sync {
    /// Print a diff of every file instead of writing.
    #[arg(long)]
    pub dry_run: bool,
}

/// Run every test of the repository: Rust, Python, Node, and Go when it is installed.
#[derive(Debug, Args)]
#[command(after_help = examples!("cargo xtask test", "cargo xtask -C ../plasmite test"))]
pub(crate) struct Test {
    /// How long each suite may run before it is stopped, with every
    /// process it started: 30m, 2h.
    #[arg(long, value_name = "DURATION", default_value = "60m")]
    pub timeout: String,
}

/// Print the release build matrix, from the config's [[target]]s.
#[derive(Debug, Args)]
#[command(after_help = examples!("cargo xtask matrix", "cargo xtask matrix --json"))]
pub(crate) struct Matrix {
    /// Print `{"include": [...]}` on one line, for a workflow's `fromJSON`.
    #[arg(long)]
    pub json: bool,
}

/// Print the release notes of one version from the changelog.
#[derive(Debug, Args)]
#[command(after_help = examples!("cargo xtask changelog v0.2.0", "cargo xtask changelog 0.2.0 > notes.md"))]
pub(crate) struct Changelog {
    /// X.Y.Z or vX.Y.Z.
    pub version: String,
}

/// Point the Homebrew formula at a release: version, URLs and sha256s, all or nothing.
#[derive(Debug, Args)]
#[command(after_help = examples!("cargo xtask homebrew v0.2.0 --sha256sums sha256sums.txt --dry-run", "cargo xtask homebrew v0.2.0 --sha256sums sha256sums.txt --formula tap/Formula/plasmite.rb"))]
pub(crate) struct Homebrew {
    /// The release tag, vX.Y.Z.
    pub tag: String,
    /// The release's sha256sums.txt.
    #[arg(long, value_name = "FILE")]
    pub sha256sums: PathBuf,
    /// The formula to rewrite (default: [homebrew].formula of the config).
    #[arg(long, value_name = "PATH")]
    pub formula: Option<PathBuf>,
    /// Print a diff instead of writing.
    #[arg(long)]
    pub dry_run: bool,
}

/// Check that every channel (crates.io, npm, PyPI, Homebrew, GitHub) serves a release.
#[derive(Debug, Args)]
#[command(after_help = examples!("cargo xtask delivery v0.2.0", "cargo xtask delivery v0.2.0 --channels crates,npm --max-wait 15m", "cargo xtask delivery v0.2.0 --no-blocker --json"))]
pub(crate) struct Delivery {
    /// The release tag, vX.Y.Z.
    pub tag: String,
    /// The channels to check, each required: crates,npm,pypi,homebrew,github
    /// (default: [delivery].channels of the config).
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub channels: Option<Vec<String>>,
    /// How long each channel keeps retrying: 90s, 15m (default: [delivery].max_wait).
    #[arg(long, value_name = "DURATION")]
    pub max_wait: Option<String>,
    /// A file the build made (a .crate, a wheel, an sdist): where crates.io
    /// or PyPI already holds the version, its checksum must match, or the
    /// channel is `mismatch`. Repeatable.
    #[arg(long, value_name = "FILE")]
    pub artifact: Vec<PathBuf>,
    /// Do not file a blocker in ergo for a channel that fails (for CI, which
    /// has no tracker).
    #[arg(long)]
    pub no_blocker: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Check, then (with --live) rehearse, tag, build and publish a release. Dry-run by default.
///
/// With --live, the GitHub path is rehearsed on HEAD before anything is
/// tagged: the build workflow is dispatched for HEAD (or a successful
/// rehearsal build of HEAD is reused), then the publish workflow with
/// `rehearsal=true`, which checks every credential and artifact and
/// publishes nothing. A failed rehearsal files a blocker and tags nothing;
/// after a green one, the tag is pushed and the rehearsal's build is
/// published (built once).
#[derive(Debug, Args)]
#[command(after_help = examples!(
    "cargo xtask release v0.2.0",
    "cargo xtask release v0.2.0 --rehearse",
    "cargo xtask release v0.2.0 --live",
    "cargo xtask release v0.2.0 --live --no-rehearsal --json --agent claude@ci-runner-3"
))]
pub(crate) struct Release {
    /// The version to release: vX.Y.Z (or X.Y.Z).
    #[arg(value_name = "vX.Y.Z")]
    pub version: String,
    /// Act: rehearse, tag, push, dispatch the publish of the rehearsal's
    /// build. Only when every gate passed and no blocker is open.
    #[arg(long)]
    pub live: bool,
    /// Act, but only rehearse: dispatch the rehearsal build of HEAD and its
    /// publish rehearsal, and wait for both; nothing is tagged, pushed or
    /// published.
    #[arg(long, conflicts_with_all = ["live", "no_rehearsal"])]
    pub rehearse: bool,
    /// Skip the rehearsal (recorded in the evidence): the tag is pushed
    /// first, and its own build is published.
    #[arg(long)]
    pub no_rehearsal: bool,
    /// The tag whose diff decides the conditional gates; default: the
    /// highest version tag below the target.
    #[arg(long, value_name = "TAG")]
    pub base_tag: Option<String>,
    /// Who runs the release, recorded in the evidence: model@host.
    #[arg(long, value_name = "MODEL@HOST", value_parser = agent)]
    pub agent: Option<String>,
    /// Print the run's evidence record as JSON on stdout (progress goes to stderr).
    #[arg(long)]
    pub json: bool,
}

/// `--agent`: `model@host`, each a word of letters, digits, `.`, `_`, `-`
/// or `:` (at most 100 characters in all).
fn agent(text: &str) -> Result<String, String> {
    let word = |w: &str| {
        !w.is_empty()
            && w.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-:".contains(&b))
    };
    match text.split_once('@') {
        Some((model, host)) if text.len() <= 100 && word(model) && word(host) => {
            Ok(text.to_string())
        }
        _ => Err(format!(
            "{text:?} is not MODEL@HOST (letters, digits, `.`, `_`, `-` or `:` on each side of one `@`, for example claude@ci-runner-3)"
        )),
    }
}

/// Publish-only retry: the release pipeline entered at a successful build
/// run. Dry-run by default; `--live` dispatches the publish workflow.
#[derive(Debug, Args)]
#[command(after_help = examples!("cargo xtask publish --build-run-id 1234567890", "cargo xtask publish --build-run-id 1234567890 --live"))]
pub(crate) struct Publish {
    /// The databaseId of a successful run of the build workflow for the released tag.
    #[arg(long, value_name = "ID", required = true)]
    pub build_run_id: u64,
    /// Act: dispatch the publish workflow with this build, wait for it and
    /// check delivery. Without it, every check runs and the steps are printed.
    #[arg(long)]
    pub live: bool,
    /// Let the publish go ahead when some registries fail (asked for by name; recorded).
    #[arg(long)]
    pub allow_partial_release: bool,
    /// Print the run's evidence record as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

impl Release {
    /// This command line's mode flags, to rerun it as it was given.
    pub(crate) fn command_line(&self, tag: &str) -> String {
        let mut line = format!("cargo xtask release {}", crate::words::quote(tag));
        for (on, flag) in [
            (self.live, " --live"),
            (self.rehearse, " --rehearse"),
            (self.no_rehearsal, " --no-rehearsal"),
        ] {
            if on {
                line.push_str(flag);
            }
        }
        line
    }
}

impl Publish {
    /// This command line, to rerun it as it was given.
    pub(crate) fn command_line(&self) -> String {
        let mut line = format!("cargo xtask publish --build-run-id {}", self.build_run_id);
        if self.live {
            line.push_str(" --live");
        }
        if self.allow_partial_release {
            line.push_str(" --allow-partial-release");
        }
        line
    }
}

/// The publish-only retry of `build_run` (a placeholder when unknown): the
/// one command every "publish again" step names.
pub(crate) fn publish_retry(build_run: Option<u64>) -> String {
    let id = build_run.map_or("<ID of the build run>".to_string(), |id| id.to_string());
    format!("cargo xtask publish --build-run-id {id} --live")
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    /// The example lines of a help text: `  cargo xtask …` under `Examples:`.
    fn examples(help: &str) -> Vec<String> {
        help.split("Examples:\n")
            .nth(1)
            .unwrap_or("")
            .lines()
            .take_while(|l| !l.trim().is_empty())
            .map(|l| l.trim().to_string())
            .collect()
    }

    #[test]
    fn every_subcommand_shows_examples_that_parse() {
        let mut cli = Cli::command();
        let top = cli.render_long_help().to_string();
        assert!(top.contains("Start with `cargo xtask verify`"), "{top}");
        cli.build();
        for sub in cli.get_subcommands_mut().filter(|s| s.get_name() != "help") {
            let name = sub.get_name().to_string();
            let help = sub.render_long_help().to_string();
            let lines = examples(&help);
            assert!(
                (1..=4).contains(&lines.len()),
                "`cargo xtask {name} --help` shows {} examples",
                lines.len()
            );
            assert!(
                help.trim_end()
                    .ends_with("an invalid release/config.toml (the message names the key)"),
                "{help}"
            );
            for line in lines {
                // A shell redirection is not the command's own.
                let words: Vec<&str> = line
                    .split(" > ")
                    .next()
                    .unwrap()
                    .split_whitespace()
                    .collect();
                assert_eq!(words[..2], ["cargo", "xtask"], "{line}");
                let argv = std::iter::once("cargo xtask").chain(words[2..].iter().copied());
                if let Err(err) = Cli::try_parse_from(argv) {
                    panic!("`{line}` from `cargo xtask {name} --help` does not parse: {err}");
                }
            }
        }
    }
}
