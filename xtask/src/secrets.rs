//! Secret redaction: nothing the xtask prints or records may hold a token.

/// Environment variables whose values are secrets.
pub const SECRET_VARS: [&str; 5] = [
    "GH_TOKEN",
    "GITHUB_TOKEN",
    "CARGO_REGISTRY_TOKEN",
    "NPM_TOKEN",
    "PYPI_API_TOKEN",
];

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
pub const MASK: &str = "[REDACTED]";

/// `text` with the values of the secret variables of this process and every
/// token-shaped word replaced by [`MASK`].
pub fn redact(text: &str) -> String {
    let values: Vec<String> = SECRET_VARS
        .iter()
        .filter_map(|var| std::env::var(var).ok())
        .filter(|v| v.trim().len() >= 4)
        .map(|v| v.trim().to_string())
        .collect();
    redact_with(text, &values)
}

/// [`redact`] with the secret values given.
pub fn redact_with(text: &str, values: &[String]) -> String {
    let mut out = text.to_string();
    for value in values {
        if out.contains(value.as_str()) {
            out = out.replace(value.as_str(), MASK);
        }
    }
    mask_tokens(&out)
}

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// Replaces `<prefix><at least 16 token characters>` words.
fn mask_tokens(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn leaves_ordinary_words_alone() {
        let text = "run npm_config_cache or ghp_short; xnpm_abcdefghijklmnopqrstuv stays";
        assert_eq!(redact_with(text, &[]), text);
    }
}
