//! `cargo xtask`: the release tool of plasmite. This file is the table of
//! contents: parse the command line, open the repository once, dispatch to
//! the `run` of each subcommand's flags (declared in `cli.rs`).

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
mod fields;
mod fsx;
mod gates;
mod github;
mod homebrew;
mod lock;
mod matrix;
mod problem;
mod release;
mod schedule;
mod secrets;
mod sections;
mod sha256;
mod strays;
mod survey;
mod test;
mod tools;
mod ui;
mod verify;
mod version;
mod versions;
mod words;

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
        quiet_broken_pipe();
    }
    match run(cli) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(err) => {
            ui::error(&format!("{err:#}"));
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
    // `verify` reports a config it cannot read; `test` needs none.
    let repo = Repo::open(root);
    match cli.command {
        Command::Verify(cmd) => cmd.run(&sh, &repo),
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
