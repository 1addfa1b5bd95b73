//! The whole command line of `cargo xtask`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  a check failed, or a file or tool could not be used (the message says what to do)
  2  usage error: an unknown command or flag, a malformed version, a bump that does not go up";

/// The release tool of plasmite.
///
/// Commands that act outside the working tree (`release`, `publish`) are
/// dry-runs unless given `--live`. Commands that only edit files of the
/// working tree (`bump`, `sync`, `homebrew`) write unless given `--dry-run`.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask", version, after_help = EXIT_CODES)]
pub struct Cli {
    /// Act on the repository containing <DIR> instead of the current directory.
    #[arg(short = 'C', value_name = "DIR", global = true)]
    pub dir: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
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
#[derive(Debug, Args)]
#[command(after_help = EXIT_CODES)]
pub struct Versions {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Offline consistency checks: sites agree, Cargo.lock, changelog, config.
#[derive(Debug, Args)]
#[command(after_help = EXIT_CODES)]
pub struct Verify {
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Also check that <TAG> is the tag of the lock-step version (`v` + version).
    #[arg(long, value_name = "TAG")]
    pub tag: Option<String>,
}

/// Move every version site to a new version, all or nothing.
#[derive(Debug, Args)]
#[command(after_help = EXIT_CODES)]
pub struct Bump {
    /// X.Y.Z (or vX.Y.Z), major, minor, patch, `pre <label>` or release.
    #[arg(required = true, num_args = 1..=2, value_name = "VERSION|LEVEL")]
    pub words: Vec<String>,
    /// Print a diff of every file instead of writing.
    #[arg(long)]
    pub dry_run: bool,
}

/// Write the primary site's version (the first in the config) to every site.
#[derive(Debug, Args)]
#[command(after_help = EXIT_CODES)]
pub struct Sync {
    /// Print a diff of every file instead of writing.
    #[arg(long)]
    pub dry_run: bool,
}

/// Run every test of the repository: Rust, Python and Node.
#[derive(Debug, Args)]
#[command(after_help = EXIT_CODES)]
pub struct Test {}

/// Print the release build matrix, from the config's [[target]]s.
#[derive(Debug, Args)]
#[command(after_help = EXIT_CODES)]
pub struct Matrix {
    /// Print `{"include": [...]}` on one line, for a workflow's `fromJSON`.
    #[arg(long)]
    pub json: bool,
}

/// Print the release notes of one version from the changelog.
#[derive(Debug, Args)]
#[command(after_help = EXIT_CODES)]
pub struct Changelog {
    /// X.Y.Z or vX.Y.Z.
    pub version: String,
}

/// Point the Homebrew formula at a release: version, URLs and sha256s, all or nothing.
#[derive(Debug, Args)]
#[command(after_help = EXIT_CODES)]
pub struct Homebrew {
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
#[command(after_help = EXIT_CODES)]
pub struct Delivery {
    /// The release tag, vX.Y.Z.
    pub tag: String,
    /// The channels to check, each required: crates,npm,pypi,homebrew,github
    /// (default: [delivery].channels of the config).
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub channels: Option<Vec<String>>,
    /// How long each channel keeps retrying: 90s, 15m (default: [delivery].max_wait).
    #[arg(long, value_name = "DURATION")]
    pub max_wait: Option<String>,
    /// Do not file a blocker in ergo for a channel that fails (for CI, which
    /// has no tracker).
    #[arg(long)]
    pub no_blocker: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Check, then (with --live) tag, build and publish a release. Dry-run by default.
#[derive(Debug, Args)]
#[command(after_help = EXIT_CODES)]
pub struct Release {
    /// The version to release: vX.Y.Z (or X.Y.Z).
    #[arg(value_name = "vX.Y.Z")]
    pub version: String,
    /// Act: tag, push, wait for the build, dispatch the publish. Only
    /// when every gate passed and no blocker is open.
    #[arg(long)]
    pub live: bool,
    /// The tag whose diff decides the conditional gates; default: the
    /// highest version tag below the target.
    #[arg(long, value_name = "TAG")]
    pub base_tag: Option<String>,
    /// Who runs the release, recorded in the evidence: model@host.
    #[arg(long, value_name = "MODEL@HOST")]
    pub agent: Option<String>,
    /// Print the run's evidence record as JSON on stdout (progress goes to stderr).
    #[arg(long)]
    pub json: bool,
}

/// Publish-only retry: the release pipeline entered at a successful build
/// run. Dry-run by default; `--live` dispatches the publish workflow.
#[derive(Debug, Args)]
#[command(after_help = EXIT_CODES)]
pub struct Publish {
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
