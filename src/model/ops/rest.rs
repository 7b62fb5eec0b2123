//! The REST exchange the `incus` client makes for an operation: method,
//! path and JSON body, as data. Nothing here does I/O; a back end that
//! talks to a real cluster executes it (a GET-then-PUT exchange sends the
//! GET, applies the [`Change`] to the object it read and PUTs the result
//! with the GET's ETag in `If-Match`). Paths carry the `/1.0` prefix the
//! client adds (client/incus.go, `r.httpBaseURL` + `/1.0`); names are used
//! as they are, as `url.PathEscape` leaves the names a scenario can hold.

use serde_json::Value;

/// An HTTP method.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// One API request.
#[derive(Clone, Debug, PartialEq, Hash)]
pub struct Request {
    pub method: Method,
    pub path: String,
    /// The JSON body, if the request has one.
    pub body: Option<Value>,
}

impl Request {
    pub fn new(method: Method, path: impl Into<String>, body: Option<Value>) -> Request {
        Request {
            method,
            path: path.into(),
            body,
        }
    }
}

/// What the client does for one command.
#[derive(Clone, Debug, PartialEq, Hash)]
pub enum Exchange {
    /// One request; its answer is the command's.
    Send(Request),
    /// `GET path`, then `PUT path` of the object read (its writable part)
    /// with `change` applied and the GET's ETag in `If-Match`; the client
    /// may refuse on what it read instead (see [`Change`]).
    ReadModifyWrite { path: String, change: Change },
}

/// How a GET-then-PUT command changes the object it read.
#[derive(Clone, Debug, PartialEq, Hash)]
pub enum Change {
    /// Replace the member's `groups` with this list.
    SetMemberGroups(Vec<String>),
    /// Append this group to the member's `groups`; refused by the client if
    /// the member is in it already.
    AddMemberGroup(String),
    /// Drop this group from the member's `groups`; refused by the client if
    /// the member is not in it.
    RemoveMemberGroup(String),
    /// Set one key of the project's `config`; an empty value is what
    /// `incus project unset` sends (cmd/incus/utils.go:328-337).
    SetConfigKey { key: String, value: String },
}
