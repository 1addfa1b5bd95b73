//! `gh`: the GitHub queries of the delivery checks (release assets, a file in a tap).

use std::time::Duration;

use anyhow::{Context, Result, bail};
use xshell::{Shell, cmd};

use super::curl::human;
use super::exec;

fn run(cmd: xshell::Cmd<'_>, timeout: Duration) -> Result<String> {
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
    let json = run(cmd!(sh, "gh api {endpoint}"), timeout)?;
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
    let json = run(
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
    run(
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
