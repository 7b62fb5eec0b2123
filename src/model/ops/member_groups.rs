//! What `incus cluster group assign`, `add` and `remove` share: GET the
//! member (`GetClusterMember`, client/incus_cluster.go:140-152), change its
//! group list, PUT it back with the GET's ETag (`UpdateClusterMember`,
//! :155-170), which replaces the member's groups.

use super::rest::{Change, Exchange};
use super::{Args, Field, Fields, Next, Refused, Value};
use crate::model::message::{Answer, ApiError, Call};
use crate::model::names::{GroupName, GroupSet, Names};

/// The fields of `add` and `remove`: the member, then the group.
pub fn member_and_group(fields: &mut dyn Fields) -> Result<Args, Refused> {
    let member = fields.name(Field::Member)?;
    let group = fields.group(Field::Group)?;
    Ok(Args::default()
        .with(Field::Member, Value::Name(member))
        .with(Field::Group, Value::Group(group)))
}

/// The GET every group-membership command starts with.
pub fn first_call(args: &Args) -> Call {
    Call::GetClusterMember {
        member: args.name(Field::Member),
    }
}

/// After the GET, the PUT of `new_groups(current)`, or the client's own
/// refusal; after the PUT, done.
pub fn after(
    args: &Args,
    call: &Call,
    answer: &Answer,
    new_groups: impl FnOnce(GroupSet) -> Result<Vec<GroupName>, ApiError>,
) -> Next {
    match (call, answer) {
        (Call::GetClusterMember { .. }, Answer::Member { groups, etag }) => match new_groups(*groups) {
            Ok(groups) => Next::Send(Call::UpdateClusterMember {
                member: args.name(Field::Member),
                groups,
                etag: Some(*etag),
            }),
            Err(refused) => Next::Failed(refused),
        },
        (Call::GetClusterMember { .. }, answer) => unreachable!("a member GET answered {answer:?}"),
        (Call::UpdateClusterMember { .. }, _) => Next::Done,
        (call, _) => unreachable!("{call:?} is not a request of a member's group change"),
    }
}

/// The exchange: the GET, then the PUT of the changed member.
pub fn rest(args: &Args, names: &Names, change: Change) -> Exchange {
    Exchange::ReadModifyWrite {
        path: format!("/1.0/cluster/members/{}", names.str(args.name(Field::Member))),
        change,
    }
}
