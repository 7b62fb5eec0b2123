//! The REST requests the real back end sends: an admin command's, derived
//! from the exchange its operation declares (`src/model/ops/`), and those
//! that form the cluster and start a join, as the `incus` client sends them
//! (cmd/incus/*.go and client/*.go at lxc/incus v6.0.4). The calls a
//! joiner's daemon makes by itself during a join are the daemons' own.

use serde_json::{Value, json};

use super::network::Bridges;
use crate::model::names::Names;
use crate::model::ops::Command;
use crate::model::ops::rest::{Change, Exchange, Request};

/// One request: method, path, JSON body.
#[derive(Clone, Debug, PartialEq)]
pub struct Rest {
    pub method: &'static str,
    pub path: String,
    pub body: Option<Value>,
}

impl Rest {
    pub fn get(path: &str) -> Rest {
        Rest::new("GET", path.to_string(), None)
    }

    fn new(method: &'static str, path: String, body: Option<Value>) -> Rest {
        Rest { method, path, body }
    }
}

/// An admin command: one request, or a GET whose answer the client edits
/// and PUTs back with the GET's ETag (`If-Match`).
#[derive(Clone, Debug, PartialEq)]
pub enum AdminRequests {
    One(Rest),
    /// A request whose operation is not waited for (a join token's).
    Submit(Rest),
    /// Several commands run one after another, each on the previous one's
    /// success (a pool or network defined on each member, then created).
    Sequence(Vec<Rest>),
    GetThenPut {
        get: Rest,
        edit: Edit,
    },
}

/// How the client edits what its GET read before the PUT.
#[derive(Clone, Debug, PartialEq)]
pub enum Edit {
    /// `incus cluster group assign`: the member's groups become these
    /// (cmd/incus/cluster_group.go `cmdClusterGroupAssign.Run`).
    SetGroups(Vec<String>),
    /// `incus cluster group add`: refused if already there, else appended.
    AddGroup { member: String, group: String },
    /// `incus cluster group remove`: refused if not there, else removed.
    RemoveGroup { member: String, group: String },
    /// `incus project set/unset` (cmd/incus/project.go `cmdProjectSet.Run`;
    /// unset sets the key empty, which the daemon drops).
    SetKey { key: String, value: Option<String> },
}

impl Edit {
    /// The PUT body from the GET's metadata (`Writable()` of what it read),
    /// or the client's own refusal text.
    pub fn apply(&self, read: &Value) -> Result<Value, String> {
        let list = |v: &Value| -> Vec<String> {
            v.as_array()
                .map(|a| a.iter().filter_map(|g| g.as_str().map(str::to_string)).collect())
                .unwrap_or_default()
        };
        match self {
            Edit::SetGroups(groups) => Ok(member_put(read, groups)),
            Edit::AddGroup { member, group } => {
                let mut groups = list(&read["groups"]);
                if groups.contains(group) {
                    return Err(format!("Cluster member {member} is already in group {group}"));
                }
                groups.push(group.clone());
                Ok(member_put(read, &groups))
            }
            Edit::RemoveGroup { member, group } => {
                let groups = list(&read["groups"]);
                if !groups.contains(group) {
                    return Err(format!("Cluster group {group} isn't currently applied to {member}"));
                }
                let rest: Vec<String> = groups.into_iter().filter(|g| g != group).collect();
                Ok(member_put(read, &rest))
            }
            Edit::SetKey { key, value } => {
                let mut config = read["config"].as_object().cloned().unwrap_or_default();
                config.insert(key.clone(), json!(value.clone().unwrap_or_default()));
                Ok(json!({"config": config, "description": read["description"]}))
            }
        }
    }
}

/// `api.ClusterMemberPut` of a member read by GET, with its groups replaced.
fn member_put(read: &Value, groups: &[String]) -> Value {
    json!({
        "config": read["config"],
        "description": read["description"],
        "roles": read["roles"],
        "failure_domain": read["failure_domain"],
        "groups": groups,
    })
}

/// The requests of an admin command, from the exchange its operation
/// declares (`src/model/ops/`, the `incus` client's requests); `members`
/// are the cluster's members by name. A pool or network is created on a
/// cluster as an operator must do it there: defined on each member with
/// `--target` first, then created (storagePoolsPost and networksPost at
/// v6.0.4 refuse a cluster-wide creation until it is pending everywhere).
pub fn admin(command: &Command, names: &Names, members: &[String], bridges: &Bridges) -> AdminRequests {
    match command.op.get().rest(&command.args, names) {
        Exchange::Send(request) => clustered(rest(request), members, bridges),
        Exchange::ReadModifyWrite { path, change } => {
            let target = path.rsplit('/').next().unwrap_or_default().to_string();
            let edit = match change {
                Change::SetMemberGroups(groups) => Edit::SetGroups(groups),
                Change::AddMemberGroup(group) => Edit::AddGroup { member: target, group },
                Change::RemoveMemberGroup(group) => Edit::RemoveGroup { member: target, group },
                Change::SetConfigKey { key, value } => Edit::SetKey {
                    key,
                    value: (!value.is_empty()).then_some(value),
                },
            };
            AdminRequests::GetThenPut {
                get: Rest::get(&path),
                edit,
            }
        }
    }
}

fn rest(request: Request) -> Rest {
    Rest::new(request.method.as_str(), request.path, request.body)
}

/// A pool or network creation spread over the members; any other request
/// as it is.
fn clustered(request: Rest, members: &[String], bridges: &Bridges) -> AdminRequests {
    let name = || {
        request
            .body
            .as_ref()
            .and_then(|b| b["name"].as_str())
            .unwrap_or_default()
            .to_string()
    };
    match (request.method, request.path.split_once('?')) {
        ("POST", None) if request.path == "/1.0/storage-pools" => {
            AdminRequests::Sequence(create_pool(&name(), members))
        }
        // `incus cluster add` prints the token and does not wait for its
        // operation, which runs until the token is used.
        ("POST", None) if request.path == "/1.0/cluster/members" => AdminRequests::Submit(request),
        ("POST", Some(("/1.0/networks", query))) => {
            let project = query.strip_prefix("project=").unwrap_or("default");
            let address = bridges.address(project, &name());
            AdminRequests::Sequence(create_network(&name(), project, members, &address, &Default::default()))
        }
        _ => AdminRequests::One(request),
    }
}

/// `incus network zone create NAME` (`POST /1.0/network-zones`, in the
/// default project).
pub fn create_zone(name: &str) -> Rest {
    Rest::new(
        "POST",
        "/1.0/network-zones".into(),
        Some(json!({"name": name, "description": "", "config": {}})),
    )
}

/// `POST /1.0/cluster/members`: a join token for `name` (an operation whose
/// metadata holds the token's parts).
pub fn join_token(name: &str) -> Rest {
    Rest::new(
        "POST",
        "/1.0/cluster/members".into(),
        Some(json!({"server_name": name})),
    )
}

/// `incus storage create NAME dir --target M` for each member, then
/// `incus storage create NAME dir` (storagePoolsPost at v6.0.4 refuses a
/// cluster-wide creation until the pool is pending on some member).
pub fn create_pool(name: &str, members: &[String]) -> Vec<Rest> {
    let body = |config| Some(json!({"name": name, "driver": "dir", "config": config, "description": ""}));
    let mut all: Vec<Rest> = members
        .iter()
        .map(|m| Rest::new("POST", format!("/1.0/storage-pools?target={m}"), body(json!({}))))
        .collect();
    all.push(Rest::new("POST", "/1.0/storage-pools".into(), body(json!({}))));
    all
}

/// `incus network create NAME --project P --target M` for each member, then
/// the creation with `config`, an explicit address (never `auto`, so no
/// daemon probes for a free subnet; each bridge its own, `network::Bridges`)
/// and no IPv6.
pub fn create_network(
    name: &str,
    project: &str,
    members: &[String],
    address: &str,
    config: &serde_json::Map<String, serde_json::Value>,
) -> Vec<Rest> {
    let body = |config| Some(json!({"name": name, "type": "bridge", "description": "", "config": config}));
    let mut all: Vec<Rest> = members
        .iter()
        .map(|m| {
            Rest::new(
                "POST",
                format!("/1.0/networks?project={project}&target={m}"),
                body(json!({})),
            )
        })
        .collect();
    let mut all_config = json!({
        "ipv4.address": address,
        "ipv4.nat": "false",
        "ipv6.address": "none",
    });
    if let Some(map) = all_config.as_object_mut() {
        map.extend(config.clone());
    }
    all.push(Rest::new(
        "POST",
        format!("/1.0/networks?project={project}"),
        body(all_config),
    ));
    all
}

/// `incus config set core.https_address ADDRESS` (a PATCH of `/1.0`).
pub fn set_https_address(address: &str) -> Rest {
    server_config("core.https_address", address)
}

/// `incus config set KEY VALUE`: a PATCH of the server's config (a
/// `cluster.*` key is the cluster's, set through any member).
pub fn server_config(key: &str, value: &str) -> Rest {
    Rest::new("PATCH", "/1.0".into(), Some(json!({"config": {key: value}})))
}

/// `incus cluster enable NAME` (client UpdateCluster with enabled).
pub fn enable_cluster(name: &str) -> Rest {
    Rest::new(
        "PUT",
        "/1.0/cluster".into(),
        Some(json!({"server_name": name, "enabled": true})),
    )
}

/// `incus admin init --preseed` with a `cluster:` section that joins
/// (cmd/incus/admin_init.go:160-220 at v6.0.4): the client fills in the
/// target's address and certificate from the token, then PUTs.
pub fn join(name: &str, server_address: &str, cluster_address: &str, certificate: &str, token: &str) -> Rest {
    Rest::new(
        "PUT",
        "/1.0/cluster".into(),
        Some(json!({
            "server_name": name,
            "enabled": true,
            "member_config": [],
            "cluster_address": cluster_address,
            "cluster_certificate": certificate,
            "server_address": server_address,
            "cluster_token": token,
            "cluster_password": "",
        })),
    )
}

/// `incus cluster group create NAME` with members (`api.ClusterGroupsPost`).
pub fn create_group(name: &str, members: &[String]) -> Rest {
    Rest::new(
        "POST",
        "/1.0/cluster/groups".into(),
        Some(json!({"name": name, "description": "", "members": members})),
    )
}

/// `incus project create NAME -c K=V...`, or for `default` (which exists)
/// a PUT of its config.
pub fn project(name: &str, config: &serde_json::Map<String, Value>) -> Rest {
    match name {
        "default" => Rest::new(
            "PUT",
            "/1.0/projects/default".into(),
            Some(json!({"config": config, "description": "Default Incus project"})),
        ),
        _ => Rest::new(
            "POST",
            "/1.0/projects".into(),
            Some(json!({"name": name, "config": config, "description": ""})),
        ),
    }
}

/// The token as `incus cluster add` prints it: base64 of the JSON of
/// `api.ClusterMemberJoinToken` (shared/api/cluster.go at v6.0.4), built
/// from the operation's metadata.
pub fn token_text(metadata: &Value) -> String {
    use base64::Engine;
    let token = json!({
        "server_name": metadata["serverName"],
        "fingerprint": metadata["fingerprint"],
        "addresses": metadata["addresses"],
        "secret": metadata["secret"],
        "expires_at": metadata["expiresAt"],
    });
    base64::engine::general_purpose::STANDARD.encode(token.to_string())
}
