//! One daemon's REST API over its unix socket, as the `incus` client calls
//! it (client/incus.go at v6.0.4: JSON bodies, `If-Match` for an ETag, an
//! async answer waited for at `/1.0/operations/ID/wait`). Every request and
//! its answer go to the try's log with their times, so a person can replay
//! a try by hand with `curl --unix-socket`.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde_json::Value;

use super::socket;

/// A request as the log shows it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Exchange {
    /// Milliseconds since the try started, when sent and when answered.
    pub sent_ms: f64,
    pub answered_ms: f64,
    /// The daemon (node name) whose socket it went to.
    pub daemon: String,
    pub who: String,
    pub method: String,
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    pub status: u16,
    pub answer: Value,
}

/// The requests of one try, shared by its threads.
#[derive(Clone)]
pub struct Log {
    start: Instant,
    exchanges: Arc<Mutex<Vec<Exchange>>>,
}

impl Log {
    pub fn new(start: Instant) -> Log {
        Log {
            start,
            exchanges: Arc::default(),
        }
    }

    pub fn ms(&self) -> f64 {
        self.start.elapsed().as_secs_f64() * 1000.0
    }

    pub fn take(&self) -> Vec<Exchange> {
        std::mem::take(&mut self.exchanges.lock().unwrap_or_else(|e| e.into_inner()))
    }

    fn push(&self, exchange: Exchange) {
        self.exchanges.lock().unwrap_or_else(|e| e.into_inner()).push(exchange);
    }
}

/// What an API request came back with: the HTTP status, the `ETag` header,
/// and the JSON envelope (`type`, `status_code`, `error`, `metadata`).
#[derive(Clone, Debug)]
pub struct Answer {
    pub status: u16,
    pub etag: Option<String>,
    pub json: Value,
}

impl Answer {
    /// The error text as the `incus` client prints it, or `None` on success.
    /// An async operation that failed carries it in its `err`.
    pub fn error(&self) -> Option<String> {
        let text = |v: &Value| v.as_str().filter(|s| !s.is_empty()).map(str::to_string);
        if self.json["type"] == "error" || self.status >= 400 {
            return Some(text(&self.json["error"]).unwrap_or_else(|| format!("HTTP {}", self.status)));
        }
        text(&self.json["metadata"]["err"])
    }

    pub fn metadata(&self) -> &Value {
        &self.json["metadata"]
    }
}

/// One daemon's API, as one client (an admin, a joiner, joinsim itself).
#[derive(Clone)]
pub struct Api {
    agent: ureq::Agent,
    daemon: String,
    who: String,
    log: Log,
}

impl Api {
    pub fn new(dir: &Path, daemon: &str, who: &str, log: &Log) -> Api {
        Api {
            agent: socket::agent(dir.join("unix.socket")),
            daemon: daemon.to_string(),
            who: who.to_string(),
            log: log.clone(),
        }
    }

    pub fn get(&self, path: &str) -> Result<Answer, String> {
        self.call("GET", path, None, None)
    }

    /// A request repeated every millisecond (a trigger's poll): not logged.
    pub fn poll_post(&self, path: &str, body: &Value) -> Result<Answer, String> {
        self.send("POST", path, Some(body), None)
    }

    /// A request, and if the daemon answers with an operation, the wait for
    /// it (`op.Wait()` in the client).
    pub fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        if_match: Option<&str>,
    ) -> Result<Answer, String> {
        self.exchange(method, path, body, if_match, true)
    }

    /// A request whose operation is not waited for: a join token's runs
    /// until the token is used (`incus cluster add` reads the operation's
    /// metadata from the first answer).
    pub fn submit(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Answer, String> {
        self.exchange(method, path, body, None, false)
    }

    fn exchange(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        if_match: Option<&str>,
        wait: bool,
    ) -> Result<Answer, String> {
        let sent_ms = self.log.ms();
        let mut answer = self.send(method, path, body, if_match)?;
        if wait && answer.json["type"] == "async" {
            let id = answer.json["metadata"]["id"].as_str().unwrap_or_default().to_string();
            let waited = self.send("GET", &format!("/1.0/operations/{id}/wait?timeout=-1"), None, None)?;
            answer = Answer {
                status: waited.status,
                etag: answer.etag,
                json: waited.json,
            };
        }
        self.log.push(Exchange {
            sent_ms,
            answered_ms: self.log.ms(),
            daemon: self.daemon.clone(),
            who: self.who.clone(),
            method: method.to_string(),
            path: path.to_string(),
            body: body.cloned(),
            status: answer.status,
            answer: answer.json.clone(),
        });
        Ok(answer)
    }

    fn send(&self, method: &str, path: &str, body: Option<&Value>, if_match: Option<&str>) -> Result<Answer, String> {
        let url = format!("http://incus{path}");
        let request = ureq::http::Request::builder()
            .method(method)
            .uri(&url)
            .header("Content-Type", "application/json")
            .header("User-Agent", concat!("joinsim/", env!("CARGO_PKG_VERSION")));
        let request = match if_match {
            Some(etag) => request.header("If-Match", etag),
            None => request,
        };
        let text = body.map(Value::to_string).unwrap_or_default();
        let request = request.body(text).map_err(|e| format!("{method} {path}: {e}"))?;
        let mut response = self
            .agent
            .run(request)
            .map_err(|e| format!("{} {method} {path}: {e}", self.daemon))?;
        let status = response.status().as_u16();
        let etag = response
            .headers()
            .get("ETag")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let text = response
            .body_mut()
            .read_to_string()
            .map_err(|e| format!("{} {method} {path}: reading the answer: {e}", self.daemon))?;
        let json = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Ok(Answer { status, etag, json })
    }
}
