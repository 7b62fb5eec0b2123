//! `incus cluster group remove MEMBER GROUP` (cmd/incus/cluster_group.go:588-629):
//! GET the member, refuse if it is not in the group (:604-606), PUT the
//! groups read minus this one.

use super::rest::{Change, Exchange};
use super::{Args, Field, Fields, Next, Operation, Refused, member_groups};
use crate::model::message::{Answer, ApiError, Call};
use crate::model::names::Names;

pub struct RemoveMemberFromGroup;

impl Operation for RemoveMemberFromGroup {
    fn name(&self) -> &'static str {
        "remove-member-from-group"
    }
    fn usage(&self) -> &'static str {
        "incus cluster group remove MEMBER GROUP"
    }
    fn needs(&self) -> &'static [Field] {
        &[Field::Member, Field::Group]
    }
    fn compile(&self, fields: &mut dyn Fields) -> Result<Args, Refused> {
        member_groups::member_and_group(fields)
    }
    fn first_call(&self, args: &Args) -> Call {
        member_groups::first_call(args)
    }
    fn after(&self, args: &Args, call: &Call, answer: &Answer, names: &Names) -> Next {
        let group = args.group(Field::Group);
        member_groups::after(args, call, answer, |current| {
            if !current.contains(group) {
                return Err(ApiError::new(format!(
                    "Cluster group {} isn't currently applied to {}",
                    names.group_str(group),
                    names.str(args.name(Field::Member))
                )));
            }
            Ok(current.iter().filter(|&g| g != group).collect())
        })
    }
    fn label(&self, _: &Args) -> &'static str {
        "cluster group remove"
    }
    fn command_line(&self, args: &Args, names: &Names) -> String {
        format!(
            "cluster group remove {} {}",
            names.str(args.name(Field::Member)),
            names.group_str(args.group(Field::Group))
        )
    }
    fn rest(&self, args: &Args, names: &Names) -> Exchange {
        let group = names.group_str(args.group(Field::Group)).to_string();
        member_groups::rest(args, names, Change::RemoveMemberGroup(group))
    }
}
