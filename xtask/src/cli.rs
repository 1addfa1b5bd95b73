//! The whole command line of `cargo xtask`.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  a check failed, or a file or tool could not be used (the message says what to do)
  2  usage error: an unknown command or flag, a malformed version, a bump that does not go up";

const VERIFY_HELP: &str = "\
What verify checks (errors fail it; warnings are printed and it passes):
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

The report goes to stdout; stderr carries only errors that stop verify itself.

Exit codes:
  0  no problem (warnings may be listed)
  1  a check failed, or a file or tool could not be used (the message says what to do)
  2  usage error: an unknown command or flag";

/// The release tool of plasmite.
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
    /// List every version site with the version found there.
    ///
    /// Exits 1 when the lock-step sites disagree (sites declared with
    /// `lockstep = false` are listed but never count).
    #[command(after_help = EXIT_CODES)]
    Versions {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Offline consistency checks: sites agree, Cargo.lock, changelog, config, docs.
    #[command(after_help = VERIFY_HELP)]
    Verify {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Also check that <TAG> is the tag of the lock-step version (`v` + version).
        #[arg(long, value_name = "TAG")]
        tag: Option<String>,
    },
    /// Move every version site to a new version, all or nothing.
    #[command(after_help = EXIT_CODES)]
    Bump {
        /// X.Y.Z (or vX.Y.Z), major, minor, patch, `pre <label>` or release.
        #[arg(required = true, num_args = 1..=2, value_name = "VERSION|LEVEL")]
        words: Vec<String>,
        /// Print a diff of every file instead of writing.
        #[arg(long)]
        dry_run: bool,
        /// The date of the changelog's new section, YYYY-MM-DD. Default: the
        /// XTASK_TODAY environment variable if set (also YYYY-MM-DD), else
        /// today's date in UTC.
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: Option<String>,
    },
    /// Write the primary site's version (the first in the config) to every site.
    #[command(after_help = EXIT_CODES)]
    Sync {
        /// Print a diff of every file instead of writing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Run every test of the repository: Rust, Python and Node.
    #[command(after_help = EXIT_CODES)]
    Test,
    /// Print the release build matrix, from the config's [[target]]s.
    #[command(after_help = EXIT_CODES)]
    Matrix {
        /// Print `{"include": [...]}` on one line, for a workflow's `fromJSON`.
        #[arg(long)]
        json: bool,
    },
    /// Print the release notes of one version from the changelog.
    #[command(after_help = EXIT_CODES)]
    Changelog {
        /// X.Y.Z or vX.Y.Z.
        version: String,
    },
    /// Point the Homebrew formula at a release: version, URLs and sha256s, all or nothing.
    #[command(after_help = EXIT_CODES)]
    Homebrew {
        /// The release tag, vX.Y.Z.
        tag: String,
        /// The release's sha256sums.txt.
        #[arg(long, value_name = "FILE")]
        sha256sums: PathBuf,
        /// The formula to rewrite (default: [homebrew].formula of the config).
        #[arg(long, value_name = "PATH")]
        formula: Option<PathBuf>,
        /// Print a diff instead of writing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Check that every channel (crates.io, npm, PyPI, Homebrew, GitHub) serves a release.
    #[command(after_help = EXIT_CODES)]
    Delivery {
        /// The release tag, vX.Y.Z.
        tag: String,
        /// The channels to check, each required: crates,npm,pypi,homebrew,github
        /// (default: [delivery].channels of the config).
        #[arg(long, value_delimiter = ',', value_name = "LIST")]
        channels: Option<Vec<String>>,
        /// How long each channel keeps retrying: 90s, 15m (default: [delivery].max_wait).
        #[arg(long, value_name = "DURATION")]
        max_wait: Option<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Check, then (with --live) tag, build and publish a release. Dry-run by default.
    #[command(after_help = EXIT_CODES)]
    Release {
        /// The version to release: vX.Y.Z (or X.Y.Z).
        #[arg(value_name = "vX.Y.Z")]
        version: String,
        /// Act: tag, push, wait for the build, dispatch the publish. Only
        /// when every gate passed and no blocker is open.
        #[arg(long)]
        live: bool,
        /// The tag whose diff decides the conditional gates; default: the
        /// highest version tag below the target.
        #[arg(long, value_name = "TAG")]
        base_tag: Option<String>,
        /// Who runs the release, recorded in the evidence: model@host.
        #[arg(long, value_name = "MODEL@HOST")]
        agent: Option<String>,
        /// Print the run's evidence record as JSON on stdout (progress goes to stderr).
        #[arg(long)]
        json: bool,
    },
    /// Publish-only retry: dispatch the publish workflow for a successful build run.
    #[command(after_help = EXIT_CODES)]
    Publish {
        /// The databaseId of a successful run of the build workflow for the released tag.
        #[arg(long, value_name = "ID", required = true)]
        build_run_id: u64,
        /// Let the publish go ahead when some registries fail (asked for by name; recorded).
        #[arg(long)]
        allow_partial_release: bool,
        /// Print the run's evidence record as JSON on stdout.
        #[arg(long)]
        json: bool,
    },
}
