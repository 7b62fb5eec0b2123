//! `incus storage create POOL DRIVER` (cmd/incus/storage.go:133-197):
//! `POST /1.0/storage-pools` (client/incus_storage_pools.go:86-95). On a
//! cluster the operator first runs it with `--target` once per member; the
//! model takes the whole as one request (see `handler::transaction`). The
//! driver is not modelled; `dir` stands for it in the body.

use serde_json::json;

use super::rest::{Exchange, Method, Request};
use super::{Args, Field, Fields, Operation, Refused, Value};
use crate::model::message::Call;
use crate::model::names::Names;

pub struct CreatePool;

impl Operation for CreatePool {
    fn name(&self) -> &'static str {
        "create-pool"
    }
    fn usage(&self) -> &'static str {
        "incus storage create POOL DRIVER"
    }
    fn needs(&self) -> &'static [Field] {
        &[Field::Pool]
    }
    fn compile(&self, fields: &mut dyn Fields) -> Result<Args, Refused> {
        Ok(Args::default().with(Field::Pool, Value::Name(fields.name(Field::Pool)?)))
    }
    fn first_call(&self, args: &Args) -> Call {
        Call::CreateStoragePool {
            pool: args.name(Field::Pool),
        }
    }
    fn label(&self, _: &Args) -> &'static str {
        "storage create"
    }
    fn command_line(&self, args: &Args, names: &Names) -> String {
        format!("storage create {}", names.str(args.name(Field::Pool)))
    }
    fn rest(&self, args: &Args, names: &Names) -> Exchange {
        let pool = names.str(args.name(Field::Pool));
        Exchange::Send(Request::new(
            Method::Post,
            "/1.0/storage-pools",
            Some(json!({ "name": pool, "driver": "dir" })),
        ))
    }
}
