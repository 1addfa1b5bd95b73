//! `gh`: workflow runs, jobs, auth and dispatch, release assets and repository
//! files, read from narrow `--json` answers.

use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde_json::Value;
use xshell::{Cmd, Shell, cmd};

use super::{Action, Output, exec};
use crate::clock::human;

/// The inputs the publish workflow is dispatched with, and their types in
/// its `workflow_dispatch` (checked against the workflow by `verify`).
const BUILD_RUN_ID: &str = "build_run_id";
const ALLOW_PARTIAL_RELEASE: &str = "allow_partial_release";
/// A rehearsal: the publish workflow does everything short of publishing;
/// the build workflow builds the dispatched commit before it is tagged.
const REHEARSAL: &str = "rehearsal";
pub(crate) const DISPATCH_INPUTS: [(&str, &str); 3] = [
    (BUILD_RUN_ID, "string"),
    (ALLOW_PARTIAL_RELEASE, "boolean"),
    (REHEARSAL, "boolean"),
];

/// The inputs the build workflow is dispatched with for a rehearsal, and
/// their types (checked against the workflow by `verify`).
pub(crate) const TAG: &str = "tag";
pub(crate) const BUILD_DISPATCH_INPUTS: [(&str, &str); 2] =
    [(TAG, "string"), (REHEARSAL, "boolean")];

/// The inputs of a publish dispatch of `build_run` (`<ID of the build run>`
/// when a dry-run has none yet); a rehearsal adds `rehearsal=true`, a
/// publish sends no `rehearsal` input at all.
pub(crate) fn publish_inputs(
    build_run: Option<u64>,
    allow_partial: bool,
    rehearsal: bool,
) -> Vec<(String, String)> {
    let id = build_run.map_or("<ID of the build run>".to_string(), |id| id.to_string());
    let mut inputs = vec![
        (BUILD_RUN_ID.to_string(), id),
        (ALLOW_PARTIAL_RELEASE.to_string(), allow_partial.to_string()),
    ];
    if rehearsal {
        inputs.push((REHEARSAL.to_string(), "true".to_string()));
    }
    inputs
}

/// The inputs of a rehearsal build: the dispatched commit, built as `tag`
/// will be, before the tag exists.
pub(crate) fn rehearsal_build_inputs(tag: &str) -> Vec<(String, String)> {
    vec![
        (TAG.to_string(), tag.to_string()),
        (REHEARSAL.to_string(), "true".to_string()),
    ]
}

/// The `run-name` of the publish workflow: a dispatched run carries the
/// default branch's head, not the tag's commit, so its runs are told apart
/// by the build they publish, and a rehearsal from a publish (checked
/// against the workflow by `verify`).
pub(crate) const PUBLISH_RUN_NAME: &str = "${{ inputs.rehearsal && 'Rehearse the publish of build' || 'Publish build' }} ${{ inputs.build_run_id }}";

/// The `run-name` of the build workflow: a rehearsal build is dispatched
/// for a commit, not pushed with a tag, and found by this title (checked
/// against the workflow by `verify`).
pub(crate) const BUILD_RUN_NAME: &str = "${{ inputs.rehearsal && format('Rehearse the build of {0}', inputs.tag) || format('Build {0}', inputs.tag || github.ref_name) }}";

/// The title GitHub gives a publish run of `build_run` (`PUBLISH_RUN_NAME`).
pub(crate) fn publish_title(build_run: u64) -> String {
    format!("Publish build {build_run}")
}

/// The title GitHub gives a publish rehearsal of `build_run` (`PUBLISH_RUN_NAME`).
pub(crate) fn rehearsal_title(build_run: u64) -> String {
    format!("Rehearse the publish of build {build_run}")
}

/// The title GitHub gives a rehearsal build of `tag` (`BUILD_RUN_NAME`).
pub(crate) fn rehearsal_build_title(tag: &str) -> String {
    format!("Rehearse the build of {tag}")
}

const TIMEOUT: Duration = Duration::from_secs(60);

/// The fields of a run the xtask reads.
const RUN_FIELDS: &str = "databaseId,headSha,event,status,conclusion,url,displayTitle";

/// One workflow run, as `gh run list/view --json` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Run {
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

    pub(crate) fn completed(&self) -> bool {
        self.status == "completed"
    }

    pub(crate) fn succeeded(&self) -> bool {
        self.completed() && self.conclusion == "success"
    }
}

/// A job of a run that did not succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Job {
    pub name: String,
    pub conclusion: String,
    pub url: String,
}

/// Every gh command line the xtask builds. Each is run through [`command`],
/// the one place a `gh` process is built, so the contract test (which runs
/// one of each through the installed gh's flag parser) covers them all.
///
/// Only flags gh 2.23 (Debian 12's gh) has are used: no `run list
/// --commit`, so runs of a commit are found by their `headSha` here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Call<'a> {
    Version,
    AuthStatus,
    /// The newest runs of a workflow.
    RunList {
        workflow: &'a str,
    },
    RunView {
        id: u64,
    },
    RunJobs {
        id: u64,
    },
    /// `gh workflow run`, on `git_ref` (a branch) if given, else the
    /// default branch.
    WorkflowRun {
        workflow: &'a str,
        git_ref: Option<&'a str>,
        inputs: &'a [(&'a str, String)],
    },
    /// `gh api <endpoint>`: the endpoint names its repository.
    Api {
        endpoint: &'a str,
    },
    ReleaseView {
        tag: &'a str,
    },
    ReleaseDownload {
        tag: &'a str,
        asset: &'a str,
    },
}

/// How many runs `gh run list` asks for: one page of the API.
const RUN_LIMIT: u32 = 100;

impl Call<'_> {
    /// The arguments after `gh`; `repo` is passed as `--repo` to every
    /// subcommand that takes it (`auth status`, `api` and `--version` do not).
    pub(crate) fn args(&self, repo: &str) -> Vec<String> {
        // `--repo` goes right after the subcommand and its argument.
        let with_repo = |head: &[&str], tail: &[&str]| {
            let mut args: Vec<&str> = head.to_vec();
            args.extend(["--repo", repo]);
            args.extend(tail);
            args.iter().map(|w| w.to_string()).collect::<Vec<_>>()
        };
        match self {
            Call::Version => vec!["--version".to_string()],
            Call::AuthStatus => vec!["auth".to_string(), "status".to_string()],
            Call::RunList { workflow } => {
                let limit = RUN_LIMIT.to_string();
                let tail = [
                    "--workflow",
                    workflow,
                    "--limit",
                    &limit,
                    "--json",
                    RUN_FIELDS,
                ];
                with_repo(&["run", "list"], &tail)
            }
            Call::RunView { id } => {
                let (id, fields) = (id.to_string(), format!("{RUN_FIELDS},workflowName"));
                with_repo(&["run", "view", &id], &["--json", &fields])
            }
            Call::RunJobs { id } => {
                with_repo(&["run", "view", &id.to_string()], &["--json", "jobs"])
            }
            Call::WorkflowRun {
                workflow,
                git_ref,
                inputs,
            } => {
                let fields: Vec<String> = inputs.iter().map(|(k, v)| format!("{k}={v}")).collect();
                let mut tail = Vec::new();
                if let Some(git_ref) = git_ref {
                    tail.extend(["--ref", git_ref]);
                }
                for field in &fields {
                    tail.extend(["-f", field.as_str()]);
                }
                with_repo(&["workflow", "run", workflow], &tail)
            }
            Call::Api { endpoint } => vec!["api".to_string(), endpoint.to_string()],
            Call::ReleaseView { tag } => {
                with_repo(&["release", "view", tag], &["--json", "assets"])
            }
            Call::ReleaseDownload { tag, asset } => with_repo(
                &["release", "download", tag],
                &["--pattern", asset, "--output", "-"],
            ),
        }
    }
}

/// Whether gh's error text says it rejected the command line itself (a flag
/// or a `--json` field this gh does not have), as opposed to auth or network.
pub(crate) fn is_flag_error(text: &str) -> bool {
    [
        "unknown flag",
        "unknown shorthand flag",
        "Unknown JSON field",
    ]
    .iter()
    .any(|needle| text.contains(needle))
}

/// The one place a `gh` command is built.
fn command<'a>(sh: &'a Shell, call: &Call<'_>, repo: &str) -> Cmd<'a> {
    let args = call.args(repo);
    cmd!(sh, "gh {args...}")
}

/// `gh auth status`: the raw output, judged by the caller.
pub(crate) fn auth_status(sh: &Shell) -> Result<Output> {
    exec(command(sh, &Call::AuthStatus, ""), None, TIMEOUT)
}

/// The first line of `gh --version`.
pub(crate) fn version(sh: &Shell) -> Option<String> {
    exec(command(sh, &Call::Version, ""), None, TIMEOUT)
        .ok()?
        .first_line()
}

/// The newest runs of `workflow` in `repo` (`gh run list --workflow <file>
/// --json …`), only those of `commit` if given: gh 2.23 has no `--commit`,
/// so the runs are filtered on their `headSha` here.
pub(crate) fn run_list(
    sh: &Shell,
    repo: &str,
    workflow: &str,
    commit: Option<&str>,
) -> Result<Vec<Run>> {
    let text = exec(
        command(sh, &Call::RunList { workflow }, repo),
        None,
        TIMEOUT,
    )?
    .ok()?;
    runs_of(&text, commit)
        .with_context(|| format!("`gh run list --workflow {workflow}` did not print JSON"))
}

/// The runs in `gh run list --json` output, only those of `commit` if given.
fn runs_of(text: &str, commit: Option<&str>) -> Result<Vec<Run>> {
    let value: Value = serde_json::from_str(text)?;
    Ok(value
        .as_array()
        .map(|runs| runs.iter().filter_map(Run::from_json).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .filter(|run| commit.is_none_or(|sha| run.head_sha == sha))
        .collect())
}

/// `gh run view <id> --json …`, with the workflow's name.
pub(crate) fn run_view(sh: &Shell, repo: &str, id: u64) -> Result<Run> {
    let text = exec(command(sh, &Call::RunView { id }, repo), None, TIMEOUT)?.ok()?;
    let value: Value = serde_json::from_str(&text)
        .with_context(|| format!("`gh run view {id}` did not print JSON"))?;
    Run::from_json(&value).with_context(|| format!("`gh run view {id}` printed no databaseId"))
}

/// The jobs of run `id` that did not succeed (`gh run view <id> --json jobs`).
pub(crate) fn failed_jobs(sh: &Shell, repo: &str, id: u64) -> Result<Vec<Job>> {
    let text = exec(command(sh, &Call::RunJobs { id }, repo), None, TIMEOUT)?.ok()?;
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

/// `gh workflow run <file> --repo <repo> [--ref <branch>] -f k=v …`: an
/// effect, run by the executor.
pub(crate) fn workflow_run<'a>(
    sh: &'a Shell,
    repo: &str,
    workflow: &str,
    git_ref: Option<&str>,
    inputs: &[(&str, String)],
) -> Action<'a> {
    let call = Call::WorkflowRun {
        workflow,
        git_ref,
        inputs,
    };
    let mut argv = vec!["gh".to_string()];
    argv.extend(call.args(repo));
    Action::new(sh, argv, None, TIMEOUT)
}

/// stdout of a gh query that must succeed within `timeout`.
fn read_within(cmd: Cmd<'_>, timeout: Duration) -> Result<String> {
    let out = exec(cmd, None, timeout)
        .context("`gh` is needed: install the GitHub CLI and run `gh auth login`")?;
    if out.timed_out {
        bail!("`{}` timed out after {}", out.display, human(timeout));
    }
    out.ok()
}

/// The text of `path` in `repo` (default branch), read with `gh api repos/<repo>/contents/<path>`.
pub(crate) fn api_contents(
    sh: &Shell,
    repo: &str,
    path: &str,
    timeout: Duration,
) -> Result<String> {
    let endpoint = format!("repos/{repo}/contents/{path}");
    let call = Call::Api {
        endpoint: &endpoint,
    };
    let json = read_within(command(sh, &call, repo), timeout)?;
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
pub(crate) fn release_assets(
    sh: &Shell,
    repo: &str,
    tag: &str,
    timeout: Duration,
) -> Result<Vec<String>> {
    let json = read_within(command(sh, &Call::ReleaseView { tag }, repo), timeout)?;
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
pub(crate) fn release_asset_text(
    sh: &Shell,
    repo: &str,
    tag: &str,
    name: &str,
    timeout: Duration,
) -> Result<String> {
    let call = Call::ReleaseDownload { tag, asset: name };
    read_within(command(sh, &call, repo), timeout)
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
    use super::*;

    const REPO: &str = "plasmite-fixture/fixture";
    const INPUTS: &[(&str, String)] = &[];

    /// One of each command line the xtask builds, with realistic values.
    fn one_of_each() -> Vec<Call<'static>> {
        static DISPATCH: std::sync::OnceLock<Vec<(&str, String)>> = std::sync::OnceLock::new();
        let inputs = DISPATCH.get_or_init(|| {
            vec![
                ("build_run_id", "1001".to_string()),
                ("allow_partial_release", "false".to_string()),
            ]
        });
        static REHEARSAL_BUILD: std::sync::OnceLock<Vec<(&str, String)>> =
            std::sync::OnceLock::new();
        let rehearsal = REHEARSAL_BUILD.get_or_init(|| {
            vec![
                ("tag", "v1.5.0".to_string()),
                ("rehearsal", "true".to_string()),
            ]
        });
        vec![
            Call::Version,
            Call::AuthStatus,
            Call::RunList {
                workflow: "release.yml",
            },
            Call::RunView { id: 1001 },
            Call::RunJobs { id: 1001 },
            Call::WorkflowRun {
                workflow: "release-publish.yml",
                git_ref: None,
                inputs,
            },
            Call::WorkflowRun {
                workflow: "release-publish.yml",
                git_ref: None,
                inputs: INPUTS,
            },
            Call::WorkflowRun {
                workflow: "release.yml",
                git_ref: Some("main"),
                inputs: rehearsal,
            },
            Call::Api {
                endpoint: "repos/plasmite-fixture/homebrew-tap/contents/Formula/fixture.rb",
            },
            Call::ReleaseView { tag: "v1.5.0" },
            Call::ReleaseDownload {
                tag: "v1.5.0",
                asset: "sha256sums.txt",
            },
        ]
    }

    /// Which kind of call: a `match` without a wildcard, so a new kind of
    /// call does not compile until it is counted here (and in `one_of_each`).
    fn kind(call: &Call<'_>) -> usize {
        match call {
            Call::Version => 0,
            Call::AuthStatus => 1,
            Call::RunList { .. } => 2,
            Call::RunView { .. } => 3,
            Call::RunJobs { .. } => 4,
            Call::WorkflowRun { .. } => 5,
            Call::Api { .. } => 6,
            Call::ReleaseView { .. } => 7,
            Call::ReleaseDownload { .. } => 8,
        }
    }

    #[test]
    fn one_of_each_holds_every_kind_of_call() {
        let kinds: std::collections::BTreeSet<usize> = one_of_each().iter().map(kind).collect();
        assert_eq!(kinds, (0..9).collect());
    }

    #[test]
    fn gh_processes_are_built_in_one_place() {
        let source = include_str!("gh.rs");
        let built = source.matches(&["cmd", "!("].concat()).count();
        assert_eq!(built, 1, "build every gh command with `command(..)`");
    }

    #[test]
    fn every_call_that_takes_a_repository_names_it() {
        for call in one_of_each() {
            let args = call.args(REPO);
            let takes_repo = !matches!(call, Call::Version | Call::AuthStatus | Call::Api { .. });
            let named = args.windows(2).any(|w| w[0] == "--repo" && w[1] == REPO);
            assert_eq!(named, takes_repo, "{args:?}");
            assert!(!args.iter().any(|a| a == "--commit"), "{args:?}");
        }
    }

    #[test]
    fn runs_of_a_commit_are_filtered_on_head_sha() {
        // What gh 2.23 prints for `gh run list --json RUN_FIELDS`.
        let json = r#"[{"databaseId":3,"headSha":"aaa","event":"push","status":"in_progress","conclusion":"","url":"u3"},
                       {"databaseId":2,"headSha":"bbb","event":"push","status":"completed","conclusion":"success","url":"u2"},
                       {"databaseId":1,"headSha":"aaa","event":"push","status":"completed","conclusion":"failure","url":"u1"}]"#;
        let ids = |commit| -> Vec<u64> {
            runs_of(json, commit)
                .unwrap()
                .iter()
                .map(|r| r.id)
                .collect()
        };
        assert_eq!(ids(Some("aaa")), [3, 1]);
        assert_eq!(ids(Some("bbb")), [2]);
        assert_eq!(ids(Some("ccc")), Vec::<u64>::new());
        assert_eq!(ids(None), [3, 2, 1]);
        assert!(runs_of("unknown flag: --commit", Some("aaa")).is_err());
    }

    #[test]
    fn flag_errors_are_told_from_other_failures() {
        assert!(is_flag_error("unknown flag: --commit"));
        assert!(is_flag_error("unknown shorthand flag: 'x' in -x"));
        assert!(is_flag_error("Unknown JSON field: \"foo\""));
        assert!(!is_flag_error("HTTP 401: Bad credentials"));
        assert!(!is_flag_error(
            "dial tcp 127.0.0.1:9: connect: connection refused"
        ));
    }

    /// The contract: every command line the xtask builds is accepted by the
    /// installed gh's flag parser. gh talks to a dead local port with a
    /// made-up token, so nothing reaches the network: an accepted command
    /// line fails later, at the connection. CI installs Debian's gh (2.23);
    /// there a missing gh fails this test instead of skipping it.
    #[test]
    fn the_installed_gh_accepts_every_command_line() {
        let Some(version) = installed_gh_version() else {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but gh is not installed: .ci/run installs Debian's gh"
            );
            eprintln!("skipped: gh is not installed");
            return;
        };
        let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = dead.local_addr().unwrap().port();
        drop(dead);
        let config = std::env::temp_dir().join(format!("xtask-gh-contract-{}", std::process::id()));
        std::fs::create_dir_all(&config).unwrap();
        let mut rejected = Vec::new();
        for call in one_of_each() {
            let args = call.args(REPO);
            let out = std::process::Command::new("gh")
                .args(&args)
                .current_dir(&config)
                .env("GH_HOST", format!("localhost:{port}"))
                .env("GH_ENTERPRISE_TOKEN", "contract-test-token")
                .env("GH_CONFIG_DIR", &config)
                .env("GH_NO_UPDATE_NOTIFIER", "1")
                .env("GH_PROMPT_DISABLED", "1")
                .env_remove("GH_TOKEN")
                .env_remove("GITHUB_TOKEN")
                .env_remove("GH_REPO")
                .stdin(std::process::Stdio::null())
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            let stdout = String::from_utf8_lossy(&out.stdout);
            let text = format!("{stdout}{stderr}");
            let parsed = !is_flag_error(&text) && !text.contains("Usage:");
            // Past the parser, gh either answers (`--version`) or fails at the
            // dead port (`gh auth status` calls that a failed authentication).
            let reached = out.status.success()
                || ["connection refused", "authentication failed"]
                    .iter()
                    .any(|n| text.contains(n));
            if !parsed || !reached {
                rejected.push(format!("gh {}\n{}", args.join(" "), cut(&text)));
            }
        }
        let _ = std::fs::remove_dir_all(&config);
        assert!(
            rejected.is_empty(),
            "{version} does not accept:\n{}",
            rejected.join("\n")
        );
        eprintln!("{version} accepts every command line");
    }

    fn cut(text: &str) -> String {
        text.lines().take(3).collect::<Vec<_>>().join("\n")
    }

    fn installed_gh_version() -> Option<String> {
        let out = std::process::Command::new("gh")
            .arg("--version")
            .env("GH_NO_UPDATE_NOTIFIER", "1")
            .output()
            .ok()?;
        out.status.success().then(|| {
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .next()
                .unwrap_or("")
                .to_string()
        })
    }

    /// The titles are what GitHub makes of the `run-name`s for the inputs
    /// the xtask sends (evaluated by hand: `a && b || c` is `b` when `a`).
    #[test]
    fn titles_follow_the_run_names() {
        assert!(PUBLISH_RUN_NAME.contains(
            "'Rehearse the publish of build' || 'Publish build' }} ${{ inputs.build_run_id }}"
        ));
        assert_eq!(publish_title(7), "Publish build 7");
        assert_eq!(rehearsal_title(7), "Rehearse the publish of build 7");
        assert!(BUILD_RUN_NAME.contains("format('Rehearse the build of {0}', inputs.tag)"));
        assert_eq!(
            rehearsal_build_title("v1.5.0"),
            "Rehearse the build of v1.5.0"
        );
        assert_eq!(
            publish_inputs(Some(7), false, false),
            [
                ("build_run_id".to_string(), "7".to_string()),
                ("allow_partial_release".to_string(), "false".to_string())
            ]
        );
        assert_eq!(publish_inputs(Some(7), false, true)[2].1, "true");
        let dispatch = Call::WorkflowRun {
            workflow: "release.yml",
            git_ref: Some("main"),
            inputs: &[("tag", "v1.5.0".to_string())],
        };
        assert_eq!(
            dispatch.args(REPO).join(" "),
            "workflow run release.yml --repo plasmite-fixture/fixture --ref main -f tag=v1.5.0"
        );
    }

    #[test]
    fn base64() {
        assert_eq!(super::base64_decode("aGVs\nbG8=\n").unwrap(), b"hello");
        assert_eq!(super::base64_decode("aGk=").unwrap(), b"hi");
        assert!(super::base64_decode("a*b").is_err());
    }
}
