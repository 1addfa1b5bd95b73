//! Human output: the one place that prints. Everything goes through
//! [`redact`], to stdout or (when stdout carries JSON) to stderr.

use std::io::Write;

use crate::secrets::redact_cow;

#[derive(Debug, Clone, Copy)]
pub(crate) struct Ui {
    /// stdout is reserved for a JSON document.
    pub json: bool,
}

impl Ui {
    /// A line of progress or report.
    pub(crate) fn line(&self, text: &str) {
        self.print(&format!("{text}\n"));
    }

    /// Text as it is (a diff, a table), where lines go.
    pub(crate) fn print(&self, text: &str) {
        if self.json {
            err(text);
        } else {
            out(text);
        }
    }

    /// A warning or error: always stderr.
    pub(crate) fn warn(&self, text: &str) {
        err(&format!("{text}\n"));
    }
}

/// The document a command prints (a JSON record, a table, notes): stdout.
pub(crate) fn document(text: &str) {
    // Two writes, not one copy: a document may be a 50 MB changelog.
    out(text);
    out("\n");
}

/// An error that ends the command: stderr.
pub(crate) fn error(text: &str) {
    err(&format!("error: {text}\n"));
}

/// Whether a ticker's line is on the terminal, to be cleared before the
/// next line is written.
static TICKER_SHOWN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Writes to stdout; a closed pipe (`| head`) is not an error to report.
fn out(text: &str) {
    let _ = std::io::stdout()
        .lock()
        .write_all(redact_cow(&after_ticker(text)).as_bytes());
}

fn err(text: &str) {
    let _ = std::io::stderr()
        .lock()
        .write_all(redact_cow(&after_ticker(text)).as_bytes());
}

/// `text`, after clearing a ticker's line if one is shown.
fn after_ticker(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.starts_with('\r') && TICKER_SHOWN.swap(false, std::sync::atomic::Ordering::SeqCst) {
        return format!("\r{:<72}\r{text}", "").into();
    }
    text.into()
}

/// Text as it is, on stdout (a rendered report that ends its own lines).
pub(crate) fn text(text: &str) {
    out(text);
}

/// A line for a person reading stderr (a problem list, a hint).
pub(crate) fn note(text: &str) {
    err(&format!("{text}\n"));
}

/// How long something runs before its progress is shown.
const QUIET_FOR: std::time::Duration = std::time::Duration::from_secs(3);

/// For the xtask's own tests only: `XTASK_TEST_PROGRESS_AFTER_MS=0` shows
/// progress from the start instead of after [`QUIET_FOR`], so a test of
/// the terminal progress waits for the progress line (an event), not for a
/// gate to outlast 3 s on a busy machine. Documented in docs/config.md;
/// it changes nothing but when the progress line first appears.
pub(crate) const TEST_PROGRESS_AFTER: &str = "XTASK_TEST_PROGRESS_AFTER_MS";

/// [`QUIET_FOR`], or the milliseconds of [`TEST_PROGRESS_AFTER`].
fn quiet_for() -> std::time::Duration {
    std::env::var(TEST_PROGRESS_AFTER)
        .ok()
        .and_then(|ms| ms.parse().ok())
        .map_or(QUIET_FOR, std::time::Duration::from_millis)
}

/// Whether progress may be redrawn in place: the stream is a terminal and
/// `NO_COLOR` is not set. Otherwise output stays plain lines.
fn live_terminal(json: bool) -> bool {
    use std::io::IsTerminal;
    let terminal = if json {
        std::io::stderr().is_terminal()
    } else {
        std::io::stdout().is_terminal()
    };
    terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// The line a ticker draws: `  … clippy: running for 12s`, carriage return
/// first, padded so that it covers the line before.
fn ticker_line(what: &str, elapsed: std::time::Duration) -> String {
    let text = format!(
        "    … {what}: running for {}",
        crate::clock::human_secs(elapsed)
    );
    format!("\r{text:<72}")
}

/// Shows, in place, that something is still running and for how long, once
/// it has run for a few seconds; only on a terminal. Stopped when dropped.
pub(crate) struct Ticker {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<bool>>,
    json: bool,
}

impl Ticker {
    pub(crate) fn start(ui: Ui, what: &str) -> Ticker {
        use std::sync::atomic::{AtomicBool, Ordering};
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let thread = live_terminal(ui.json).then(|| {
            let (stop, what) = (stop.clone(), what.to_string());
            let quiet = quiet_for();
            std::thread::spawn(move || {
                let start = std::time::Instant::now();
                // The second last drawn: once per second, however late a
                // busy machine wakes this thread.
                let mut drawn: Option<u64> = None;
                while !stop.load(Ordering::SeqCst) {
                    std::thread::sleep(std::time::Duration::from_millis(100));
                    let elapsed = start.elapsed();
                    if elapsed >= quiet && drawn != Some(elapsed.as_secs()) {
                        ui.print(&ticker_line(&what, elapsed));
                        TICKER_SHOWN.store(true, Ordering::SeqCst);
                        drawn = Some(elapsed.as_secs());
                    }
                }
                drawn.is_some()
            })
        });
        Ticker {
            stop,
            thread,
            json: ui.json,
        }
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        if let Some(thread) = self.thread.take()
            && thread.join().unwrap_or(false)
            && TICKER_SHOWN.swap(false, std::sync::atomic::Ordering::SeqCst)
        {
            // Clear the ticker's line for what comes next.
            Ui { json: self.json }.print(&format!("\r{:<72}\r", ""));
        }
    }
}
/// A reader that closes the pipe (`cargo xtask verify --json | head -1`) ends
/// a report command quietly, as it does `cat`: restore the default SIGPIPE
/// action that Rust's runtime replaces with "ignore" (which makes `println!`
/// panic). Only for commands that just print: the others write to the stdin
/// of tools they spawn, where a closed pipe must stay an error.
pub(crate) fn quiet_broken_pipe() {
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
