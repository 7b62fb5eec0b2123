//! `incus cluster group assign MEMBER GROUP[,GROUP...]`
//! (cmd/incus/cluster_group.go:132-158): GET the member, then PUT it with
//! exactly these groups.

use super::rest::{Change, Exchange};
use super::{Args, Field, Fields, Next, Operation, Refused, Value, member_groups};
use crate::model::message::{Answer, Call};
use crate::model::names::Names;

pub struct AssignMember;

impl Operation for AssignMember {
    fn name(&self) -> &'static str {
        "assign-member"
    }
    fn usage(&self) -> &'static str {
        "incus cluster group assign MEMBER GROUP[,GROUP...]"
    }
    fn needs(&self) -> &'static [Field] {
        &[Field::Member, Field::Groups]
    }
    fn compile(&self, fields: &mut dyn Fields) -> Result<Args, Refused> {
        let member = fields.name(Field::Member)?;
        let groups = fields.groups(Field::Groups)?;
        if groups.is_empty() {
            let message = "names no group; `incus cluster group assign` takes at least one";
            return Err(fields.refuse(Field::Groups, message));
        }
        Ok(Args::default()
            .with(Field::Member, Value::Name(member))
            .with(Field::Groups, Value::Groups(groups)))
    }
    fn first_call(&self, args: &Args) -> Call {
        member_groups::first_call(args)
    }
    fn after(&self, args: &Args, call: &Call, answer: &Answer, _: &Names) -> Next {
        member_groups::after(args, call, answer, |_| Ok(args.groups(Field::Groups).to_vec()))
    }
    fn label(&self, _: &Args) -> &'static str {
        "cluster group assign"
    }
    fn command_line(&self, args: &Args, names: &Names) -> String {
        let groups: Vec<&str> = args.groups(Field::Groups).iter().map(|&g| names.group_str(g)).collect();
        format!(
            "cluster group assign {} {}",
            names.str(args.name(Field::Member)),
            groups.join(" ")
        )
    }
    fn rest(&self, args: &Args, names: &Names) -> Exchange {
        let groups = args
            .groups(Field::Groups)
            .iter()
            .map(|&g| names.group_str(g).to_string());
        member_groups::rest(args, names, Change::SetMemberGroups(groups.collect()))
    }
}
