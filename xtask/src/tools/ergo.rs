//! `ergo` (v6): the task tracker that holds release blockers. Titles and
//! bodies go to it as argv elements, stdin or a file, never through a shell.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde_json::Value;
use xshell::{Shell, cmd};

use super::{Action, exec};

const TIMEOUT: Duration = Duration::from_secs(30);

/// One epic or task of `ergo list --json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Item {
    pub id: String,
    pub title: String,
    /// `epic` or `task`.
    pub kind: String,
    /// `todo`, `doing`, `blocked`, `done`, `failed`, `canceled` or `draft`.
    pub state: String,
    pub epic_id: Option<String>,
}

impl Item {
    /// Still to deal with: anything but `done` or `canceled` (`failed` is open).
    pub(crate) fn is_open(&self) -> bool {
        !matches!(self.state.as_str(), "done" | "canceled")
    }
}

fn parse_list(text: &str, what: &str) -> Result<Vec<Item>> {
    let value: Value =
        serde_json::from_str(text).with_context(|| format!("`{what}` did not print JSON"))?;
    let Some(items) = value.get("items").and_then(Value::as_array) else {
        bail!("`{what}` printed no `items` array");
    };
    Ok(items
        .iter()
        .filter_map(|v| {
            let text = |k: &str| v.get(k).and_then(Value::as_str).map(String::from);
            Some(Item {
                id: text("id")?,
                title: text("title").unwrap_or_default(),
                kind: text("kind").unwrap_or_default(),
                state: text("state").unwrap_or_default(),
                epic_id: text("epic_id"),
            })
        })
        .collect())
}

/// The first line of `ergo --version`.
pub(crate) fn version(sh: &Shell) -> Option<String> {
    exec(cmd!(sh, "ergo --version"), None, TIMEOUT)
        .ok()?
        .first_line()
}

/// `ergo list --all --json`: every epic and task.
pub(crate) fn list_all(sh: &Shell) -> Result<Vec<Item>> {
    let text = exec(cmd!(sh, "ergo list --all --json"), None, TIMEOUT)?.ok()?;
    parse_list(&text, "ergo list --all --json")
}

/// `ergo list --epic <id> --all --json`: the tasks of one epic.
pub(crate) fn list_epic(sh: &Shell, epic: &str) -> Result<Vec<Item>> {
    let text = exec(
        cmd!(sh, "ergo list --epic {epic} --all --json"),
        None,
        TIMEOUT,
    )?
    .ok()?;
    parse_list(&text, &format!("ergo list --epic {epic} --all --json"))
}

/// `ergo new epic <title> --file <path>`: the file holds the first tasks.
/// An effect, run by the executor.
pub(crate) fn new_epic<'a>(sh: &'a Shell, title: &str, file: &Path) -> Action<'a> {
    Action {
        cmd: cmd!(sh, "ergo new epic {title} --file {file}"),
        argv: ["ergo", "new", "epic", title, "--file"]
            .map(String::from)
            .into_iter()
            .chain([file.display().to_string()])
            .collect(),
        stdin: None,
        timeout: TIMEOUT,
    }
}

/// `ergo new task <title> --epic <id>` with the body on stdin. An effect,
/// run by the executor; [`task_id`] reads what it prints.
pub(crate) fn new_task<'a>(sh: &'a Shell, title: &str, epic: &str, body: &str) -> Action<'a> {
    let argv = ["ergo", "new", "task", title, "--epic", epic].map(String::from);
    Action::new(sh, argv.to_vec(), Some(body.to_string()), TIMEOUT)
}

/// The ID `ergo new task` printed.
pub(crate) fn task_id(out: &str) -> Result<String> {
    let id = out.trim().to_string();
    if id.is_empty() {
        bail!("`ergo new task` printed no ID");
    }
    Ok(id)
}
