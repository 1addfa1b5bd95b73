//! Test runners of the repository's three languages, streamed to the terminal.

use anyhow::Result;
use xshell::{Shell, cmd};

/// One test suite: its name, where it runs, and whether it passed.
pub struct SuiteResult {
    pub name: &'static str,
    pub passed: bool,
    pub seconds: f64,
}

/// Runs `cargo test --workspace`, the Python binding's unittest suite and the
/// Node binding's `node --test`, each even if an earlier one failed.
pub fn run_all(sh: &Shell) -> Result<Vec<SuiteResult>> {
    let mut results = Vec::new();
    let mut suite = |name: &'static str, dir: &str, cmd: xshell::Cmd<'_>| {
        crate::ui::document(&format!("==> {name}: {cmd}  (in {dir})"));
        let start = std::time::Instant::now();
        let passed = cmd.run().is_ok();
        results.push(SuiteResult {
            name,
            passed,
            seconds: start.elapsed().as_secs_f64(),
        });
    };
    suite("rust", ".", cmd!(sh, "cargo test --workspace --locked"));
    {
        let _dir = sh.push_dir("bindings/python");
        suite(
            "python",
            "bindings/python",
            cmd!(sh, "python3 -m unittest discover -s tests -v"),
        );
    }
    {
        let _dir = sh.push_dir("bindings/node");
        suite("node", "bindings/node", cmd!(sh, "node --test"));
    }
    Ok(results)
}
