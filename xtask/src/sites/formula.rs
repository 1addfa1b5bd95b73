//! Homebrew formula: the `version "X"` line and the version in each release-asset URL.

use anyhow::{Result, bail};

use super::slot::{Slot, line_of};

/// The `version` line, then for each `url` line its tag and its file-name version.
pub(crate) fn locate(text: &str, tag_format: &str) -> Result<Vec<Slot>> {
    let tag_prefix = tag_format.split("{version}").next().unwrap_or("");
    let mut slots = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let indent = offset + line.len() - trimmed.len();
        let n = line_of(text, offset);
        if let Some(rest) = trimmed.strip_prefix("version \"") {
            let Some(end) = rest.find('"') else {
                bail!("line {n}: unterminated version string")
            };
            slots.push(Slot {
                label: format!("version (line {n})"),
                range: indent + 9..indent + 9 + end,
            });
        } else if let Some(rest) = trimmed.strip_prefix("url \"") {
            let start = indent + 5;
            let Some(end) = rest.find('"') else {
                bail!("line {n}: unterminated url string")
            };
            let url = &rest[..end];
            let Some(download) = url.find("/releases/download/") else {
                continue;
            };
            let tag_start = download + "/releases/download/".len();
            let tag_end = tag_start + url[tag_start..].find('/').unwrap_or(0);
            if !url[tag_start..tag_end].starts_with(tag_prefix) || tag_end == tag_start {
                bail!("line {n}: the URL's tag does not have the form {tag_format}");
            }
            let tag_version = start + tag_start + tag_prefix.len()..start + tag_end;
            slots.push(Slot {
                label: format!("url tag (line {n})"),
                range: tag_version,
            });
            let file_start = tag_end + 1;
            let file = &url[file_start..];
            if let Some(first) = file.find('_') {
                let version_len = file[first + 1..].find('_').unwrap_or(0);
                if version_len > 0 {
                    let at = start + file_start + first + 1;
                    slots.push(Slot {
                        label: format!("url file (line {n})"),
                        range: at..at + version_len,
                    });
                }
            }
        }
        offset += line.len();
    }
    match slots
        .iter()
        .filter(|s| s.label.starts_with("version "))
        .count()
    {
        1 => Ok(slots),
        0 => bail!("missing `version \"X.Y.Z\"` line"),
        n => bail!("{n} `version` lines, expected one"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_version_line_and_each_url() {
        let text = "class P < Formula\n  version \"0.1.0\"\n  url \"https://github.com/o/r/releases/download/v0.1.0/plasmite_0.1.0_linux-x86_64.tar.gz\"\n  sha256 \"00\"\nend\n";
        let slots = locate(text, "v{version}").unwrap();
        assert_eq!(slots.len(), 3);
        assert!(
            slots.iter().all(|s| &text[s.range.clone()] == "0.1.0"),
            "{slots:?}"
        );
    }

    #[test]
    fn needs_one_version_line() {
        assert!(
            locate("class P\nend\n", "v{version}")
                .unwrap_err()
                .to_string()
                .contains("missing")
        );
    }
}
