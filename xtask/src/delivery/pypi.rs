//! PyPI: the JSON API knows the PEP 440 form of the version.

use std::time::Duration;

use semver::Version;
use xshell::Shell;

pub fn probe(
    sh: &Shell,
    base: &str,
    name: &str,
    version: &Version,
    timeout: Duration,
) -> Result<String, String> {
    let pep440 = crate::version::to_pep440(version).map_err(|e| e.to_string())?;
    let url = format!("{base}/pypi/{name}/{pep440}/json");
    let body = super::get_ok(sh, &url, Some("application/json"), timeout, || {
        format!("PyPI has no {name} {pep440} yet")
    })?;
    check(&body, name, &pep440)
}

/// The release document must be the release asked for.
pub fn check(doc: &str, name: &str, pep440: &str) -> Result<String, String> {
    let doc: serde_json::Value = serde_json::from_str(doc)
        .map_err(|e| format!("PyPI's answer for {name} {pep440} is not JSON: {e}"))?;
    match doc["info"]["version"].as_str() {
        Some(v) if v == pep440 => Ok(format!("{name} {pep440} is on PyPI")),
        other => Err(format!(
            "PyPI answered version {} for {name} {pep440}",
            other.unwrap_or("nothing")
        )),
    }
}
