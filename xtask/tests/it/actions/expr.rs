//! GitHub Actions expressions (`${{ … }}`): the subset the workflows use,
//! evaluated against a JSON context (`github`, `inputs`, `secrets`, `matrix`,
//! `needs`, `steps`, `env`). An unknown function or a syntax error panics, so
//! a workflow cannot pass the harness by using what it does not understand.

use serde_json::Value;

/// The job's status, for `success()`, `failure()`, `cancelled()` and `always()`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Status {
    pub failed: bool,
}

/// Evaluates `text`: a whole `${{ expr }}` yields the expression's value (an
/// object stays an object); otherwise each `${{ … }}` is replaced by its text.
pub(crate) fn value(text: &str, ctx: &Value, status: Status) -> Value {
    let trimmed = text.trim();
    if trimmed.starts_with("${{") && trimmed.ends_with("}}") && trimmed.matches("${{").count() == 1
    {
        return eval(&trimmed[3..trimmed.len() - 2], ctx, status);
    }
    Value::String(interpolate(text, ctx, status))
}

/// Replaces each `${{ … }}` in `text` by the text of its value.
pub(crate) fn interpolate(text: &str, ctx: &Value, status: Status) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let end = rest[start..]
            .find("}}")
            .unwrap_or_else(|| panic!("unclosed ${{{{ in {text}"));
        let v = eval(&rest[start + 3..start + end], ctx, status);
        out.push_str(&to_text(&v));
        rest = &rest[start + end + 2..];
    }
    out.push_str(rest);
    out
}

/// An `if:` condition: `${{ }}` is optional, and without a status function
/// GitHub reads it as `success() && (…)`.
pub(crate) fn condition(text: &str, ctx: &Value, status: Status) -> bool {
    let t = text.trim();
    let t = t
        .strip_prefix("${{")
        .and_then(|t| t.strip_suffix("}}"))
        .unwrap_or(t);
    let has_status = ["success()", "failure()", "cancelled()", "always()"]
        .iter()
        .any(|f| t.contains(f));
    let v = truthy(&eval(t, ctx, status));
    if has_status { v } else { !status.failed && v }
}

pub(crate) fn to_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => serde_json::to_string_pretty(other).unwrap(),
    }
}

pub(crate) fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        _ => true,
    }
}

pub(crate) fn eval(src: &str, ctx: &Value, status: Status) -> Value {
    let tokens = lex(src);
    let mut p = Parser {
        tokens,
        at: 0,
        ctx,
        status,
        src,
    };
    let v = p.or();
    assert!(
        p.at == p.tokens.len(),
        "trailing tokens in expression: {src}"
    );
    v
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Num(f64),
    Op(&'static str),
}

fn lex(src: &str) -> Vec<Tok> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '\'' {
            let mut s = String::new();
            i += 1;
            loop {
                assert!(i < chars.len(), "unclosed string in: {src}");
                if chars[i] == '\'' {
                    if chars.get(i + 1) == Some(&'\'') {
                        s.push('\'');
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                s.push(chars[i]);
                i += 1;
            }
            out.push(Tok::Str(s));
        } else if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            let n: String = chars[start..i].iter().collect();
            out.push(Tok::Num(n.parse().unwrap()));
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '-')
            {
                i += 1;
            }
            out.push(Tok::Ident(chars[start..i].iter().collect()));
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            let op = ["||", "&&", "==", "!=", "<=", ">="]
                .into_iter()
                .find(|o| *o == two);
            if let Some(op) = op {
                out.push(Tok::Op(op));
                i += 2;
            } else {
                let op = ["!", "(", ")", "[", "]", ".", ",", "<", ">", "*"]
                    .into_iter()
                    .find(|o| o.starts_with(c))
                    .unwrap_or_else(|| panic!("unexpected {c:?} in expression: {src}"));
                out.push(Tok::Op(op));
                i += 1;
            }
        }
    }
    out
}

struct Parser<'a> {
    tokens: Vec<Tok>,
    at: usize,
    ctx: &'a Value,
    status: Status,
    src: &'a str,
}

impl Parser<'_> {
    fn peek_op(&self, op: &str) -> bool {
        matches!(self.tokens.get(self.at), Some(Tok::Op(o)) if *o == op)
    }

    fn expect(&mut self, op: &str) {
        assert!(self.peek_op(op), "expected {op} in: {}", self.src);
        self.at += 1;
    }

    fn or(&mut self) -> Value {
        let mut v = self.and();
        while self.peek_op("||") {
            self.at += 1;
            let r = self.and();
            if !truthy(&v) {
                v = r;
            }
        }
        v
    }

    fn and(&mut self) -> Value {
        let mut v = self.not();
        while self.peek_op("&&") {
            self.at += 1;
            let r = self.not();
            if truthy(&v) {
                v = r;
            }
        }
        v
    }

    fn not(&mut self) -> Value {
        if self.peek_op("!") {
            self.at += 1;
            return Value::Bool(!truthy(&self.not()));
        }
        let left = self.primary();
        for op in ["==", "!="] {
            if self.peek_op(op) {
                self.at += 1;
                let right = self.primary();
                let same = loose_eq(&left, &right);
                return Value::Bool(if op == "==" { same } else { !same });
            }
        }
        left
    }

    fn primary(&mut self) -> Value {
        let tok = self
            .tokens
            .get(self.at)
            .cloned()
            .unwrap_or_else(|| panic!("unexpected end of expression: {}", self.src));
        self.at += 1;
        match tok {
            Tok::Op("(") => {
                let v = self.or();
                self.expect(")");
                v
            }
            Tok::Str(s) => Value::String(s),
            Tok::Num(n) => serde_json::json!(n),
            Tok::Ident(name) if self.peek_op("(") => {
                self.at += 1;
                let mut args = Vec::new();
                while !self.peek_op(")") {
                    args.push(self.or());
                    if self.peek_op(",") {
                        self.at += 1;
                    }
                }
                self.expect(")");
                self.call(&name, args)
            }
            Tok::Ident(name) => {
                let mut v = match name.as_str() {
                    "true" => return Value::Bool(true),
                    "false" => return Value::Bool(false),
                    "null" => return Value::Null,
                    _ => self.ctx.get(&name).cloned().unwrap_or(Value::Null),
                };
                loop {
                    if self.peek_op(".") {
                        self.at += 1;
                        let Some(Tok::Ident(key)) = self.tokens.get(self.at).cloned() else {
                            panic!("expected a name after . in: {}", self.src);
                        };
                        self.at += 1;
                        v = v.get(&key).cloned().unwrap_or(Value::Null);
                    } else if self.peek_op("[") {
                        self.at += 1;
                        let key = self.or();
                        self.expect("]");
                        v = v.get(to_text(&key)).cloned().unwrap_or(Value::Null);
                    } else {
                        break v;
                    }
                }
            }
            other => panic!("unexpected {other:?} in: {}", self.src),
        }
    }

    fn call(&self, name: &str, args: Vec<Value>) -> Value {
        match name.to_ascii_lowercase().as_str() {
            "success" => Value::Bool(!self.status.failed),
            "failure" => Value::Bool(self.status.failed),
            "cancelled" => Value::Bool(false),
            "always" => Value::Bool(true),
            "fromjson" => serde_json::from_str(&to_text(&args[0]))
                .unwrap_or_else(|e| panic!("fromJSON of {:?}: {e}", args[0])),
            "tojson" => Value::String(serde_json::to_string_pretty(&args[0]).unwrap()),
            "contains" => Value::Bool(match &args[0] {
                Value::Array(items) => items.iter().any(|i| loose_eq(i, &args[1])),
                other => to_text(other)
                    .to_lowercase()
                    .contains(&to_text(&args[1]).to_lowercase()),
            }),
            // `format('{0} of {1}', a, b)`; `{{` and `}}` are literal braces.
            "format" => {
                let template = to_text(&args[0]);
                let mut out = String::new();
                let mut chars = template.chars().peekable();
                while let Some(c) = chars.next() {
                    match c {
                        '{' if chars.peek() == Some(&'{') => {
                            chars.next();
                            out.push('{');
                        }
                        '}' if chars.peek() == Some(&'}') => {
                            chars.next();
                            out.push('}');
                        }
                        '{' => {
                            let index: String = chars.by_ref().take_while(|c| *c != '}').collect();
                            let arg = index
                                .parse::<usize>()
                                .ok()
                                .and_then(|i| args.get(i + 1))
                                .unwrap_or_else(|| {
                                    panic!("format(): no argument {{{index}}} in: {}", self.src)
                                });
                            out.push_str(&to_text(arg));
                        }
                        '}' => panic!("format(): a lone }} in: {}", self.src),
                        c => out.push(c),
                    }
                }
                Value::String(out)
            }
            "startswith" => Value::Bool(
                to_text(&args[0])
                    .to_lowercase()
                    .starts_with(&to_text(&args[1]).to_lowercase()),
            ),
            other => panic!(
                "the harness does not know the function {other}() in: {}",
                self.src
            ),
        }
    }
}

/// `==` as GitHub compares: strings ignoring case, otherwise by value.
fn loose_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) => x.eq_ignore_ascii_case(y),
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn evaluates_what_the_workflows_use() {
        let ctx = json!({"inputs": {"tag": "", "flag": false}, "github": {"ref_name": "v1.0.0"},
            "needs": {"a": {"result": "success", "outputs": {"m": "{\"include\":[1]}"}}}});
        let ok = Status { failed: false };
        assert_eq!(
            value("${{ inputs.tag || github.ref_name }}", &ctx, ok),
            "v1.0.0"
        );
        assert_eq!(
            value("${{ fromJSON(needs.a.outputs.m) }}", &ctx, ok),
            json!({"include": [1]})
        );
        assert_eq!(
            interpolate("x-${{ github.ref_name }}-y", &ctx, ok),
            "x-v1.0.0-y"
        );
        assert!(condition(
            "${{ !cancelled() && needs.a.result == 'success' && (inputs.flag || true) }}",
            &ctx,
            ok
        ));
        assert_eq!(
            value(
                "${{ inputs.flag && 'no' || format('Build {0} {{x}}', github.ref_name) }}",
                &ctx,
                ok
            ),
            "Build v1.0.0 {x}"
        );
        assert!(!condition("inputs.flag", &ctx, ok));
        assert!(!condition("true", &ctx, Status { failed: true }));
        assert!(condition("always()", &ctx, Status { failed: true }));
    }
}
