//! A strict reader of TOML tables: each key is read once, by name and type,
//! and a key nobody asked for is an error naming it.

use anyhow::{Result, bail};
use toml_edit::{Item, Table};

/// Reads a table's keys one by one and reports the ones nobody asked for.
pub(crate) struct Fields<'a, 'e> {
    table: &'a Table,
    at: String,
    seen: Vec<&'static str>,
    errors: &'e mut Vec<String>,
}

impl<'a, 'e> Fields<'a, 'e> {
    pub(crate) fn new(table: &'a Table, at: &str, errors: &'e mut Vec<String>) -> Fields<'a, 'e> {
        Fields {
            table,
            at: at.to_string(),
            seen: Vec::new(),
            errors,
        }
    }

    fn key(&self, key: &str) -> String {
        if self.at.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.at)
        }
    }

    pub(crate) fn error(&mut self, message: String) {
        self.errors.push(message);
    }

    fn get(&mut self, key: &'static str) -> Option<&'a Item> {
        self.seen.push(key);
        self.table.get(key)
    }

    pub(crate) fn string(&mut self, key: &'static str) -> Option<String> {
        let item = self.get(key)?;
        match item.as_str() {
            Some(s) => Some(s.to_string()),
            None => {
                let name = self.key(key);
                self.error(format!("{name} must be a string"));
                None
            }
        }
    }

    pub(crate) fn required_string(&mut self, key: &'static str) -> Option<String> {
        let value = self.string(key);
        if value.is_none() && self.table.get(key).is_none() {
            let name = self.key(key);
            self.error(format!("{name} is missing"));
        }
        value
    }

    pub(crate) fn integer(&mut self, key: &'static str) -> Option<i64> {
        let item = self.get(key)?;
        let value = item.as_integer();
        if value.is_none() {
            let name = self.key(key);
            self.error(format!("{name} must be an integer"));
        }
        value
    }

    pub(crate) fn boolean(&mut self, key: &'static str) -> Option<bool> {
        let item = self.get(key)?;
        let value = item.as_bool();
        if value.is_none() {
            let name = self.key(key);
            self.error(format!("{name} must be true or false"));
        }
        value
    }

    pub(crate) fn string_array(&mut self, key: &'static str) -> Option<Vec<String>> {
        let item = self.get(key)?;
        let values: Option<Vec<String>> = item
            .as_array()
            .and_then(|a| a.iter().map(|v| v.as_str().map(String::from)).collect());
        if values.is_none() {
            let name = self.key(key);
            self.error(format!("{name} must be an array of strings"));
        }
        values
    }

    /// A sub-table such as `[git]`; absent is `None`.
    pub(crate) fn table(&mut self, key: &'static str) -> Option<&'a Table> {
        let item = self.get(key)?;
        let table = item.as_table();
        if table.is_none() {
            let name = self.key(key);
            self.error(format!("{name} must be a table [{name}]"));
        }
        table
    }

    /// An array of tables such as `[[site]]`; absent is empty.
    pub(crate) fn array_of_tables(&mut self, key: &'static str) -> Vec<&'a Table> {
        let Some(item) = self.get(key) else {
            return Vec::new();
        };
        match item.as_array_of_tables() {
            Some(tables) => tables.iter().collect(),
            None => {
                let name = self.key(key);
                self.error(format!("{name} must be an array of tables [[{name}]]"));
                Vec::new()
            }
        }
    }

    /// Reports every key that was not read.
    pub(crate) fn finish(self) {
        for (key, _) in self.table.iter() {
            if !self.seen.contains(&key) {
                let name = if self.at.is_empty() {
                    key.to_string()
                } else {
                    format!("{}.{key}", self.at)
                };
                self.errors.push(format!("unknown key `{name}`"));
            }
        }
    }
}

/// The longest duration a config or flag may give: 1000 hours (a wait
/// this long is a typo; a larger one would overflow an `Instant`).
const MAX_DURATION_SECS: u64 = 1000 * 3600;

/// A duration in config or on the command line: `90s`, `5m`, `1h`, `250ms`.
pub(crate) fn parse_duration(text: &str) -> Result<std::time::Duration> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let Ok(n) = number.parse::<u64>() else {
        bail!("`{text}` is not a duration like 90s, 5m or 1h")
    };
    let secs = match unit {
        "ms" => Some(n / 1000)
            .filter(|s| *s <= MAX_DURATION_SECS)
            .map(|_| 0),
        "s" => Some(n),
        "m" => n.checked_mul(60),
        "h" => n.checked_mul(3600),
        "" => bail!("`{text}` has no unit: write it like {n}s, {n}m or {n}h"),
        _ => bail!("`{text}` is not a duration like 90s, 5m or 1h"),
    };
    match secs.filter(|s| *s <= MAX_DURATION_SECS) {
        Some(_) if unit == "ms" => Ok(std::time::Duration::from_millis(n)),
        Some(secs) => Ok(std::time::Duration::from_secs(secs)),
        None => bail!("`{text}` is longer than any wait can be (at most 1000h)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s").unwrap().as_secs(), 90);
        assert_eq!(parse_duration("5m").unwrap().as_secs(), 300);
        assert_eq!(parse_duration("250ms").unwrap().as_millis(), 250);
        assert!(parse_duration("soon").is_err());
        assert!(
            parse_duration("5")
                .unwrap_err()
                .to_string()
                .contains("no unit")
        );
        assert!(parse_duration("18446744073709551615h").is_err());
        assert!(parse_duration("18446744073709551615ms").is_err());
    }
}
