//! `cargo xtask`: the release tool of plasmite. This file is the table of
//! contents: parse the command line, find the repository, dispatch.

mod bump;
mod changelog;
mod cli;
mod clock;
mod config;
mod delivery;
mod diff;
mod distribution;
mod drift;
mod effects;
mod gates;
mod homebrew;
mod matrix;
mod publish;
mod release;
mod secrets;
mod strays;
mod survey;
mod test;
mod tools;
mod ui;
mod verify;
mod version;
mod versions;

use std::process::ExitCode;

use anyhow::Result;
use clap::Parser;

use cli::{Cli, Command};
use effects::Mode;
use survey::Repo;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if matches!(
        cli.command,
        Command::Verify { .. }
            | Command::Versions { .. }
            | Command::Matrix { .. }
            | Command::Changelog { .. }
    ) {
        quiet_broken_pipe();
    }
    match run(cli) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(err) => {
            eprintln!("error: {}", secrets::redact(&format!("{err:#}")));
            let usage = err.downcast_ref::<version::UsageError>().is_some();
            ExitCode::from(if usage { 2 } else { 1 })
        }
    }
}

/// Runs one command; `Ok(false)` means its checks failed.
fn run(cli: Cli) -> Result<bool> {
    let start = match &cli.dir {
        Some(dir) => dir.clone(),
        None => std::env::current_dir()?,
    };
    let root = Repo::find_root(&start)?;
    let sh = xshell::Shell::new()?;
    sh.change_dir(&root);
    let mode = |dry_run: bool| if dry_run { Mode::DryRun } else { Mode::Live };
    match cli.command {
        Command::Verify { json, tag } => verify::run(&sh, &root, json, tag.as_deref()),
        Command::Versions { json } => survey::run(&Repo::open(root)?, json),
        Command::Bump {
            words,
            dry_run,
            date,
        } => {
            let request = version::Request::parse(&words)?;
            let repo = Repo::open(root)?;
            bump::run(&repo, &request, date.as_deref(), mode(dry_run)).map(|()| true)
        }
        Command::Sync { dry_run } => bump::sync(&Repo::open(root)?, mode(dry_run)).map(|()| true),
        Command::Test => test::run(&sh),
        Command::Matrix { json } => matrix::run(&Repo::open(root)?, json),
        Command::Changelog { version } => changelog::run(&Repo::open(root)?, &version),
        Command::Homebrew {
            tag,
            sha256sums,
            formula,
            dry_run,
        } => homebrew::run(
            &Repo::open(root)?,
            &tag,
            &sha256sums,
            formula.as_deref(),
            mode(dry_run),
        ),
        Command::Delivery {
            tag,
            channels,
            max_wait,
            json,
        } => {
            let opts = delivery::Options {
                channels: channels.map(|c| parse_channels(&c)).transpose()?,
                max_wait: max_wait.map(|m| config::parse_duration(&m)).transpose()?,
            };
            delivery::run(&sh, &Repo::open(root)?, &tag, &opts, json)
        }
        Command::Release {
            version,
            live,
            base_tag,
            agent,
            json,
        } => {
            let args = release::Args {
                target: version,
                live,
                base_tag,
                agent,
                json,
            };
            release::run(&sh, root, args)
        }
        Command::Publish {
            build_run_id,
            allow_partial_release,
            json,
        } => {
            let args = publish::Args {
                build_run_id,
                allow_partial_release,
                json,
            };
            publish::run(&sh, root, args)
        }
    }
}

/// `--channels crates,npm`: each name must be a channel.
fn parse_channels(names: &[String]) -> Result<Vec<distribution::Channel>> {
    names
        .iter()
        .map(|name| {
            distribution::Channel::parse(name).ok_or_else(|| {
                version::UsageError(format!(
                    "unknown channel `{name}`: the channels are crates, npm, pypi, homebrew, github"
                ))
                .into()
            })
        })
        .collect()
}

/// A reader that closes the pipe (`cargo xtask verify --json | head -1`) ends
/// a report command quietly, as it does `cat`: restore the default SIGPIPE
/// action that Rust's runtime replaces with "ignore" (which makes `println!`
/// panic). Only for commands that just print: the others write to the stdin
/// of tools they spawn, where a closed pipe must stay an error.
fn quiet_broken_pipe() {
    #[cfg(unix)]
    {
        unsafe extern "C" {
            fn signal(signum: i32, handler: usize) -> usize;
        }
        const SIGPIPE: i32 = 13;
        const SIG_DFL: usize = 0;
        // SAFETY: setting a signal's disposition to the default is async-signal-safe
        // and happens before any thread or child process exists.
        unsafe {
            signal(SIGPIPE, SIG_DFL);
        }
    }
}
