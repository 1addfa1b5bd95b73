//! `cargo xtask`: the release tool of plasmite. This file is the table of
//! contents: parse the command line, open the repository once, dispatch to
//! the `run` of each subcommand's flags (declared in `cli.rs`).

// Commands: one file or folder per subcommand, named after it.
mod bump;
mod changelog;
mod cli;
mod delivery;
mod homebrew;
mod matrix;
mod publish;
mod release;
mod sync;
mod test;
mod verify;
mod versions;

// Domain: what the commands share.
mod blockers;
mod drift;
mod effects;
mod gates;
mod lockstep;
mod pipeline;
mod sites;
mod strays;
mod survey;

// Adapters: the external programs, and GitHub Actions' own files.
mod actions;
mod tools;

// Infrastructure: the bottom floors, which import nothing above them.
mod clock;
mod config;
mod diff;
mod fsx;
mod glob;
mod lock;
mod problem;
mod schedule;
mod secrets;
mod sha256;
mod ui;
mod versioning;
mod words;
mod workflows;

use std::process::ExitCode;

use anyhow::Result;
use clap::Parser;

use cli::{Cli, Command};
use survey::Repo;

fn main() -> ExitCode {
    // clap's own messages (help, usage errors that quote an argument) go
    // through the one redacting output too.
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let text = err.render().to_string();
            if err.use_stderr() {
                ui::note(text.trim_end());
            } else {
                ui::text(&text);
            }
            return ExitCode::from(u8::try_from(err.exit_code()).unwrap_or(2));
        }
    };
    if matches!(
        cli.command,
        Command::Verify(_) | Command::Versions(_) | Command::Matrix(_) | Command::Changelog(_)
    ) {
        ui::quiet_broken_pipe();
    }
    match run(cli) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(err) => {
            ui::error(&format!("{err:#}"));
            let usage = err.downcast_ref::<versioning::UsageError>().is_some();
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
    // `verify` reports a config it cannot read; `test` needs none.
    let repo = Repo::open(root);
    match cli.command {
        Command::Verify(cmd) => cmd.run(&sh, repo.as_ref()),
        Command::Test(cmd) => cmd.run(&sh),
        Command::Versions(cmd) => cmd.run(&repo?),
        Command::Bump(cmd) => cmd.run(&sh, &repo?),
        Command::Sync(cmd) => cmd.run(&sh, &repo?),
        Command::Matrix(cmd) => cmd.run(&repo?),
        Command::Changelog(cmd) => cmd.run(&repo?),
        Command::Homebrew(cmd) => cmd.run(&sh, &repo?),
        Command::Delivery(cmd) => cmd.run(&sh, &repo?),
        Command::Release(cmd) => cmd.run(&sh, &repo?),
        Command::Publish(cmd) => cmd.run(&sh, &repo?),
    }
}
