//! `cargo xtask delivery <vX.Y.Z>`: check that every channel really serves a release.
//!
//! Each channel is probed on its own thread and retried with backoff until
//! `max_wait`, since registries take a while to show a new version; every
//! request has a timeout. Probes only read: nothing here changes anything.

mod crates;
mod github;
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pass,
    Fail,
    Skip,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Skip => "skip",
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
    /// True when no required channel failed.
    pub fn ok(&self) -> bool {
        !self
            .outcomes
            .iter()
            .any(|o| o.required && o.status == Status::Fail)
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
        let failed: Vec<&str> = self
            .outcomes
            .iter()
            .filter(|o| o.required && o.status == Status::Fail)
            .map(|o| o.channel.name())
            .collect();
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
    let probe = Probe {
        root: &root,
        delivery,
        dist,
        github_repo: repo.config.release.github_repo.as_deref(),
        version,
        tag: &tag,
    };
    let outcomes = std::thread::scope(|scope| {
        let handles: Vec<_> = Channel::ALL
            .iter()
            .map(|&channel| {
                let probe = &probe;
                let required = requested.contains(&channel);
                scope.spawn(move || {
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
    mut attempt: impl FnMut() -> Result<String, String>,
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
    let passed = schedule.poll(First::Look, || {
        attempts += 1;
        Ok::<_, std::convert::Infallible>(attempt().map_err(|reason| last = reason).ok())
    });
    let (status, reason) = match passed {
        Ok(Some(reason)) => (Status::Pass, reason),
        _ => (
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
    fn run(&self, channel: Channel) -> Result<String, String> {
        let sh = Shell::new().map_err(|e| e.to_string())?;
        sh.change_dir(self.root);
        let missing = |key: &str| {
            format!(
                "not configured: set [delivery].{key} in {}",
                crate::config::PATH
            )
        };
        let d = self.delivery;
        match channel {
            Channel::Crates => {
                let name = d.crate_name.as_deref().ok_or_else(|| missing("crate"))?;
                crates::probe(&sh, &d.crates_index, name, self.version, d.request_timeout)
            }
            Channel::Npm => {
                let name = d
                    .npm_package
                    .as_deref()
                    .ok_or_else(|| missing("npm_package"))?;
                npm::probe(&sh, &d.npm_registry, name, self.version, d.request_timeout)
            }
            Channel::Pypi => {
                let name = d
                    .pypi_package
                    .as_deref()
                    .ok_or_else(|| missing("pypi_package"))?;
                pypi::probe(&sh, &d.pypi_url, name, self.version, d.request_timeout)
            }
            Channel::Homebrew => {
                let repo = self.github_repo.ok_or_else(|| {
                    format!(
                        "not configured: set [release].github_repo in {}",
                        crate::config::PATH
                    )
                })?;
                let Some(brew) = &self.dist.homebrew else {
                    return Err(format!(
                        "not configured: add a [homebrew] section to {}",
                        crate::config::PATH
                    ));
                };
                homebrew::probe(
                    &sh,
                    repo,
                    brew,
                    self.dist,
                    self.version,
                    self.tag,
                    d.request_timeout,
                )
            }
            Channel::Github => {
                let repo = self.github_repo.ok_or_else(|| {
                    format!(
                        "not configured: set [release].github_repo in {}",
                        crate::config::PATH
                    )
                })?;
                github::probe(
                    &sh,
                    repo,
                    self.dist,
                    self.version,
                    self.tag,
                    d.request_timeout,
                )
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
impl crate::cli::Delivery {
    pub fn run(self, sh: &Shell, repo: &Repo) -> Result<bool> {
        let opts = Options {
            channels: self.channels.map(|c| parse_channels(&c)).transpose()?,
            max_wait: self
                .max_wait
                .map(|m| crate::fields::parse_duration(&m))
                .transpose()?,
        };
        report(sh, repo, &self.tag, &opts, self.json)
    }
}

/// `--channels crates,npm`: each name must be a channel.
fn parse_channels(names: &[String]) -> Result<Vec<Channel>> {
    names
        .iter()
        .map(|name| {
            Channel::parse(name).ok_or_else(|| {
                crate::version::UsageError(format!(
                    "unknown channel `{name}`: the channels are crates, npm, pypi, homebrew, github"
                ))
                .into()
            })
        })
        .collect()
}

fn report(sh: &Shell, repo: &Repo, tag: &str, opts: &Options, as_json: bool) -> Result<bool> {
    let version = crate::version::parse(tag)?;
    let report = check(sh, repo, &version, opts)?;
    if as_json {
        crate::ui::document(&serde_json::to_string_pretty(&report.to_json())?);
    } else {
        crate::ui::text(&report.render());
    }
    Ok(report.ok())
}
