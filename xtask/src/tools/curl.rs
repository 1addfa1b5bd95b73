//! `curl`: HTTP GET for the delivery checks, so the xtask compiles no HTTP stack.

use std::time::Duration;

use anyhow::{Result, bail};
use xshell::{Shell, cmd};

use super::exec;

/// What a server answered.
#[derive(Debug, Clone)]
pub(crate) struct Response {
    pub status: u16,
    pub body: String,
}

/// GETs `url`, following redirects, within `timeout`; `accept` sets the
/// `Accept` header. A non-2xx status is a [`Response`], not an error; an
/// error is a request that got no answer (timeout, refused, DNS).
pub(crate) fn get(
    sh: &Shell,
    url: &str,
    accept: Option<&str>,
    timeout: Duration,
) -> Result<Response> {
    let seconds = format!("{:.3}", timeout.as_secs_f64());
    let header = accept.map(|a| format!("Accept: {a}"));
    let header_args: Vec<&str> = match &header {
        Some(h) => vec!["--header", h],
        None => Vec::new(),
    };
    let write_out = "\n%{http_code}";
    let cmd = cmd!(
        sh,
        "curl --silent --show-error --location --max-time {seconds} {header_args...} --write-out {write_out} {url}"
    );
    // curl stops itself at --max-time; the process timeout is a backstop.
    let out = exec(cmd, None, timeout + Duration::from_secs(5))?;
    if out.timed_out || out.code == Some(28) {
        bail!("GET {url} timed out after {}", crate::clock::human(timeout));
    }
    if out.code != Some(0) {
        bail!("GET {url} failed: {}", out.combined().trim());
    }
    let (body, status) = out
        .stdout
        .rsplit_once('\n')
        .unwrap_or(("", out.stdout.as_str()));
    let status: u16 = status
        .trim()
        .parse()
        .map_err(|_| anyhow::anyhow!("GET {url}: curl printed no status code"))?;
    if status == 0 {
        bail!("GET {url} got no HTTP answer");
    }
    Ok(Response {
        status,
        body: body.to_string(),
    })
}
