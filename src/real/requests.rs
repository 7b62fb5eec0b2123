//! Each operation of the scenario format as the REST requests the `incus`
//! client sends for it (cmd/incus/*.go and client/*.go at lxc/incus v6.0.4),
//! in one place with exhaustive matches, so that a new operation fails to
//! compile until it says what it sends. The calls a joiner's daemon makes
//! by itself during a join are not sent by joinsim: they map to
//! [`Sends::ByDaemon`].

use serde_json::{Value, json};

use crate::model::admin::Command;
use crate::model::message::{Call, ProjectMethod};
use crate::model::names::Names;

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

/// What joinsim sends for a call.
#[derive(Clone, Debug, PartialEq)]
pub enum Sends {
    Request(Rest),
    /// A request one daemon makes to another inside a join: the daemons
    /// send it themselves.
    ByDaemon,
}

/// An admin command: one request, or a GET whose answer the client edits
/// and PUTs back with the GET's ETag (`If-Match`).
#[derive(Clone, Debug, PartialEq)]
pub enum AdminRequests {
    One(Rest),
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

/// The requests of an admin command; `members` are the cluster's members
/// by name (a pool or network is defined on each with `--target` first).
pub fn admin(command: &Command, names: &Names, members: &[String]) -> AdminRequests {
    let get_member = |member| Rest::new("GET", format!("/1.0/cluster/members/{}", names.str(member)), None);
    match command {
        Command::Request(Call::CreateStoragePool { pool }) => {
            AdminRequests::Sequence(create_pool(names.str(*pool), members))
        }
        Command::Request(Call::CreateNetwork { network, project }) => {
            AdminRequests::Sequence(create_network(names.str(*network), names.str(*project), members))
        }
        Command::Request(call) => match call_request(call, names) {
            Sends::Request(rest) => AdminRequests::One(rest),
            Sends::ByDaemon => unreachable!("the scenario compiler gives admins only client calls"),
        },
        Command::AssignGroups { member, groups } => AdminRequests::GetThenPut {
            get: get_member(*member),
            edit: Edit::SetGroups(groups.iter().map(|&g| names.group_str(g).to_string()).collect()),
        },
        Command::AddToGroup { member, group } => AdminRequests::GetThenPut {
            get: get_member(*member),
            edit: Edit::AddGroup {
                member: names.str(*member).to_string(),
                group: names.group_str(*group).to_string(),
            },
        },
        Command::RemoveFromGroup { member, group } => AdminRequests::GetThenPut {
            get: get_member(*member),
            edit: Edit::RemoveGroup {
                member: names.str(*member).to_string(),
                group: names.group_str(*group).to_string(),
            },
        },
        Command::SetProjectKey { project, key, value } => AdminRequests::GetThenPut {
            get: Rest::new("GET", format!("/1.0/projects/{}", names.str(*project)), None),
            edit: Edit::SetKey {
                key: names.str(*key).to_string(),
                value: value.map(|v| names.str(v).to_string()),
            },
        },
    }
}

/// The request the client sends for one call.
pub fn call_request(call: &Call, names: &Names) -> Sends {
    let s = |sym| names.str(sym).to_string();
    let g = |group| names.group_str(group).to_string();
    let rest = |method, path: String, body: Option<Value>| Sends::Request(Rest::new(method, path, body));
    match call {
        // `incus cluster add NAME` (client CreateClusterMember).
        Call::IssueJoinToken { joiner } => join_token(names.node_str(*joiner)).into(),
        Call::SetupTrust { .. }
        | Call::UpdateTrust
        | Call::GetClusterMembers
        | Call::GetServer
        | Call::GetStoragePools
        | Call::GetClusterGroups
        | Call::GetProjects
        | Call::GetNetworks { .. }
        | Call::ClusterAccept { .. }
        | Call::DeletePendingClusterMember { .. }
        | Call::Heartbeat
        | Call::Rebalance => Sends::ByDaemon,
        // `incus cluster group create NAME`.
        Call::CreateClusterGroup { group } => rest(
            "POST",
            "/1.0/cluster/groups".into(),
            Some(json!({"name": g(*group), "description": "", "members": []})),
        ),
        Call::DeleteClusterGroup { group } => rest("DELETE", format!("/1.0/cluster/groups/{}", g(*group)), None),
        Call::RenameClusterGroup { group, to } => rest(
            "POST",
            format!("/1.0/cluster/groups/{}", g(*group)),
            Some(json!({"name": g(*to)})),
        ),
        // `admin` sends these as one definition per member, then the creation.
        Call::CreateStoragePool { pool } => create_pool(&s(*pool), &[]).remove(0).into(),
        Call::CreateNetwork { network, project } => create_network(&s(*network), &s(*project), &[]).remove(0).into(),
        Call::GetClusterMember { member } => rest("GET", format!("/1.0/cluster/members/{}", s(*member)), None),
        Call::UpdateClusterMember { member, groups, .. } => rest(
            "PUT",
            format!("/1.0/cluster/members/{}", s(*member)),
            Some(json!({
                "config": {}, "description": "", "roles": [], "failure_domain": "default",
                "groups": groups.iter().map(|&x| g(x)).collect::<Vec<_>>(),
            })),
        ),
        // `incus cluster rename NAME TO` (client RenameClusterMember).
        Call::RenameClusterMember { member, to } => rest(
            "POST",
            format!("/1.0/cluster/members/{}", s(*member)),
            Some(json!({"server_name": s(*to)})),
        ),
        // `incus cluster remove NAME [--force]`.
        Call::DeleteClusterMember { member, force } => rest(
            "DELETE",
            match force {
                true => format!("/1.0/cluster/members/{}?force=1", s(*member)),
                false => format!("/1.0/cluster/members/{}", s(*member)),
            },
            None,
        ),
        Call::GetProject { project } => rest("GET", format!("/1.0/projects/{}", s(*project)), None),
        Call::UpdateProject {
            project,
            method,
            config,
            ..
        } => {
            let config: serde_json::Map<String, Value> = config.0.iter().map(|&(k, v)| (s(k), json!(s(v)))).collect();
            let method = match method {
                ProjectMethod::Put => "PUT",
                ProjectMethod::Patch => "PATCH",
            };
            rest(
                method,
                format!("/1.0/projects/{}", s(*project)),
                Some(json!({"config": config, "description": ""})),
            )
        }
    }
}

impl From<Rest> for Sends {
    fn from(rest: Rest) -> Sends {
        Sends::Request(rest)
    }
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
/// the creation with an explicit address (never `auto`, so no daemon probes
/// for a free subnet) and no IPv6.
pub fn create_network(name: &str, project: &str, members: &[String]) -> Vec<Rest> {
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
    let config = json!({
        "ipv4.address": super::network::SCENARIO_BRIDGE_ADDRESS,
        "ipv4.nat": "false",
        "ipv6.address": "none",
    });
    all.push(Rest::new(
        "POST",
        format!("/1.0/networks?project={project}"),
        body(config),
    ));
    all
}

/// `incus config set core.https_address ADDRESS` (a PATCH of `/1.0`).
pub fn set_https_address(address: &str) -> Rest {
    Rest::new(
        "PATCH",
        "/1.0".into(),
        Some(json!({"config": {"core.https_address": address}})),
    )
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
