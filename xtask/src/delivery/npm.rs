//! npm: the registry document has the version, and its dist-tag points to it.

use std::time::Duration;

use semver::Version;
use xshell::Shell;

use super::probe::{Context, Miss, get_ok};
use crate::config::distribution::Key;

/// The dist-tag a release is published under: `latest`, or the pre-release
/// label: the first identifier without its trailing digits (`rc` for
/// `1.0.0-rc.1` and `1.0.0-rc1`), or `next` when nothing is left (`1.0.0-1`:
/// npm refuses a tag that looks like a version). `release-publish.yml`
/// applies the same rule to `npm publish --tag`; a test holds them together.
pub(super) fn dist_tag(version: &Version) -> String {
    if version.pre.is_empty() {
        return "latest".to_string();
    }
    let first = version.pre.as_str().split('.').next().unwrap_or_default();
    let label = first.trim_end_matches(|c: char| c.is_ascii_digit());
    if label.is_empty() {
        "next".to_string()
    } else {
        label.to_string()
    }
}

/// Checks a registry document (full or abbreviated) for `version` and its dist-tag.
pub(super) fn check(doc: &str, name: &str, version: &Version) -> Result<String, String> {
    let doc: serde_json::Value = serde_json::from_str(doc)
        .map_err(|e| format!("the npm registry document of {name} is not JSON: {e}"))?;
    let wanted = version.to_string();
    if doc["versions"].get(&wanted).is_none() {
        let latest = doc["dist-tags"]["latest"].as_str().unwrap_or("none");
        return Err(format!(
            "{name}@{wanted} is not in the npm registry yet (latest is {latest})"
        ));
    }
    let tag = dist_tag(version);
    match doc["dist-tags"][&tag].as_str() {
        Some(v) if v == wanted => Ok(format!("{name}@{wanted} is on npm, dist-tag {tag}")),
        other => Err(format!(
            "{name}@{wanted} is on npm but dist-tag {tag} points to {}: run `{}`",
            other.unwrap_or("nothing"),
            crate::words::quote_words(&[
                "npm".into(),
                "dist-tag".into(),
                "add".into(),
                format!("{name}@{wanted}"),
                tag.clone()
            ])
        )),
    }
}

/// The npm registry serves the version under its dist-tag.
pub(super) fn probe(p: &Context<'_>) -> Result<String, Miss> {
    let d = p.delivery;
    let name = p.value(Key::NpmPackage)?;
    Ok(lookup(
        &p.shell()?,
        &d.npm_registry,
        name,
        p.version,
        d.request_timeout,
    )?)
}

fn lookup(
    sh: &Shell,
    registry: &str,
    name: &str,
    version: &Version,
    timeout: Duration,
) -> Result<String, String> {
    // A scoped name keeps its `@` and escapes its `/`.
    let url = format!("{registry}/{}", name.replace('/', "%2f"));
    let accept = "application/vnd.npm.install-v1+json";
    let body = get_ok(sh, &url, Some(accept), timeout, || {
        format!("package {name} is not in the npm registry")
    })?;
    check(&body, name, version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dist_tags() {
        assert_eq!(dist_tag(&Version::parse("1.0.0").unwrap()), "latest");
        assert_eq!(dist_tag(&Version::parse("1.0.0-rc.1").unwrap()), "rc");
        assert_eq!(dist_tag(&Version::parse("1.0.0-rc1").unwrap()), "rc");
        assert_eq!(dist_tag(&Version::parse("1.0.0-1").unwrap()), "next");
    }

    #[test]
    fn latest_must_point_to_the_version() {
        let v = Version::parse("1.0.0").unwrap();
        let doc = r#"{"versions":{"1.0.0":{}},"dist-tags":{"latest":"0.9.0"}}"#;
        assert!(check(doc, "p", &v).unwrap_err().contains("points to 0.9.0"));
        let doc = r#"{"versions":{"1.0.0":{}},"dist-tags":{"latest":"1.0.0"}}"#;
        assert!(check(doc, "p", &v).is_ok());
    }
}
