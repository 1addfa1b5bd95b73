//! Secret redaction: nothing the xtask prints or records may hold a token.
//!
//! One function, [`redact`], masks the values of every credential variable a
//! release touches and every token-shaped word. Every line the xtask prints
//! goes through it (`ui.rs`); the output of the processes it runs is
//! captured, or streamed line by line through `ui.rs` (`tools::stream`);
//! evidence files, blocker bodies and the lock note call it before they are
//! written.

use std::borrow::Cow;

/// Environment variables whose values are secrets; also every
/// `CARGO_REGISTRIES_<NAME>_TOKEN` and every variable whose name says it
/// holds a credential (see [`is_secret_var`]).
const SECRET_VARS: [&str; 12] = [
    "GH_TOKEN",
    "GITHUB_TOKEN",
    "GH_ENTERPRISE_TOKEN",
    "CARGO_REGISTRY_TOKEN",
    "NPM_TOKEN",
    "NODE_AUTH_TOKEN",
    "PYPI_API_TOKEN",
    "TWINE_PASSWORD",
    "HOMEBREW_TAP_TOKEN",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    "ACTIONS_RUNTIME_TOKEN",
    "GITHUB_ENTERPRISE_TOKEN",
];

/// Words that make a variable a secret wherever they appear in its name
/// (`AWS_SECRET_ACCESS_KEY`, `DB_PASSWD`, `OPENAI_API_KEY`), in any case.
const SECRET_WORDS: [&str; 7] = [
    "TOKEN",
    "SECRET",
    "PASSWORD",
    "PASSWD",
    "API_KEY",
    "PRIVATE_KEY",
    "CREDENTIAL",
];

/// Whether the variable `name` holds a secret.
fn is_secret_var(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    SECRET_VARS.contains(&name)
        || SECRET_WORDS.iter().any(|word| upper.contains(word))
        || name
            .strip_prefix("CARGO_REGISTRIES_")
            .and_then(|rest| rest.strip_suffix("_TOKEN"))
            .is_some_and(|registry| !registry.is_empty())
}

/// The values of this process's secret variables (at least 4 characters),
/// each as it is, each line of a multi-line value (a key file printed line
/// by line), and each of those as JSON writes it inside a string (a `"`
/// becomes `\"`), so text serialized before it was redacted is masked too.
fn secret_values() -> Vec<String> {
    // A flag (`SECRET_SCANNING=true`) is not a secret: masking it would
    // mask the word everywhere.
    let flag = |v: &str| {
        [
            "true", "false", "yes", "no", "none", "null", "enabled", "disabled",
        ]
        .contains(&v.trim().to_ascii_lowercase().as_str())
    };
    let raw = std::env::vars_os()
        .filter(|(name, _)| name.to_str().is_some_and(is_secret_var))
        .filter_map(|(_, value)| value.into_string().ok())
        .filter(|v| !flag(v));
    secret_forms(raw)
}

/// Every form of `raw` that [`redact`] masks: see [`secret_values`].
fn secret_forms(raw: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut values = Vec::new();
    for value in raw {
        let whole = value.trim().to_string();
        let lines: Vec<String> = whole.lines().map(|l| l.trim().to_string()).collect();
        for form in std::iter::once(whole).chain(lines) {
            let json = serde_json::Value::String(form.clone()).to_string();
            let json = json[1..json.len() - 1].to_string();
            if json != form {
                values.push(json);
            }
            values.push(form);
        }
    }
    let mut values: Vec<String> = values.into_iter().filter(|v| v.len() >= 4).collect();
    // Longest first, so a value that contains another is masked whole.
    values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    values.dedup();
    values
}

/// Prefixes of token-shaped values (GitHub, npm, PyPI).
const TOKEN_PREFIXES: [&str; 8] = [
    "github_pat_",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "npm_",
    "pypi-",
];

/// What a secret is replaced with.
const MASK: &str = "[REDACTED]";

/// `text` with the values of the secret variables of this process and every
/// token-shaped word replaced by [`MASK`]. The environment is read once: it
/// does not change while the xtask runs, and every printed line comes here.
pub(crate) fn redact(text: &str) -> String {
    redact_cow(text).into_owned()
}

/// [`redact`], borrowing `text` when it holds nothing to mask (the usual
/// case: a 50 MB changelog printed whole is not copied).
pub(crate) fn redact_cow(text: &str) -> Cow<'_, str> {
    static VALUES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    redacted(text, VALUES.get_or_init(secret_values))
}

/// Every string in `value` (keys included) redacted: for a document to be
/// serialized, so no escaping can hide a secret from [`redact`].
pub(crate) fn redact_json(value: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::String(text) => Value::String(redact(text)),
        Value::Array(items) => Value::Array(items.iter().map(redact_json).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (redact(k), redact_json(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// [`redact`] with the secret values given.
#[cfg(test)]
pub(crate) fn redact_with(text: &str, values: &[String]) -> String {
    redacted(text, values).into_owned()
}

/// [`redact_with`], copying only when something is masked. Linear in the
/// text: each value is searched with the standard library's substring
/// search, and token-shaped words are found from their prefixes' last
/// character (`_` or `-`), searched with `memchr`, so even the unoptimized
/// build `cargo xtask` runs redacts 50 MB in a fraction of a second.
fn redacted<'a>(text: &'a str, values: &[String]) -> Cow<'a, str> {
    let mut out = Cow::Borrowed(text);
    for value in values {
        if out.contains(value.as_str()) {
            out = Cow::Owned(out.replace(value.as_str(), MASK));
        }
    }
    match mask_tokens(&out) {
        Cow::Borrowed(_) => out,
        Cow::Owned(masked) => Cow::Owned(masked),
    }
}

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// Where each token-shaped word starts and ends: `<prefix><at least 16
/// token characters>`, the prefix at the start of a word.
fn tokens(text: &str) -> Vec<std::ops::Range<usize>> {
    // Every prefix ends with `_` or `-`: only those places are looked at.
    let mut ends: Vec<usize> = text
        .match_indices('_')
        .chain(text.match_indices('-'))
        .map(|(at, _)| at + 1)
        .collect();
    ends.sort_unstable();
    let mut found: Vec<std::ops::Range<usize>> = Vec::new();
    for end in ends {
        if found.last().is_some_and(|last| end <= last.end) {
            continue; // Inside a token already found.
        }
        for prefix in TOKEN_PREFIXES {
            let Some(start) = end.checked_sub(prefix.len()) else {
                continue;
            };
            // An ASCII prefix that matches starts on a character boundary.
            if text.as_bytes()[start..end] != *prefix.as_bytes() {
                continue;
            }
            let starts_word = text[..start]
                .chars()
                .next_back()
                .is_none_or(|c| !is_token_char(c));
            if starts_word {
                let tail = &text[end..];
                let len = tail.find(|c| !is_token_char(c)).unwrap_or(tail.len());
                if len >= 16 {
                    found.push(start..end + len);
                }
                break;
            }
        }
    }
    found
}

/// Replaces every token-shaped word (see [`tokens`]) with [`MASK`].
fn mask_tokens(text: &str) -> Cow<'_, str> {
    let found = tokens(text);
    if found.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for range in found {
        out.push_str(&text[at..range.start]);
        out.push_str(MASK);
        at = range.end;
    }
    out.push_str(&text[at..]);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_credential_variable_is_secret() {
        for name in [
            "GH_TOKEN",
            "TWINE_PASSWORD",
            "NODE_AUTH_TOKEN",
            "ACTIONS_RUNTIME_TOKEN",
            "CARGO_REGISTRIES_MY_REGISTRY_TOKEN",
        ] {
            assert!(is_secret_var(name), "{name}");
        }
        for name in [
            "AWS_SECRET_ACCESS_KEY",
            "DB_PASSWD",
            "OPENAI_API_KEY",
            "SSH_PRIVATE_KEY",
            "GOOGLE_APPLICATION_CREDENTIALS",
            "my_password",
        ] {
            assert!(is_secret_var(name), "{name}");
        }
        for name in ["PATH", "HOME", "CARGO_HOME", "XTASK_TODAY", "SSH_AUTH_SOCK"] {
            assert!(!is_secret_var(name), "{name}");
        }
    }

    #[test]
    fn masks_named_values_and_token_shapes() {
        let values = vec!["s3cr3t-value".to_string()];
        let text = "token s3cr3t-value, ghp_0123456789abcdefABCDEF and github_pat_11AAAAAAA0aaaaaaaaaaaa_bbbbbb npm_abcdefghijklmnopqrstuv pypi-AgEIcHlwaS5vcmcCJDAwMDAw\n";
        let out = redact_with(text, &values);
        assert_eq!(
            out,
            "token [REDACTED], [REDACTED] and [REDACTED] [REDACTED] [REDACTED]\n"
        );
    }

    #[test]
    fn every_line_and_every_escaped_form_is_masked() {
        let values = secret_forms(["pa\"ss\\word-1\nsecond-line-2\n".to_string()]);
        let text = "line pa\"ss\\word-1 and second-line-2\n";
        assert_eq!(
            redact_with(text, &values),
            "line [REDACTED] and [REDACTED]\n"
        );
        let json = serde_json::json!({"out": "pa\"ss\\word-1\nsecond-line-2"}).to_string();
        let out = redact_with(&json, &values);
        assert!(!out.contains("word-1") && !out.contains("line-2"), "{out}");
    }

    #[test]
    fn leaves_ordinary_words_alone() {
        let text = "run npm_config_cache or ghp_short; xnpm_abcdefghijklmnopqrstuv stays";
        assert_eq!(redact_with(text, &[]), text);
    }

    /// The scan of the earlier implementation, one character at a time:
    /// the reference the linear search must agree with.
    fn mask_tokens_by_char(text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        'scan: while !rest.is_empty() {
            for prefix in TOKEN_PREFIXES {
                let starts_word = out.chars().next_back().is_none_or(|c| !is_token_char(c));
                if starts_word && rest.starts_with(prefix) {
                    let tail = &rest[prefix.len()..];
                    let len = tail.find(|c| !is_token_char(c)).unwrap_or(tail.len());
                    if len >= 16 {
                        out.push_str(MASK);
                        rest = &tail[len..];
                        continue 'scan;
                    }
                }
            }
            let c = rest.chars().next().expect("not empty");
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
        out
    }

    #[test]
    fn the_linear_token_search_masks_what_a_scan_by_character_masks() {
        let long = "0123456789abcdefXYZ";
        let cases = [
            String::new(),
            "plain prose - with dashes_and_underscores -- __".to_string(),
            format!("ghp_{long}"),
            format!("éghp_{long} ünpm_{long}é"),
            format!("xghp_{long} -ghp_{long} _npm_{long} (pypi-{long})"),
            format!("ghp_{long}ghp_{long} github_pat_{long}_{long}"),
            format!("ghp_short npm_ pypi- github_pat_ gho_{long}\nghu_{long}"),
            format!("[REDACTED]ghs_{long};ghr_{long}-npm_{long}"),
            format!("{}-\n", "- line ghp_0123456789abcde\n".repeat(50)),
        ];
        for text in &cases {
            assert_eq!(mask_tokens(text), mask_tokens_by_char(text), "{text}");
        }
        assert!(matches!(mask_tokens(&cases[1]), Cow::Borrowed(_)));
    }
}
