//! The blocker a delivery that fails files: the channels that do not serve
//! the release, and how to publish them again.

use super::report::{ChannelResult, Report, not_serving};
use crate::blockers::{self, Blocker};

/// The blocker for channels that do not serve the release after the publish.
pub(crate) fn blocker(
    tag: &str,
    report: &Report,
    build_run: Option<u64>,
    evidence: &str,
) -> Blocker {
    let failed: Vec<&ChannelResult> = report.failing().collect();
    let names: Vec<&str> = failed.iter().map(|o| o.channel.name()).collect();
    let excerpt: Vec<String> = failed
        .iter()
        .map(|o| format!("- {}: {}", o.channel.name(), o.reason))
        .collect();
    let fix = format!(
        "find why in the publish run's jobs, close this blocker, then publish again (`{}`: it dispatches again while a channel does not serve the release) and check with `cargo xtask delivery {}`; never re-tag",
        crate::cli::publish_retry(build_run),
        crate::words::quote(tag)
    );
    Blocker {
        gate: "delivery".to_string(),
        title: blockers::title(tag, "delivery", &format!("{} {tag}", not_serving(&names))),
        body: blockers::body(
            tag,
            "delivery",
            &format!("cargo xtask delivery {tag}"),
            "1",
            &excerpt.join("\n"),
            &fix,
            evidence,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delivery_blocker_names_every_channel_that_does_not_serve_the_build() {
        use super::super::report::Serving;
        use crate::config::distribution::Channel;
        let outcome = |channel, status| ChannelResult {
            channel,
            status,
            required: true,
            reason: "why".into(),
            attempts: 1,
            elapsed: std::time::Duration::ZERO,
        };
        let report = Report {
            tag: "v1.0.0".into(),
            version: semver::Version::new(1, 0, 0),
            outcomes: vec![
                outcome(Channel::Crates, Serving::Mismatch),
                outcome(Channel::Npm, Serving::Fail),
                outcome(Channel::Pypi, Serving::Pass),
            ],
        };
        assert!(!report.ok());
        let b = blocker("v1.0.0", &report, Some(7), "e.json");
        assert_eq!(
            b.title,
            "[release-blocker][v1.0.0] delivery: crates, npm do not serve v1.0.0"
        );
        // Publishing again can fill npm, not the crate someone else published.
        let missing: Vec<&str> = report.missing().map(|o| o.channel.name()).collect();
        assert_eq!(missing, ["npm"]);
    }
}
