//! `gh`: workflow runs, jobs, auth and dispatch, release assets and repository
//! files, read from narrow `--json` answers.

use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde_json::Value;
use xshell::{Shell, cmd};

use super::{Action, Output, exec};
use crate::clock::human;

const TIMEOUT: Duration = Duration::from_secs(60);

/// The fields of a run the xtask reads.
pub const RUN_FIELDS: &str = "databaseId,headSha,event,status,conclusion,url,displayTitle";

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
    /// The run's title: a workflow's `run-name`, or the commit's subject.
    pub display_title: String,
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
            display_title: text("displayTitle"),
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
pub fn workflow_run<'a>(sh: &'a Shell, workflow: &str, inputs: &[(&str, String)]) -> Action<'a> {
    let fields: Vec<String> = inputs
        .iter()
        .flat_map(|(k, v)| ["-f".to_string(), format!("{k}={v}")])
        .collect();
    Action {
        cmd: cmd!(sh, "gh workflow run {workflow} {fields...}"),
        stdin: None,
        timeout: TIMEOUT,
    }
}

/// stdout of a gh query that must succeed within `timeout`.
fn read_within(cmd: xshell::Cmd<'_>, timeout: Duration) -> Result<String> {
    let out = exec(cmd, None, timeout)
        .context("`gh` is needed: install the GitHub CLI and run `gh auth login`")?;
    if out.timed_out {
        bail!("`{}` timed out after {}", out.display, human(timeout));
    }
    out.ok()
}

/// The text of `path` in `repo` (default branch), read with `gh api repos/<repo>/contents/<path>`.
pub fn api_contents(sh: &Shell, repo: &str, path: &str, timeout: Duration) -> Result<String> {
    let endpoint = format!("repos/{repo}/contents/{path}");
    let json = read_within(cmd!(sh, "gh api {endpoint}"), timeout)?;
    let doc: serde_json::Value = serde_json::from_str(&json)
        .with_context(|| format!("`gh api {endpoint}` did not answer JSON"))?;
    let Some(content) = doc["content"].as_str() else {
        bail!("`gh api {endpoint}` has no `content`: is {path} a file in {repo}?");
    };
    let bytes = base64_decode(content)
        .with_context(|| format!("`gh api {endpoint}`: `content` is not base64"))?;
    String::from_utf8(bytes).with_context(|| format!("{repo}/{path} is not UTF-8 text"))
}

/// The names of the assets of release `tag`: `gh release view <tag> --json assets`.
pub fn release_assets(sh: &Shell, repo: &str, tag: &str, timeout: Duration) -> Result<Vec<String>> {
    let json = read_within(
        cmd!(sh, "gh release view {tag} --repo {repo} --json assets"),
        timeout,
    )?;
    let doc: serde_json::Value = serde_json::from_str(&json)
        .with_context(|| format!("`gh release view {tag}` did not answer JSON"))?;
    let Some(assets) = doc["assets"].as_array() else {
        bail!("`gh release view {tag} --json assets` has no `assets` list");
    };
    Ok(assets
        .iter()
        .filter_map(|a| a["name"].as_str().map(String::from))
        .collect())
}

/// The text of one asset of release `tag`: `gh release download --pattern <name> --output -`.
pub fn release_asset_text(
    sh: &Shell,
    repo: &str,
    tag: &str,
    name: &str,
    timeout: Duration,
) -> Result<String> {
    read_within(
        cmd!(
            sh,
            "gh release download {tag} --repo {repo} --pattern {name} --output -"
        ),
        timeout,
    )
}

/// Standard base64 (with the newlines GitHub puts in `content`).
fn base64_decode(text: &str) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for byte in text.bytes() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' | b'\n' | b'\r' | b' ' => continue,
            other => bail!("unexpected byte {other:#x}"),
        };
        acc = (acc << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64() {
        assert_eq!(super::base64_decode("aGVs\nbG8=\n").unwrap(), b"hello");
        assert_eq!(super::base64_decode("aGk=").unwrap(), b"hi");
        assert!(super::base64_decode("a*b").is_err());
    }
}
