//! `cargo xtask test`: every test of the repository (Rust, Python, Node, and
//! Go when it is installed).

use anyhow::{Result, bail};
use xshell::Shell;

use crate::tools::{self, suite};

/// What each suite needs, and how to get it.
const NEEDS: [(&str, &str); 3] = [
    ("cargo", "install Rust with rustup: https://rustup.rs"),
    (
        "python3",
        "install Python 3.11 or newer (Debian: apt-get install python3)",
    ),
    (
        "node",
        "install Node.js 18 or newer (Debian: apt-get install nodejs npm)",
    ),
];

impl crate::cli::Test {
    pub(crate) fn run(self, sh: &Shell) -> Result<bool> {
        let timeout = crate::config::fields::parse_duration(&self.timeout)
            .ok()
            .filter(|t| *t >= MIN_TIMEOUT)
            .ok_or_else(|| {
                crate::versioning::UsageError(format!(
                    "--timeout `{}` is not a duration of at least 1s, like 30m or 1h",
                    self.timeout
                ))
            })?;
        run_all(sh, timeout)
    }
}

/// The shortest suite timeout that can work.
const MIN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1);

fn run_all(sh: &Shell, timeout: std::time::Duration) -> Result<bool> {
    let missing: Vec<String> = NEEDS
        .iter()
        .filter(|(tool, _)| !tools::on_path(tool))
        .map(|(tool, how)| format!("{tool}: {how}"))
        .collect();
    if !missing.is_empty() {
        bail!(
            "cannot run every test, these tools are missing:\n  - {}",
            missing.join("\n  - ")
        );
    }
    let results = suite::run_all(sh, timeout)?;
    crate::ui::document("\n==> summary");
    for r in &results {
        let status = match (&r.skipped, r.passed) {
            (Some(why), _) => format!("skipped ({why})"),
            (None, true) => "passed".to_string(),
            (None, false) if r.timed_out => "TIMED OUT".to_string(),
            (None, false) => "FAILED".to_string(),
        };
        crate::ui::document(&format!("{:8} {status:6} {:.1}s", r.name, r.seconds));
    }
    let failed: Vec<&str> = results
        .iter()
        .filter(|r| !r.passed)
        .map(|r| r.name)
        .collect();
    let skipped = results.iter().filter(|r| r.skipped.is_some()).count();
    let skipped = if skipped > 0 {
        format!(", {skipped} skipped")
    } else {
        String::new()
    };
    crate::ui::document(&format!(
        "suites: {} passed, {} failed{skipped}",
        results.len() - failed.len() - results.iter().filter(|r| r.skipped.is_some()).count(),
        failed.len()
    ));
    if !failed.is_empty() {
        crate::ui::note(&format!(
            "failed suites: {}; scroll up for their output",
            failed.join(", ")
        ));
    }
    Ok(failed.is_empty())
}
