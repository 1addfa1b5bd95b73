//! Adapters for external programs: the only place the xtask spawns processes.
//!
//! Every command is built with xshell's `cmd!` and run here with a timeout,
//! so nothing the release tool calls can hang it.

pub(crate) mod curl;
pub(crate) mod ergo;
pub(crate) mod gh;
pub(crate) mod git;
pub(crate) mod suite;

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use xshell::{Cmd, Shell, cmd};

/// What a finished (or stopped) process left behind.
#[derive(Debug, Clone)]
pub(crate) struct Output {
    /// The command line as shown to users (secrets hidden by `Cmd::secret`).
    pub display: String,
    /// The exit code; `None` when the process was killed by a signal or timed out.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub timed_out: bool,
    /// The signal that ended the process (a crash, or a kill from outside),
    /// when it was not a timeout of ours.
    pub signal: Option<i32>,
    pub duration: Duration,
}

impl Output {
    pub(crate) fn success(&self) -> bool {
        self.code == Some(0) && !self.timed_out
    }

    /// The first line of a successful run's stdout (a `--version` answer).
    pub(crate) fn first_line(self) -> Option<String> {
        self.success()
            .then(|| self.stdout.lines().next().unwrap_or("").trim().to_string())
    }

    /// stdout and stderr together, for reports and evidence, each with a
    /// usage dump cut away (see [`cut_usage`]).
    pub(crate) fn combined(&self) -> String {
        let (stdout, stderr) = (cut_usage(&self.stdout), cut_usage(&self.stderr));
        match (stdout.trim_end().is_empty(), stderr.trim_end().is_empty()) {
            (_, true) => stdout,
            (true, false) => stderr,
            (false, false) => format!("{}\n{}", stdout.trim_end(), stderr),
        }
    }

    /// stdout of a command that must succeed, or an error naming it and its output.
    pub(crate) fn ok(self) -> Result<String> {
        if self.timed_out {
            anyhow::bail!("`{}` timed out after {:.0?}", self.display, self.duration);
        }
        if let Some(signal) = self.signal {
            anyhow::bail!(
                "`{}` crashed (killed by signal {signal}): {}",
                self.display,
                self.combined().trim()
            );
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
fn cut_usage(text: &str) -> String {
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
pub(crate) struct Action<'a> {
    pub cmd: Cmd<'a>,
    /// The command line's words, as shown to users (quoted for a shell).
    pub argv: Vec<String>,
    pub stdin: Option<String>,
    pub timeout: Duration,
}

impl<'a> Action<'a> {
    /// An action that runs `argv` (the program first) directly, no shell.
    pub(crate) fn new(
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
    pub(crate) fn display(&self) -> String {
        crate::words::quote_words(&self.argv)
    }

    /// Runs it; its stdout, or an error naming it and its output.
    pub(crate) fn run(self) -> Result<String> {
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
pub(crate) fn exec(cmd: Cmd<'_>, stdin: Option<&[u8]>, timeout: Duration) -> Result<Output> {
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
    let mut child = spawn(&mut command, &display)?;
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("stdin is piped");
        let input = input.to_vec();
        std::thread::spawn(move || {
            let _ = pipe.write_all(&input);
        });
    }
    let (stdout, out_reader) = drain(child.stdout.take().expect("stdout is piped"));
    let (stderr, err_reader) = drain(child.stderr.take().expect("stderr is piped"));
    let (status, timed_out) = wait_for(&mut child, start, timeout)?;
    stop_reading(&[&out_reader, &err_reader]);
    let duration = start.elapsed();
    let stdout = stdout.lock().map(|c| c.text()).unwrap_or_default();
    let stderr = stderr.lock().map(|c| c.text()).unwrap_or_default();
    Ok(Output {
        display,
        code: if timed_out {
            None
        } else {
            status.and_then(|s| s.code())
        },
        stdout,
        stderr,
        timed_out,
        signal: if timed_out {
            None
        } else {
            status.and_then(signal_of)
        },
        duration,
    })
}

/// How long the output of a process that has exited is still read: a
/// grandchild that keeps its stdout open must not hold the xtask.
const GRACE: Duration = Duration::from_secs(2);

/// How much of each stream is kept in memory: the first and the last this
/// many bytes; what lies between is counted and dropped.
const KEEP: usize = 1 << 20;

/// Waits for `child` until `timeout`, then stops its whole process group;
/// its status, and whether it timed out.
fn wait_for(
    child: &mut std::process::Child,
    start: Instant,
    timeout: Duration,
) -> Result<(Option<std::process::ExitStatus>, bool)> {
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok((Some(status), false));
        }
        if start.elapsed() >= timeout {
            kill_group(child);
            return Ok((child.wait().ok(), true));
        }
        std::thread::sleep(
            Duration::from_millis(2)
                .max(start.elapsed() / 50)
                .min(Duration::from_millis(50)),
        );
    }
}

/// Waits up to [`GRACE`] for the readers of an exited process's pipes;
/// a reader still blocked then (a grandchild holds the pipe) is left.
fn stop_reading(readers: &[&std::thread::JoinHandle<()>]) {
    let deadline = Instant::now() + GRACE;
    while readers.iter().any(|r| !r.is_finished()) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[cfg(unix)]
fn signal_of(status: std::process::ExitStatus) -> Option<i32> {
    use std::os::unix::process::ExitStatusExt;
    status.signal()
}

#[cfg(not(unix))]
fn signal_of(_: std::process::ExitStatus) -> Option<i32> {
    None
}

/// One stream of a process, bounded: its head and its tail, and how many
/// bytes between them were dropped.
#[derive(Default)]
struct Capture {
    head: Vec<u8>,
    tail: Vec<u8>,
    cut: u64,
}

impl Capture {
    pub(crate) fn push(&mut self, bytes: &[u8]) {
        let room = KEEP.saturating_sub(self.head.len()).min(bytes.len());
        self.head.extend_from_slice(&bytes[..room]);
        self.tail.extend_from_slice(&bytes[room..]);
        if self.tail.len() > 2 * KEEP {
            let excess = self.tail.len() - KEEP;
            self.tail.drain(..excess);
            self.cut += excess as u64;
        }
    }

    /// The text kept, with a line saying how much was cut.
    pub(crate) fn text(&self) -> String {
        let mut tail: &[u8] = &self.tail;
        let mut cut = self.cut;
        if tail.len() > KEEP {
            cut += (tail.len() - KEEP) as u64;
            tail = &tail[tail.len() - KEEP..];
        }
        let mut text = String::from_utf8_lossy(&self.head).into_owned();
        if cut > 0 {
            text.push_str(&format!(
                "\n[… {cut} bytes of output cut: the first and last {} MB are kept …]\n",
                KEEP >> 20
            ));
        }
        text.push_str(&String::from_utf8_lossy(tail));
        text
    }
}

/// How a streamed process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Streamed {
    Passed,
    Failed,
    /// Stopped, with its process group, at the timeout.
    TimedOut,
}

/// The longest piece of a line without a newline that is printed at once
/// (100 MB without a newline is printed, and redacted, in pieces).
const PIECE: usize = 64 * 1024;

/// Runs `cmd` until it ends or `timeout` passes (then it is stopped with
/// its process group), with its output shown as it comes, each line
/// through the one redacting output (stdout's to stdout, stderr's to
/// stderr), rather than inherited.
pub(crate) fn stream(cmd: Cmd<'_>, timeout: Duration) -> Result<Streamed> {
    use std::io::BufRead;
    let display = cmd.to_string();
    let mut command: Command = cmd.into();
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        command.process_group(0);
    }
    let start = Instant::now();
    let mut child = spawn(&mut command, &display)?;
    let forward = |pipe: Box<dyn Read + Send>, to_stderr: bool| {
        std::thread::spawn(move || {
            let mut reader = std::io::BufReader::with_capacity(PIECE, pipe);
            let mut line = Vec::new();
            loop {
                // At most PIECE bytes at a time, cut after white space
                // when there is some (a secret is a word: it stays whole).
                let took = match (&mut reader)
                    .take(PIECE as u64)
                    .read_until(b'\n', &mut line)
                {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                let cut = if line.ends_with(b"\n") || took < PIECE {
                    line.len()
                } else {
                    line.iter()
                        .rposition(u8::is_ascii_whitespace)
                        .map_or(line.len(), |i| i + 1)
                };
                let rest = line.split_off(cut);
                let text = String::from_utf8_lossy(&line);
                if to_stderr {
                    crate::ui::note(text.trim_end_matches('\n'));
                } else {
                    crate::ui::text(&text);
                }
                line = rest;
            }
            if !line.is_empty() {
                let text = String::from_utf8_lossy(&line);
                if to_stderr {
                    crate::ui::note(&text);
                } else {
                    crate::ui::text(&text);
                }
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
    let (status, timed_out) = wait_for(&mut child, start, timeout)?;
    stop_reading(&[&out, &err]);
    Ok(match status {
        _ if timed_out => Streamed::TimedOut,
        Some(s) if s.success() => Streamed::Passed,
        _ => Streamed::Failed,
    })
}

/// Starts `command`; a program that is not installed is named, with how to
/// install it.
fn spawn(command: &mut Command, display: &str) -> Result<std::process::Child> {
    command.spawn().map_err(|err| {
        let program = command.get_program().to_string_lossy().into_owned();
        if err.kind() == std::io::ErrorKind::NotFound {
            let how = match program.as_str() {
                "git" => " (Debian: apt-get install git; macOS: xcode-select --install)",
                "gh" => " (https://cli.github.com; Debian: apt-get install gh)",
                _ => "",
            };
            anyhow::anyhow!(
                "could not start `{display}`: `{program}` is not installed or not on PATH; install {program}{how} and run the command again"
            )
        } else {
            anyhow::anyhow!("could not start `{display}`: {err}")
        }
    })
}

/// Reads `pipe` on a thread into a bounded [`Capture`].
fn drain(
    mut pipe: impl Read + Send + 'static,
) -> (Arc<Mutex<Capture>>, std::thread::JoinHandle<()>) {
    let capture = Arc::new(Mutex::new(Capture::default()));
    let sink = Arc::clone(&capture);
    let reader = std::thread::spawn(move || {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match pipe.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if let Ok(mut c) = sink.lock() {
                        c.push(&buf[..n]);
                    }
                }
            }
        }
    });
    (capture, reader)
}

/// Stops the child's whole process group (it was started as a group of
/// its own) with the system call: `Child::kill` alone would leave
/// grandchildren holding the output pipes open, and a `kill` program may
/// not be on `PATH`.
fn kill_group(child: &mut std::process::Child) {
    #[cfg(unix)]
    {
        unsafe extern "C" {
            fn kill(pid: i32, sig: i32) -> i32;
        }
        const SIGKILL: i32 = 9;
        if let Ok(pid) = i32::try_from(child.id()) {
            // SAFETY: kill(2) with a negative pid signals that process group;
            // the group is the child's own (`process_group(0)`).
            unsafe {
                kill(-pid, SIGKILL);
            }
        }
    }
    let _ = child.kill();
}

/// Whether `program` can be found on `PATH`.
pub(crate) fn on_path(program: &str) -> bool {
    let Some(path) = std::env::var_os("PATH") else {
        return false;
    };
    std::env::split_paths(&path).any(|dir| {
        let candidate = dir.join(program);
        candidate.is_file() || (cfg!(windows) && candidate.with_extension("exe").is_file())
    })
}

/// Runs a configured command line (program and arguments; no shell) with a timeout.
pub(crate) fn run_argv(sh: &Shell, argv: &[String], timeout: Duration) -> Result<Output> {
    let (program, args) = argv.split_first().context("an empty command")?;
    exec(cmd!(sh, "{program} {args...}"), None, timeout)
}

/// The first line of `cargo --version`.
pub(crate) fn cargo_version(sh: &Shell) -> Option<String> {
    exec(cmd!(sh, "cargo --version"), None, Duration::from_secs(60))
        .ok()?
        .first_line()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh_c(script: &str, timeout: Duration) -> Output {
        let sh = Shell::new().unwrap();
        // `/bin/sh` and absolute programs: no `kill` (or any) program on PATH.
        sh.set_var("PATH", "/nonexistent");
        exec(cmd!(sh, "/bin/sh -c {script}"), None, timeout).unwrap()
    }

    /// A grandchild that keeps stdout open (40 s) holds the xtask only
    /// for the grace after its parent exits; limits here are generous
    /// (a loaded machine), far below the grandchild's life.
    #[test]
    fn a_grandchild_holding_stdout_is_not_waited_for() {
        let start = Instant::now();
        let out = sh_c("/bin/sleep 40 & echo started", Duration::from_secs(60));
        assert!(out.success(), "{out:?}");
        assert_eq!(out.stdout.trim(), "started");
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{:?}",
            start.elapsed()
        );
    }

    /// A timeout stops the whole group with kill(2), with no `kill`
    /// program on PATH: the grandchildren too, so the pipes close.
    #[test]
    fn a_timeout_stops_the_process_group_without_a_kill_program() {
        let start = Instant::now();
        let out = sh_c(
            "/bin/sleep 40 & /bin/sleep 40; echo never",
            Duration::from_secs(1),
        );
        assert!(out.timed_out && out.code.is_none(), "{out:?}");
        assert!(!out.stdout.contains("never"));
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{:?}",
            start.elapsed()
        );
    }

    /// Endless output is kept to its head and tail, and the cut is said.
    #[test]
    fn output_is_bounded_and_says_how_much_was_cut() {
        let out = sh_c(
            "/usr/bin/head -c 5000000 /dev/zero | /usr/bin/tr '\\0' x; echo; echo last",
            Duration::from_secs(120),
        );
        assert!(out.success(), "{}", out.stderr);
        assert!(out.stdout.len() < 2 * KEEP + 200, "{}", out.stdout.len());
        assert!(out.stdout.contains("bytes of output cut"));
        assert!(out.stdout.starts_with("xxxx") && out.stdout.trim_end().ends_with("last"));
        let mut capture = Capture::default();
        for _ in 0..5 {
            capture.push(&vec![b'y'; KEEP]);
        }
        assert!(
            capture
                .text()
                .contains(&format!("{} bytes of output cut", 3 * KEEP))
        );
    }

    /// A process killed by a signal is a crash, and says so.
    #[test]
    fn a_signal_is_reported_as_a_crash() {
        let out = sh_c("kill -SEGV $$", Duration::from_secs(60));
        assert_eq!(out.signal, Some(11), "{out:?}");
        let err = out.ok().unwrap_err().to_string();
        assert!(err.contains("crashed (killed by signal 11)"), "{err}");
    }

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
