//! `incus cluster group add MEMBER GROUP` (cmd/incus/cluster_group.go:766-798):
//! GET the member, refuse if it is in the group already (:782-784), PUT
//! the groups read plus this one.

use super::rest::{Change, Exchange};
use super::{Args, Field, Fields, Next, Operation, Refused, member_groups};
use crate::model::message::{Answer, ApiError, Call};
use crate::model::names::{GroupName, Names};

pub struct AddMemberToGroup;

impl Operation for AddMemberToGroup {
    fn name(&self) -> &'static str {
        "add-member-to-group"
    }
    fn usage(&self) -> &'static str {
        "incus cluster group add MEMBER GROUP"
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
            if current.contains(group) {
                return Err(ApiError::new(format!(
                    "Cluster member {} is already in group {}",
                    names.str(args.name(Field::Member)),
                    names.group_str(group)
                )));
            }
            let mut list: Vec<GroupName> = current.iter().collect();
            list.push(group);
            Ok(list)
        })
    }
    fn label(&self, _: &Args) -> &'static str {
        "cluster group add"
    }
    fn command_line(&self, args: &Args, names: &Names) -> String {
        format!(
            "cluster group add {} {}",
            names.str(args.name(Field::Member)),
            names.group_str(args.group(Field::Group))
        )
    }
    fn rest(&self, args: &Args, names: &Names) -> Exchange {
        let group = names.group_str(args.group(Field::Group)).to_string();
        member_groups::rest(args, names, Change::AddMemberGroup(group))
    }
}
