//! Adapters for external programs: the only place the xtask spawns processes.
//!
//! Every command is built with xshell's `cmd!` and run here with a timeout,
//! so nothing the release tool calls can hang it.

pub mod curl;
pub mod ergo;
pub mod gh;
pub mod git;
pub mod suite;

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use xshell::{Cmd, Shell, cmd};

/// What a finished (or stopped) process left behind.
#[derive(Debug, Clone)]
pub struct Output {
    /// The command line as shown to users (secrets hidden by `Cmd::secret`).
    pub display: String,
    /// The exit code; `None` when the process was killed by a signal or timed out.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub timed_out: bool,
    pub duration: Duration,
}

impl Output {
    pub fn success(&self) -> bool {
        self.code == Some(0) && !self.timed_out
    }

    /// The first line of a successful run's stdout (a `--version` answer).
    pub fn first_line(self) -> Option<String> {
        self.success()
            .then(|| self.stdout.lines().next().unwrap_or("").trim().to_string())
    }

    /// stdout and stderr together, for reports and evidence, each with a
    /// usage dump cut away (see [`cut_usage`]).
    pub fn combined(&self) -> String {
        let (stdout, stderr) = (cut_usage(&self.stdout), cut_usage(&self.stderr));
        match (stdout.trim_end().is_empty(), stderr.trim_end().is_empty()) {
            (_, true) => stdout,
            (true, false) => stderr,
            (false, false) => format!("{}\n{}", stdout.trim_end(), stderr),
        }
    }

    /// stdout of a command that must succeed, or an error naming it and its output.
    pub fn ok(self) -> Result<String> {
        if self.timed_out {
            anyhow::bail!("`{}` timed out after {:.0?}", self.display, self.duration);
        }
        if self.code != Some(0) {
            let code = self
                .code
                .map_or("a signal".to_string(), |c| format!("exit code {c}"));
            anyhow::bail!(
                "`{}` failed with {code}: {}",
                self.display,
                self.combined().trim()
            );
        }
        Ok(self.stdout)
    }
}

/// `text` without a usage dump: a program that rejects its command line
/// (gh's `unknown flag: --commit`) prints the error, then `Usage:` and
/// every flag it has (or, for an unknown `--json` field, `Available
/// fields:` and every field). Only the lines before the dump are kept (the
/// error), so a gate table or a blocker body shows the error, not the manual.
pub fn cut_usage(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let Some(at) = lines.iter().position(|l| {
        let l = l.trim_start().to_ascii_lowercase();
        l.starts_with("usage:") || l.starts_with("available fields:")
    }) else {
        return text.to_string();
    };
    let before: Vec<&str> = lines[..at]
        .iter()
        .copied()
        .filter(|l| !l.trim().is_empty())
        .collect();
    match before.as_slice() {
        [] => lines[at].trim().to_string() + "\n",
        kept => kept.join("\n") + "\n",
    }
}

/// A command that changes something, as its adapter builds it (with its
/// timeout and input), for the executor to run or, in a dry-run, to show.
pub struct Action<'a> {
    pub cmd: Cmd<'a>,
    /// The command line's words, as shown to users (quoted for a shell).
    pub argv: Vec<String>,
    pub stdin: Option<String>,
    pub timeout: Duration,
}

impl<'a> Action<'a> {
    /// An action that runs `argv` (the program first) directly, no shell.
    pub fn new(
        sh: &'a Shell,
        argv: Vec<String>,
        stdin: Option<String>,
        timeout: Duration,
    ) -> Action<'a> {
        let (program, args) = argv.split_first().expect("a command has a program");
        let cmd = cmd!(sh, "{program} {args...}");
        Action {
            cmd,
            argv,
            stdin,
            timeout,
        }
    }

    /// The command line as shown to users: quoted, so that pasted into a
    /// shell it runs these words and nothing else.
    pub fn display(&self) -> String {
        crate::words::quote_words(&self.argv)
    }

    /// Runs it; its stdout, or an error naming it and its output.
    pub fn run(self) -> Result<String> {
        exec(
            self.cmd,
            self.stdin.as_deref().map(str::as_bytes),
            self.timeout,
        )?
        .ok()
    }
}

/// Runs `cmd` to completion or until `timeout`, feeding it `stdin` if given.
///
/// An error means the process could not be started (for example, the
/// program is not installed); a non-zero exit or a timeout is reported in
/// the [`Output`], for the caller to judge.
pub fn exec(cmd: Cmd<'_>, stdin: Option<&[u8]>, timeout: Duration) -> Result<Output> {
    let display = cmd.to_string();
    let mut command: Command = cmd.into();
    command
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // A group of its own, so a timeout stops the children it started too.
        command.process_group(0);
    }
    let start = Instant::now();
    let mut child = command
        .spawn()
        .with_context(|| format!("could not start `{display}`"))?;
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("stdin is piped");
        let input = input.to_vec();
        std::thread::spawn(move || {
            let _ = pipe.write_all(&input);
        });
    }
    let stdout = drain(child.stdout.take().expect("stdout is piped"));
    let stderr = drain(child.stderr.take().expect("stderr is piped"));
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        if start.elapsed() >= timeout {
            timed_out = true;
            kill_group(&mut child);
            break child.wait().ok();
        }
        std::thread::sleep(
            Duration::from_millis(2)
                .max(start.elapsed() / 50)
                .min(Duration::from_millis(50)),
        );
    };
    let duration = start.elapsed();
    Ok(Output {
        display,
        code: if timed_out {
            None
        } else {
            status.and_then(|s| s.code())
        },
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
        timed_out,
        duration,
    })
}

/// Runs `cmd` to completion with its output shown as it comes, each line
/// through the one redacting output (stdout's to stdout, stderr's to
/// stderr), rather than inherited; whether it succeeded.
pub fn stream(cmd: Cmd<'_>) -> Result<bool> {
    use std::io::BufRead;
    let display = cmd.to_string();
    let mut command: Command = cmd.into();
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command
        .spawn()
        .with_context(|| format!("could not start `{display}`"))?;
    let forward = |pipe: Box<dyn Read + Send>, to_stderr: bool| {
        std::thread::spawn(move || {
            let mut reader = std::io::BufReader::new(pipe);
            let mut line = Vec::new();
            while reader.read_until(b'\n', &mut line).unwrap_or(0) > 0 {
                let text = String::from_utf8_lossy(&line);
                if to_stderr {
                    crate::ui::note(text.trim_end_matches('\n'));
                } else {
                    crate::ui::text(&text);
                }
                line.clear();
            }
        })
    };
    let out = forward(
        Box::new(child.stdout.take().expect("stdout is piped")),
        false,
    );
    let err = forward(
        Box::new(child.stderr.take().expect("stderr is piped")),
        true,
    );
    let status = child.wait()?;
    let _ = out.join();
    let _ = err.join();
    Ok(status.success())
}

fn drain(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

fn kill_group(child: &mut std::process::Child) {
    #[cfg(unix)]
    {
        // `kill` the whole group; `Child::kill` alone would leave grandchildren
        // holding the output pipes open.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", child.id())])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
    let _ = child.kill();
}

/// Whether `program` can be found on `PATH`.
pub fn on_path(program: &str) -> bool {
    let Some(path) = std::env::var_os("PATH") else {
        return false;
    };
    std::env::split_paths(&path).any(|dir| {
        let candidate = dir.join(program);
        candidate.is_file() || (cfg!(windows) && candidate.with_extension("exe").is_file())
    })
}

/// Runs a configured command line (program and arguments; no shell) with a timeout.
pub fn run_argv(sh: &Shell, argv: &[String], timeout: Duration) -> Result<Output> {
    let (program, args) = argv.split_first().context("an empty command")?;
    exec(cmd!(sh, "{program} {args...}"), None, timeout)
}

/// The first line of `cargo --version`.
pub fn cargo_version(sh: &Shell) -> Option<String> {
    exec(cmd!(sh, "cargo --version"), None, Duration::from_secs(60))
        .ok()?
        .first_line()
}

#[cfg(test)]
mod tests {
    use super::cut_usage;

    #[test]
    fn a_usage_dump_is_cut_to_its_error() {
        // What gh 2.23 prints for `gh run list --commit <sha>`.
        let dump = "unknown flag: --commit\n\nUsage:  gh run list [flags]\n\nFlags:\n  -b, --branch string     Filter runs by branch\n  -w, --workflow string   Filter runs by workflow\n  \n";
        assert_eq!(cut_usage(dump), "unknown flag: --commit\n");
        assert_eq!(cut_usage("Usage: x [flags]\n  -a\n"), "Usage: x [flags]\n");
        let fields = "Unknown JSON field: \"nope\"\nAvailable fields:\n  conclusion\n  createdAt\n";
        assert_eq!(cut_usage(fields), "Unknown JSON field: \"nope\"\n");
        let plain = "HTTP 401: Bad credentials\n";
        assert_eq!(cut_usage(plain), plain);
    }
}
