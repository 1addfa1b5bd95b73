//! PyPI: the project's JSON API lists the PEP 440 form of the version, with
//! files; with built files, each one PyPI holds has the same sha256 digest.

use std::time::Duration;

use semver::Version;
use xshell::Shell;

use super::{Built, Miss};

pub fn probe(
    sh: &Shell,
    base: &str,
    name: &str,
    version: &Version,
    built: &[Built],
    timeout: Duration,
) -> Result<String, Miss> {
    let pep440 = crate::version::to_pep440(version).map_err(|e| e.to_string())?;
    // The project document, not `/pypi/<name>/<version>/json`: mirrors and
    // proxies serve the former more reliably.
    let url = format!("{base}/pypi/{name}/json");
    let body = super::get_ok(sh, &url, Some("application/json"), timeout, || {
        format!("PyPI has no project {name}")
    })?;
    let found = check(&body, name, &pep440)?;
    if built.is_empty() {
        return Ok(found);
    }
    compare(&body, name, &pep440, built)
}

/// Each built file PyPI holds must have its digest; all of them there is a pass.
pub fn compare(doc: &str, name: &str, pep440: &str, built: &[Built]) -> Result<String, Miss> {
    let doc: serde_json::Value = serde_json::from_str(doc)
        .map_err(|e| format!("PyPI's answer for {name} is not JSON: {e}"))?;
    let files = doc["releases"][pep440]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut missing = Vec::new();
    let mut differ = Vec::new();
    for b in built {
        match files.iter().find(|f| f["filename"] == b.name.as_str()) {
            None => missing.push(b.name.as_str()),
            Some(f) => {
                let digest = f["digests"]["sha256"].as_str().unwrap_or("(none)");
                if digest != b.sha256 {
                    differ.push(format!(
                        "{} is {digest} on PyPI but {} here",
                        b.name, b.sha256
                    ));
                }
            }
        }
    }
    if !differ.is_empty() {
        return Err(Miss::Differs(format!(
            "PyPI's {name} {pep440} holds other files than this build made: {}; a file cannot be replaced on PyPI: publish another version",
            differ.join("; ")
        )));
    }
    if !missing.is_empty() {
        return Err(Miss::NotYet(format!(
            "PyPI has {name} {pep440} without {}",
            missing.join(", ")
        )));
    }
    Ok(format!(
        "{name} {pep440} is on PyPI, with the digests of the {} built files",
        built.len()
    ))
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

    #[test]
    fn compares_the_digests_of_built_files() {
        use super::{Built, Miss, compare};
        let doc =
            r#"{"releases":{"1.0.0":[{"filename":"p-1.0.0.tar.gz","digests":{"sha256":"aa"}}]}}"#;
        let built = |name: &str, sha: &str| Built {
            name: name.into(),
            sha256: sha.into(),
        };
        assert!(compare(doc, "p", "1.0.0", &[built("p-1.0.0.tar.gz", "aa")]).is_ok());
        let two = [
            built("p-1.0.0.tar.gz", "aa"),
            built("p-1.0.0-py3-none-any.whl", "cc"),
        ];
        assert!(matches!(
            compare(doc, "p", "1.0.0", &two),
            Err(Miss::NotYet(_))
        ));
        let other = [built("p-1.0.0.tar.gz", "bb")];
        let Err(Miss::Differs(why)) = compare(doc, "p", "1.0.0", &other) else {
            panic!("another digest is a mismatch");
        };
        assert!(why.contains("aa on PyPI but bb here"), "{why}");
    }
}
