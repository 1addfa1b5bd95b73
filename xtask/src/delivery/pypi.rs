//! PyPI: the project's JSON API lists the PEP 440 form of the version, with files.

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
    // The project document, not `/pypi/<name>/<version>/json`: mirrors and
    // proxies serve the former more reliably.
    let url = format!("{base}/pypi/{name}/json");
    let body = super::get_ok(sh, &url, Some("application/json"), timeout, || {
        format!("PyPI has no project {name}")
    })?;
    check(&body, name, &pep440)
}

/// The project document must list `pep440` among its releases, with files.
pub fn check(doc: &str, name: &str, pep440: &str) -> Result<String, String> {
    let doc: serde_json::Value = serde_json::from_str(doc)
        .map_err(|e| format!("PyPI's answer for {name} is not JSON: {e}"))?;
    let latest = doc["info"]["version"].as_str().unwrap_or("none");
    match doc["releases"]
        .get(pep440)
        .and_then(|files| files.as_array())
    {
        Some(files) if !files.is_empty() => Ok(format!("{name} {pep440} is on PyPI")),
        Some(_) => Err(format!("PyPI lists {name} {pep440} but with no files")),
        None => Err(format!(
            "PyPI has no {name} {pep440} yet (its newest is {latest})"
        )),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn needs_the_release_with_files() {
        let doc = r#"{"info":{"version":"1.0.0rc1"},"releases":{"0.9.0":[{}],"1.0.0rc1":[]}}"#;
        assert!(super::check(doc, "p", "0.9.0").is_ok());
        assert!(
            super::check(doc, "p", "1.0.0rc1")
                .unwrap_err()
                .contains("no files")
        );
        let missing = super::check(doc, "p", "1.0.0").unwrap_err();
        assert!(missing.contains("its newest is 1.0.0rc1"), "{missing}");
    }
}
