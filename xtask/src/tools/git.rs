//! `git`: the queries and effects the xtask needs from it.

use std::time::Duration;

use anyhow::Result;
use xshell::{Shell, cmd};

use super::exec;

const TIMEOUT: Duration = Duration::from_secs(60);

/// The output of a git query that must succeed.
pub fn read(sh: &Shell, args: &[&str]) -> Result<String> {
    Ok(exec(cmd!(sh, "git {args...}"), None, TIMEOUT)?
        .ok()?
        .trim_end()
        .to_string())
}
