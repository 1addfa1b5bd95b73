//! JSON sites: the string values at given key paths, found by a small
//! position-keeping scanner so a bump touches only the version token.

use std::ops::Range;

use anyhow::{Result, bail};

use super::slot::Slot;

/// One slot for each key path; each path must hold exactly one string.
pub(crate) fn locate(text: &str, paths: &[&[&str]]) -> Result<Vec<Slot>> {
    if text.starts_with('\u{feff}') {
        bail!(
            "the file starts with a byte-order mark (U+FEFF), which JSON does not allow and npm rejects: save it as UTF-8 without a BOM"
        );
    }
    if let Err(err) = serde_json::from_str::<serde_json::Value>(text) {
        bail!("malformed JSON: {err}");
    }
    let mut scanner = Scanner {
        bytes: text.as_bytes(),
        at: 0,
        path: Vec::new(),
        paths,
        found: vec![Vec::new(); paths.len()],
    };
    scanner.value()?;
    let mut slots = Vec::new();
    for (path, found) in paths.iter().zip(scanner.found) {
        let label = label(path);
        match found.as_slice() {
            [Found::String(range)] => slots.push(Slot {
                label,
                range: range.clone(),
            }),
            [Found::Other] => bail!("{label} is not a plain string"),
            [] => bail!("missing key {label}"),
            _ => bail!("key {label} appears {} times", found.len()),
        }
    }
    Ok(slots)
}

/// `.version`, `.packages[""].version`.
fn label(path: &[&str]) -> String {
    path.iter()
        .map(|key| {
            if key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && !key.is_empty() {
                format!(".{key}")
            } else {
                format!("[{key:?}]")
            }
        })
        .collect()
}

#[derive(Clone)]
enum Found {
    /// The string's contents, quotes excluded, with no escapes in it.
    String(Range<usize>),
    Other,
}

struct Scanner<'a> {
    bytes: &'a [u8],
    at: usize,
    path: Vec<String>,
    paths: &'a [&'a [&'a str]],
    found: Vec<Vec<Found>>,
}

impl Scanner<'_> {
    fn watched(&self) -> Option<usize> {
        self.paths.iter().position(|p| {
            p.len() == self.path.len() && p.iter().zip(&self.path).all(|(a, b)| a == b)
        })
    }

    fn skip_ws(&mut self) {
        while self.at < self.bytes.len() && self.bytes[self.at].is_ascii_whitespace() {
            self.at += 1;
        }
    }

    fn peek(&self) -> Result<u8> {
        match self.bytes.get(self.at) {
            Some(&b) => Ok(b),
            None => bail!("malformed JSON: unexpected end"),
        }
    }

    fn expect(&mut self, byte: u8) -> Result<()> {
        self.skip_ws();
        if self.peek()? != byte {
            bail!(
                "malformed JSON: expected `{}` at byte {}",
                byte as char,
                self.at
            );
        }
        self.at += 1;
        Ok(())
    }

    fn value(&mut self) -> Result<()> {
        self.skip_ws();
        let watched = self.watched();
        match self.peek()? {
            b'{' => {
                self.at += 1;
                self.skip_ws();
                if self.peek()? == b'}' {
                    self.at += 1;
                } else {
                    loop {
                        self.skip_ws();
                        let (range, escaped) = self.string()?;
                        let key = if escaped {
                            serde_json::from_slice(&self.bytes[range.start - 1..range.end + 1])?
                        } else {
                            String::from_utf8_lossy(&self.bytes[range]).into_owned()
                        };
                        self.expect(b':')?;
                        self.path.push(key);
                        self.value()?;
                        self.path.pop();
                        self.skip_ws();
                        match self.peek()? {
                            b',' => self.at += 1,
                            b'}' => {
                                self.at += 1;
                                break;
                            }
                            _ => bail!("malformed JSON at byte {}", self.at),
                        }
                    }
                }
                self.note(watched, Found::Other);
            }
            b'[' => {
                self.at += 1;
                self.skip_ws();
                if self.peek()? == b']' {
                    self.at += 1;
                } else {
                    self.path.push("[]".to_string());
                    loop {
                        self.value()?;
                        self.skip_ws();
                        match self.peek()? {
                            b',' => self.at += 1,
                            b']' => {
                                self.at += 1;
                                break;
                            }
                            _ => bail!("malformed JSON at byte {}", self.at),
                        }
                    }
                    self.path.pop();
                }
                self.note(watched, Found::Other);
            }
            b'"' => {
                let (range, escaped) = self.string()?;
                self.note(
                    watched,
                    if escaped {
                        Found::Other
                    } else {
                        Found::String(range)
                    },
                );
            }
            _ => {
                while self.at < self.bytes.len() && !b",}] \t\r\n".contains(&self.bytes[self.at]) {
                    self.at += 1;
                }
                self.note(watched, Found::Other);
            }
        }
        Ok(())
    }

    fn note(&mut self, watched: Option<usize>, found: Found) {
        if let Some(i) = watched {
            self.found[i].push(found);
        }
    }

    /// A string's contents range and whether it holds escapes.
    fn string(&mut self) -> Result<(Range<usize>, bool)> {
        self.expect(b'"')?;
        let start = self.at;
        let mut escaped = false;
        loop {
            match self.peek()? {
                b'"' => break,
                b'\\' => {
                    escaped = true;
                    self.at += 2;
                }
                _ => self.at += 1,
            }
        }
        let range = start..self.at;
        self.at += 1;
        Ok((range, escaped))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_nested_strings_and_ignores_lookalikes() {
        let text = r#"{"name":"x","deps":{"version":"9.9.9"},"version": "1.2.3","packages":{"":{"version":"1.2.3"},"node_modules/a":{"version":"4.5.6"}},"list":[{"version":"7"}]}"#;
        let slots = locate(text, &[&["version"], &["packages", "", "version"]]).unwrap();
        assert_eq!(slots.len(), 2);
        assert!(slots.iter().all(|s| &text[s.range.clone()] == "1.2.3"));
        assert_eq!(slots[1].label, r#".packages[""].version"#);
    }

    #[test]
    fn reports_missing_duplicate_and_non_string_keys() {
        assert!(
            locate(r#"{"name":"x"}"#, &[&["version"]])
                .unwrap_err()
                .to_string()
                .contains("missing key .version")
        );
        assert!(
            locate(r#"{"version":1}"#, &[&["version"]])
                .unwrap_err()
                .to_string()
                .contains("not a plain string")
        );
        assert!(
            locate(r#"{"version":"1","version":"2"}"#, &[&["version"]])
                .unwrap_err()
                .to_string()
                .contains("2 times")
        );
        assert!(
            locate(r#"{"version":"1""#, &[&["version"]])
                .unwrap_err()
                .to_string()
                .contains("malformed JSON")
        );
    }
}
