//! `gh`: workflow runs, jobs, auth and dispatch, read from narrow `--json` answers.

use std::time::Duration;

use anyhow::{Context, Result};
use serde_json::Value;
use xshell::{Cmd, Shell, cmd};

use super::{Output, exec};

const TIMEOUT: Duration = Duration::from_secs(60);

/// The fields of a run the xtask reads.
pub const RUN_FIELDS: &str = "databaseId,headSha,event,status,conclusion,url";

/// One workflow run, as `gh run list/view --json` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub id: u64,
    pub head_sha: String,
    pub event: String,
    /// `queued`, `in_progress`, `completed`, …
    pub status: String,
    /// `success`, `failure`, `cancelled`, … once completed; empty before.
    pub conclusion: String,
    pub url: String,
    /// Only `gh run view` gives it.
    pub workflow_name: String,
}

impl Run {
    fn from_json(v: &Value) -> Option<Run> {
        let text = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        Some(Run {
            id: v.get("databaseId")?.as_u64()?,
            head_sha: text("headSha"),
            event: text("event"),
            status: text("status"),
            conclusion: text("conclusion"),
            url: text("url"),
            workflow_name: text("workflowName"),
        })
    }

    pub fn completed(&self) -> bool {
        self.status == "completed"
    }

    pub fn succeeded(&self) -> bool {
        self.completed() && self.conclusion == "success"
    }
}

/// A job of a run that did not succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub name: String,
    pub conclusion: String,
    pub url: String,
}

/// `gh auth status`: the raw output, judged by the caller.
pub fn auth_status(sh: &Shell) -> Result<Output> {
    exec(cmd!(sh, "gh auth status"), None, TIMEOUT)
}

/// The first line of `gh --version`.
pub fn version(sh: &Shell) -> Option<String> {
    first_line(exec(cmd!(sh, "gh --version"), None, TIMEOUT).ok()?)
}

pub(super) fn first_line(out: Output) -> Option<String> {
    out.success()
        .then(|| out.stdout.lines().next().unwrap_or("").trim().to_string())
}

/// `gh run list --workflow <file> [--commit <sha>] --json …`.
pub fn run_list(sh: &Shell, workflow: &str, commit: Option<&str>) -> Result<Vec<Run>> {
    let commit_args: Vec<&str> = commit.map_or(Vec::new(), |sha| vec!["--commit", sha]);
    let text = exec(
        cmd!(
            sh,
            "gh run list --workflow {workflow} {commit_args...} --json {RUN_FIELDS}"
        ),
        None,
        TIMEOUT,
    )?
    .ok()?;
    let value: Value = serde_json::from_str(&text)
        .with_context(|| format!("`gh run list --workflow {workflow}` did not print JSON"))?;
    Ok(value
        .as_array()
        .map(|runs| runs.iter().filter_map(Run::from_json).collect())
        .unwrap_or_default())
}

/// `gh run view <id> --json …`, with the workflow's name.
pub fn run_view(sh: &Shell, id: u64) -> Result<Run> {
    let id = id.to_string();
    let fields = format!("{RUN_FIELDS},workflowName");
    let text = exec(cmd!(sh, "gh run view {id} --json {fields}"), None, TIMEOUT)?.ok()?;
    let value: Value = serde_json::from_str(&text)
        .with_context(|| format!("`gh run view {id}` did not print JSON"))?;
    Run::from_json(&value).with_context(|| format!("`gh run view {id}` printed no databaseId"))
}

/// The jobs of run `id` that did not succeed (`gh run view <id> --json jobs`).
pub fn failed_jobs(sh: &Shell, id: u64) -> Result<Vec<Job>> {
    let id = id.to_string();
    let text = exec(cmd!(sh, "gh run view {id} --json jobs"), None, TIMEOUT)?.ok()?;
    let value: Value = serde_json::from_str(&text)
        .with_context(|| format!("`gh run view {id} --json jobs` did not print JSON"))?;
    let jobs = value.get("jobs").and_then(Value::as_array);
    Ok(jobs
        .into_iter()
        .flatten()
        .filter_map(|job| {
            let text = |k: &str| job.get(k).and_then(Value::as_str).unwrap_or("").to_string();
            let conclusion = text("conclusion");
            (!matches!(conclusion.as_str(), "success" | "skipped" | "neutral")).then(|| Job {
                name: text("name"),
                conclusion,
                url: text("url"),
            })
        })
        .collect())
}

/// `gh workflow run <file> -f k=v …`: an effect, run by the executor.
pub fn workflow_run<'a>(sh: &'a Shell, workflow: &str, inputs: &[(&str, String)]) -> Cmd<'a> {
    let fields: Vec<String> = inputs
        .iter()
        .flat_map(|(k, v)| ["-f".to_string(), format!("{k}={v}")])
        .collect();
    cmd!(sh, "gh workflow run {workflow} {fields...}")
}
