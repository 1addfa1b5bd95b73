//! The whole command line of `cargo xtask`.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  a check failed, or a file or tool could not be used (the message says what to do)
  2  usage error: an unknown command or flag, a malformed version, a bump that does not go up";

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
    #[command(after_help = EXIT_CODES)]
    Versions {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Offline consistency checks: sites agree, Cargo.lock, changelog, config.
    #[command(after_help = EXIT_CODES)]
    Verify {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
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
}
