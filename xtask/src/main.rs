//! `cargo xtask`: the release tool of plasmite. This file is the table of
//! contents: parse the command line, find the repository, dispatch.

mod bump;
mod cli;
mod clock;
mod config;
mod diff;
mod effects;
mod gates;
mod publish;
mod release;
mod secrets;
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
        Command::Verify { json } => verify::run(&root, json),
        Command::Versions { json } => survey::run(&Repo::open(root)?, json),
        Command::Bump { words, dry_run } => {
            let request = version::Request::parse(&words)?;
            bump::run(&Repo::open(root)?, &request, mode(dry_run)).map(|()| true)
        }
        Command::Sync { dry_run } => bump::sync(&Repo::open(root)?, mode(dry_run)).map(|()| true),
        Command::Test => test::run(&sh),
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
