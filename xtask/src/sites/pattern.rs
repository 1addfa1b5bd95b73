//! Literal-pattern sites: `{version}` inside fixed text, found an exact number of times.

use anyhow::{Result, bail};

use super::slot::Slot;

/// Characters a version token can hold (semver and PEP 440).
fn is_version_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+')
}

/// Every match of `pattern` (which holds `{version}` once); there must be `count`.
pub fn locate(text: &str, pattern: &str, count: usize) -> Result<Vec<Slot>> {
    let Some((prefix, suffix)) = pattern.split_once("{version}") else {
        bail!("the pattern `{pattern}` has no {{version}}");
    };
    let mut slots = Vec::new();
    let mut from = 0;
    while let Some(found) = text[from..].find(prefix) {
        let start = from + found + prefix.len();
        let token_len = text[start..]
            .find(|c| !is_version_char(c))
            .unwrap_or(text.len() - start);
        // The shortest token that the suffix follows (the suffix may start with a version char).
        let end = if suffix.is_empty() {
            Some(start + token_len).filter(|_| token_len > 0)
        } else {
            (1..=token_len)
                .map(|n| start + n)
                .find(|&end| text[end..].starts_with(suffix))
        };
        match end {
            Some(end) => {
                let line = super::slot::line_of(text, start);
                slots.push(Slot {
                    label: format!("line {line}"),
                    range: start..end,
                });
                from = end;
            }
            None => from = start.max(from + found + 1),
        }
        if prefix.is_empty() && from >= text.len() {
            break;
        }
    }
    if slots.len() != count {
        bail!(
            "the pattern `{pattern}` matches {} times, the config expects {count}",
            slots.len()
        );
    }
    Ok(slots)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_each_match() {
        let text = "a __version__ = \"1.2.3\"\nb __version__ = \"1.2.3rc1\"\n";
        let slots = locate(text, "__version__ = \"{version}\"", 2).unwrap();
        assert_eq!(&text[slots[1].range.clone()], "1.2.3rc1");
        assert_eq!(slots[1].label, "line 2");
    }

    #[test]
    fn a_suffix_that_starts_like_a_version() {
        let text = "plasmite-0.1.0.tar.gz";
        let slots = locate(text, "plasmite-{version}.tar.gz", 1).unwrap();
        assert_eq!(&text[slots[0].range.clone()], "0.1.0");
    }

    #[test]
    fn count_must_match() {
        let err = locate("v=1.0.0 v=1.0.0", "v={version}", 1).unwrap_err();
        assert!(err.to_string().contains("matches 2 times"), "{err}");
    }
}
