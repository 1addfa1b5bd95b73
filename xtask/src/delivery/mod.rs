//! `cargo xtask delivery <vX.Y.Z>`: check that every channel really serves a release.
//!
//! Each channel is probed on its own thread and retried with backoff until
//! `max_wait`, since registries take a while to show a new version; every
//! request has a timeout. Probes only read: nothing here changes anything.
//! With `--artifact`, crates.io and PyPI must also hold those very files
//! (same sha256): a version someone else published is a `mismatch`, at once.
//! A pre-release never goes to the Homebrew tap, so that channel is skipped.

mod crates;
mod github;
mod go;
mod homebrew;
mod npm;
mod pypi;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use semver::Version;
use serde_json::json;
use xshell::Shell;

use crate::clock::human;
use crate::distribution::{Channel, Delivery, Distribution};
use crate::schedule::{First, Schedule};
use crate::survey::Repo;
use crate::tools::curl;

/// What the caller asks for beyond the config.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The channels to check (each one required); `None` is the config's list.
    pub channels: Option<Vec<Channel>>,
    /// Overrides `[delivery].max_wait`.
    pub max_wait: Option<Duration>,
    /// Files the build made, compared with the registries' checksums.
    pub artifacts: Vec<PathBuf>,
}

/// A file the build made: its name and sha256.
#[derive(Debug, Clone)]
pub struct Built {
    pub name: String,
    pub sha256: String,
}

/// Why a probe did not pass.
#[derive(Debug, Clone)]
pub enum Miss {
    /// Not (yet) there: retried until the maximum wait.
    NotYet(String),
    /// There, but not what the build made: never retried.
    Differs(String),
}

impl From<String> for Miss {
    fn from(reason: String) -> Miss {
        Miss::NotYet(reason)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pass,
    Fail,
    Skip,
    /// The registry holds the version, but other files than the build made.
    Mismatch,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Skip => "skip",
            Status::Mismatch => "mismatch",
        }
    }
}

/// One channel's result.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub channel: Channel,
    pub status: Status,
    pub required: bool,
    pub reason: String,
    pub attempts: u32,
    pub elapsed: Duration,
}

#[derive(Debug, Clone)]
pub struct Report {
    pub tag: String,
    pub version: Version,
    pub outcomes: Vec<Outcome>,
}

impl Report {
    /// True when no required channel failed (or holds other files).
    pub fn ok(&self) -> bool {
        self.failing().next().is_none()
    }

    /// The required channels that do not serve this build's release: it is
    /// not there (`fail`), or other files are (`mismatch`).
    pub fn failing(&self) -> impl Iterator<Item = &Outcome> {
        self.outcomes
            .iter()
            .filter(|o| o.required && matches!(o.status, Status::Fail | Status::Mismatch))
    }

    /// The required channels that lack the release altogether: the ones a
    /// publish can still fill (a `mismatch` needs another version instead).
    pub fn missing(&self) -> impl Iterator<Item = &Outcome> {
        self.outcomes
            .iter()
            .filter(|o| o.required && o.status == Status::Fail)
    }

    pub fn to_json(&self) -> serde_json::Value {
        let channels: Vec<_> = self
            .outcomes
            .iter()
            .map(|o| {
                json!({
                    "channel": o.channel.name(),
                    "status": o.status.name(),
                    "required": o.required,
                    "reason": o.reason,
                    "attempts": o.attempts,
                    "seconds": o.elapsed.as_secs_f64(),
                })
            })
            .collect();
        json!({
            "tag": self.tag,
            "version": self.version.to_string(),
            "ok": self.ok(),
            "channels": channels,
        })
    }

    /// The channels in Markdown, for GitHub's step summary.
    pub fn markdown(&self) -> String {
        let rows: Vec<Vec<String>> = self
            .outcomes
            .iter()
            .map(|o| {
                vec![
                    o.channel.name().to_string(),
                    o.status.name().to_string(),
                    o.reason.clone(),
                ]
            })
            .collect();
        format!(
            "### Delivery of {}\n\n{}",
            self.tag,
            crate::github::table(&["channel", "status", "reason"], &rows)
        )
    }

    /// One workflow command per required channel that fails (GitHub Actions only).
    pub fn annotate(&self) {
        for o in self.failing() {
            crate::github::annotate(
                crate::github::Level::Error,
                None,
                None,
                &format!(
                    "{} does not serve {}: {}",
                    o.channel.name(),
                    self.tag,
                    o.reason
                ),
            );
        }
    }

    /// One line per channel, then a verdict.
    pub fn render(&self) -> String {
        let mut out = format!("delivery of {}:\n", self.tag);
        for o in &self.outcomes {
            let tries = match o.status {
                Status::Skip => String::new(),
                _ => format!(
                    " ({} attempt{}, {})",
                    o.attempts,
                    if o.attempts == 1 { "" } else { "s" },
                    human(o.elapsed)
                ),
            };
            out.push_str(&format!(
                "  {:9} {}  {}{tries}\n",
                o.channel.name(),
                o.status.name(),
                o.reason
            ));
        }
        let failed: Vec<&str> = self.failing().map(|o| o.channel.name()).collect();
        if failed.is_empty() {
            out.push_str(&format!(
                "delivery: ok, every required channel serves {}\n",
                self.version
            ));
        } else {
            out.push_str(&format!(
                "delivery: FAILED: {} do not serve {} yet; fix the publish job, then run `cargo xtask delivery {}` again\n",
                failed.join(", "),
                self.version,
                self.tag
            ));
        }
        out
    }
}

/// What every probe needs to know.
struct Probe<'a> {
    root: &'a Path,
    delivery: &'a Delivery,
    dist: &'a Distribution,
    /// `[release].github_repo`: where the releases live.
    github_repo: Option<&'a str>,
    version: &'a Version,
    tag: &'a str,
    built: &'a [Built],
    /// `[release].go_module`: the Go binding's folder.
    go_module: Option<&'a str>,
}

/// Checks every channel for `version`, as `cargo xtask release --live` does last.
pub fn check(sh: &Shell, repo: &Repo, version: &Version, opts: &Options) -> Result<Report> {
    let dist = &repo.config.distribution;
    let Some(delivery) = &dist.delivery else {
        bail!(
            "{} has no [delivery] section: declare the packages and registries to check (see docs/config.md)",
            crate::config::PATH
        );
    };
    let tag = repo.config.tag(version);
    let requested = opts
        .channels
        .clone()
        .unwrap_or_else(|| delivery.channels.clone());
    let max_wait = opts.max_wait.unwrap_or(delivery.max_wait);
    let root: PathBuf = sh.current_dir();
    let built = opts
        .artifacts
        .iter()
        .map(|path| {
            let bytes = std::fs::read(root.join(path)).map_err(|e| {
                anyhow::anyhow!(
                    "cannot read the artifact {}: {e}; pass a file the build made",
                    path.display()
                )
            })?;
            Ok(Built {
                name: path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                sha256: crate::sha256::hex(&bytes),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let probe = Probe {
        root: &root,
        delivery,
        dist,
        github_repo: repo.config.release.github_repo.as_deref(),
        version,
        tag: &tag,
        built: &built,
        go_module: repo.config.release.go_module.as_deref(),
    };
    let outcomes = std::thread::scope(|scope| {
        let handles: Vec<_> = Channel::ALL
            .iter()
            .map(|&channel| {
                let probe = &probe;
                let required = requested.contains(&channel);
                scope.spawn(move || {
                    if channel == Channel::Homebrew && !probe.version.pre.is_empty() {
                        return Outcome {
                            channel,
                            status: Status::Skip,
                            required: false,
                            reason: "a pre-release is not published to the Homebrew tap (its formula stays on the stable release)".into(),
                            attempts: 0,
                            elapsed: Duration::ZERO,
                        };
                    }
                    if !required {
                        return Outcome {
                            channel,
                            status: Status::Skip,
                            required,
                            reason: "not requested (see --channels or [delivery].channels)".into(),
                            attempts: 0,
                            elapsed: Duration::ZERO,
                        };
                    }
                    poll(channel, delivery, max_wait, || probe.run(channel))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a delivery probe panicked"))
            .collect()
    });
    Ok(Report {
        tag,
        version: version.clone(),
        outcomes,
    })
}

/// Retries `attempt` with doubling pauses until it passes or `max_wait` is spent.
fn poll(
    channel: Channel,
    delivery: &Delivery,
    max_wait: Duration,
    mut attempt: impl FnMut() -> Result<String, Miss>,
) -> Outcome {
    let schedule = Schedule {
        interval: delivery.backoff,
        max_interval: delivery.backoff_max,
        timeout: max_wait,
        growth: 2.0,
    };
    let start = Instant::now();
    let mut attempts = 0;
    let mut last = String::new();
    let found = schedule.poll(First::Look, || {
        attempts += 1;
        match attempt() {
            Ok(reason) => Ok(Some(reason)),
            // There, but not what the build made: never retried.
            Err(Miss::Differs(reason)) => Err(reason),
            Err(Miss::NotYet(reason)) => {
                last = reason;
                Ok(None)
            }
        }
    });
    let (status, reason) = match found {
        Ok(Some(reason)) => (Status::Pass, reason),
        Err(reason) => (Status::Mismatch, reason),
        Ok(None) => (
            Status::Fail,
            format!("{last}; gave up (max wait {})", human(max_wait)),
        ),
    };
    Outcome {
        channel,
        status,
        required: true,
        reason,
        attempts,
        elapsed: start.elapsed(),
    }
}

impl Probe<'_> {
    fn run(&self, channel: Channel) -> Result<String, Miss> {
        let sh = Shell::new().map_err(|e| e.to_string())?;
        sh.change_dir(self.root);
        let missing = |key: &str| {
            format!(
                "not configured: set [delivery].{key} in {}",
                crate::config::PATH
            )
        };
        let d = self.delivery;
        // The homebrew and github channels read the repository's releases.
        let github_repo = || {
            self.github_repo.ok_or_else(|| {
                format!(
                    "not configured: set [release].github_repo in {}",
                    crate::config::PATH
                )
            })
        };
        match channel {
            Channel::Crates => {
                let name = d.crate_name.as_deref().ok_or_else(|| missing("crate"))?;
                crates::probe(
                    &sh,
                    &d.crates_index,
                    name,
                    self.version,
                    self.built,
                    d.request_timeout,
                )
            }
            Channel::Npm => {
                let name = d
                    .npm_package
                    .as_deref()
                    .ok_or_else(|| missing("npm_package"))?;
                Ok(npm::probe(
                    &sh,
                    &d.npm_registry,
                    name,
                    self.version,
                    d.request_timeout,
                )?)
            }
            Channel::Pypi => {
                let name = d
                    .pypi_package
                    .as_deref()
                    .ok_or_else(|| missing("pypi_package"))?;
                pypi::probe(
                    &sh,
                    &d.pypi_url,
                    name,
                    self.version,
                    self.built,
                    d.request_timeout,
                )
            }
            Channel::Homebrew => {
                let repo = github_repo()?;
                let Some(brew) = &self.dist.homebrew else {
                    return Err(Miss::NotYet(format!(
                        "not configured: add a [homebrew] section to {}",
                        crate::config::PATH
                    )));
                };
                Ok(homebrew::probe(
                    &sh,
                    repo,
                    brew,
                    self.dist,
                    self.version,
                    self.tag,
                    d.request_timeout,
                )?)
            }
            Channel::Go => {
                let dir = self.go_module.ok_or_else(|| {
                    format!(
                        "not configured: set [release].go_module in {}",
                        crate::config::PATH
                    )
                })?;
                Ok(go::probe(
                    &sh,
                    &d.go_proxy,
                    self.root,
                    dir,
                    self.version,
                    d.request_timeout,
                )?)
            }
            Channel::Github => {
                let repo = github_repo()?;
                Ok(github::probe(
                    &sh,
                    repo,
                    self.dist,
                    self.version,
                    self.tag,
                    d.request_timeout,
                )?)
            }
        }
    }
}

/// GETs `url`, mapping "no answer" and non-200 statuses to a failure reason.
fn get_ok(
    sh: &Shell,
    url: &str,
    accept: Option<&str>,
    timeout: Duration,
    not_found: impl FnOnce() -> String,
) -> Result<String, String> {
    let response = curl::get(sh, url, accept, timeout).map_err(|e| format!("{e:#}"))?;
    match response.status {
        200 => Ok(response.body),
        404 => Err(format!("{} ({url} answered 404)", not_found())),
        status => Err(format!("GET {url} answered HTTP {status}")),
    }
}

/// `cargo xtask delivery`.
impl Options {
    /// The options `--channels` and `--max-wait` give.
    pub fn from_flags(
        channels: Option<Vec<String>>,
        max_wait: Option<String>,
        artifacts: Vec<PathBuf>,
    ) -> Result<Options> {
        Ok(Options {
            channels: channels.map(|c| parse_channels(&c)).transpose()?,
            max_wait: max_wait
                .map(|m| {
                    crate::fields::parse_duration(&m)
                        .map_err(|e| crate::version::UsageError(format!("--max-wait: {e}")))
                })
                .transpose()?,
            artifacts,
        })
    }
}

/// `--channels crates,npm`: each name must be a channel.
fn parse_channels(names: &[String]) -> Result<Vec<Channel>> {
    if let Some(twice) = names
        .iter()
        .find(|n| names.iter().filter(|m| m == n).count() > 1)
    {
        return Err(crate::version::UsageError(format!(
            "--channels lists `{twice}` twice: list each channel once"
        ))
        .into());
    }
    names
        .iter()
        .map(|name| {
            Channel::parse(name).ok_or_else(|| {
                crate::version::UsageError(format!(
                    "unknown channel `{name}`: the channels are crates, npm, pypi, homebrew, github, go"
                ))
                .into()
            })
        })
        .collect()
}

/// Prints the report, as JSON or text.
pub fn print(report: &Report, as_json: bool) -> Result<()> {
    if as_json {
        crate::ui::document(&serde_json::to_string_pretty(&report.to_json())?);
    } else {
        crate::ui::text(&report.render());
    }
    Ok(())
}
