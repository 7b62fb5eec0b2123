//! `incus network create NETWORK --project PROJECT`
//! (cmd/incus/network.go:368-434): `POST /1.0/networks?project=PROJECT`
//! (client/incus_networks.go:155-164; the client adds the project to the
//! query string, client/incus.go `setQueryAttributes`). As for pools, the
//! per-member `--target` requests are taken as one.

use serde_json::json;

use super::rest::{Exchange, Method, Request};
use super::{Args, Field, Fields, Operation, Refused, Value};
use crate::model::message::Call;
use crate::model::names::Names;

pub struct CreateNetwork;

impl Operation for CreateNetwork {
    fn name(&self) -> &'static str {
        "create-network"
    }
    fn usage(&self) -> &'static str {
        "incus network create NETWORK --project PROJECT"
    }
    fn needs(&self) -> &'static [Field] {
        &[Field::Network, Field::Project]
    }
    fn compile(&self, fields: &mut dyn Fields) -> Result<Args, Refused> {
        let network = fields.name(Field::Network)?;
        let project = fields.name(Field::Project)?;
        Ok(Args::default()
            .with(Field::Network, Value::Name(network))
            .with(Field::Project, Value::Name(project)))
    }
    fn first_call(&self, args: &Args) -> Call {
        Call::CreateNetwork {
            network: args.name(Field::Network),
            project: args.name(Field::Project),
        }
    }
    fn label(&self, _: &Args) -> &'static str {
        "network create"
    }
    fn command_line(&self, args: &Args, names: &Names) -> String {
        format!(
            "network create {} --project {}",
            names.str(args.name(Field::Network)),
            names.str(args.name(Field::Project))
        )
    }
    fn rest(&self, args: &Args, names: &Names) -> Exchange {
        let network = names.str(args.name(Field::Network));
        let project = names.str(args.name(Field::Project));
        Exchange::Send(Request::new(
            Method::Post,
            format!("/1.0/networks?project={project}"),
            Some(json!({ "name": network })),
        ))
    }
}
