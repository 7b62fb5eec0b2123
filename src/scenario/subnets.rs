//! IP subnets as Incus's validators read them: a bridge's `ipv4.routes` and
//! `ipv6.routes` (`validate.IsNetworkV4`/`IsNetworkV6`, shared/validate/
//! validate.go:342-357, 411-426 at be7afc5df3) and a project's
//! `restricted.networks.subnets` (`projectValidateRestrictedSubnets`,
//! cmd/incusd/api_project.go:2135-2193). Parsing follows Go's
//! `net.ParseCIDR`, and its error text (`invalid CIDR address: X`).

use std::net::IpAddr;

/// A parsed `ADDRESS/PREFIX`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Cidr {
    address: IpAddr,
    prefix: u32,
}

impl Cidr {
    fn parse(text: &str) -> Result<Cidr, String> {
        let invalid = || format!("invalid CIDR address: {text}");
        let (address, prefix) = text.split_once('/').ok_or_else(invalid)?;
        let address: IpAddr = address.parse().map_err(|_| invalid())?;
        if prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        let prefix: u32 = prefix.parse().map_err(|_| invalid())?;
        if prefix > bits(address) {
            return Err(invalid());
        }
        Ok(Cidr { address, prefix })
    }

    /// The network address (`IPNet.IP`): the address with the host bits cleared.
    fn network(self) -> IpAddr {
        match self.address {
            IpAddr::V4(a) => IpAddr::V4((u32::from(a) & mask32(self.prefix)).into()),
            IpAddr::V6(a) => IpAddr::V6((u128::from(a) & mask128(self.prefix)).into()),
        }
    }

    /// `network.SubnetContains` (internal/server/network/network_utils.go:
    /// 1229-1252): same family, a prefix at least as long, inside.
    fn contains(self, inner: Cidr) -> bool {
        bits(self.address) == bits(inner.address)
            && inner.prefix >= self.prefix
            && Cidr {
                address: inner.network(),
                prefix: self.prefix,
            }
            .network()
                == self.network()
    }
}

fn bits(address: IpAddr) -> u32 {
    match address {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

fn mask32(prefix: u32) -> u32 {
    u32::MAX.checked_shl(32 - prefix).unwrap_or(0)
}

fn mask128(prefix: u32) -> u128 {
    u128::MAX.checked_shl(128 - prefix).unwrap_or(0)
}

/// `validate.Optional(validate.IsListOf(validate.IsNetworkV4))` (`v6`
/// false) or `IsNetworkV6` (`v6` true): each comma-separated item a
/// network address of that family.
pub fn check_routes(value: &str, v6: bool) -> Result<(), String> {
    let family = if v6 { "IPv6" } else { "IPv4" };
    for item in value.split(',').map(str::trim) {
        let cidr = Cidr::parse(item).map_err(|e| format!("Item {item:?}: {e}"))?;
        if cidr.address.is_ipv6() != v6 {
            return Err(format!("Item {item:?}: Not an {family} network {item:?}"));
        }
        if cidr.address != cidr.network() {
            return Err(format!("Item {item:?}: Not an {family} network address {item:?}"));
        }
    }
    Ok(())
}

/// `projectValidateRestrictedSubnets` (api_project.go:2135-2193): each
/// `UPLINK:SUBNET` item's subnet is a network address inside one of the
/// routes of the network `UPLINK` of `default`, whose routes
/// `uplink_routes` gives (`None`: no such network). The error texts are
/// Incus's, without the wrapping of the key.
pub fn check_restricted_subnets(
    value: &str,
    uplink_routes: impl Fn(&str) -> Option<Vec<String>>,
) -> Result<(), String> {
    for item in value.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let Some((uplink, subnet)) = item.split_once(':') else {
            return Err(format!(
                "Subnet {item:?} invalid, must be in the format of \"<uplink network>:<subnet>\""
            ));
        };
        let subnet_cidr = Cidr::parse(subnet)?;
        if subnet_cidr.address != subnet_cidr.network() {
            return Err(format!("Not an IP network address {subnet:?}"));
        }
        let Some(routes) = uplink_routes(uplink) else {
            return Err(format!("Invalid uplink network {uplink:?}: Network not found"));
        };
        let mut inside = false;
        for route in &routes {
            let route = Cidr::parse(route).map_err(|e| format!("Invalid subnet {route:?}: {e}"))?;
            inside |= route.contains(subnet_cidr);
        }
        if !inside {
            return Err(format!(
                "Uplink network {uplink:?} doesn't contain {:?} in its routes",
                format!("{}/{}", subnet_cidr.network(), subnet_cidr.prefix)
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routes(name: &str) -> Option<Vec<String>> {
        (name == "uplink").then(|| vec!["10.10.0.0/16".to_string(), "fd00:10::/64".to_string()])
    }

    #[test]
    fn a_subnet_inside_an_uplink_route_is_accepted() {
        assert_eq!(check_restricted_subnets("uplink:10.10.1.0/24", routes), Ok(()));
        assert_eq!(
            check_restricted_subnets("uplink:10.10.0.0/16, uplink:fd00:10::/80", routes),
            Ok(())
        );
    }

    #[test]
    fn incus_refusals_of_restricted_subnets_keep_their_text() {
        let refuse = |value: &str| check_restricted_subnets(value, routes).unwrap_err();
        assert_eq!(
            refuse("10.10.1.0/24"),
            "Subnet \"10.10.1.0/24\" invalid, must be in the format of \"<uplink network>:<subnet>\""
        );
        assert_eq!(
            refuse("uplink:10.10.1.1/24"),
            "Not an IP network address \"10.10.1.1/24\""
        );
        assert_eq!(refuse("uplink:10.10.1.0/33"), "invalid CIDR address: 10.10.1.0/33");
        assert_eq!(
            refuse("other:10.10.1.0/24"),
            "Invalid uplink network \"other\": Network not found"
        );
        assert_eq!(
            refuse("uplink:10.0.0.0/8"),
            "Uplink network \"uplink\" doesn't contain \"10.0.0.0/8\" in its routes"
        );
        assert_eq!(
            refuse("uplink:10.11.0.0/24"),
            "Uplink network \"uplink\" doesn't contain \"10.11.0.0/24\" in its routes"
        );
    }

    #[test]
    fn routes_must_be_network_addresses_of_their_family() {
        assert_eq!(check_routes("10.10.0.0/16,192.168.0.0/24", false), Ok(()));
        assert_eq!(check_routes("fd00:10::/64", true), Ok(()));
        assert_eq!(
            check_routes("10.10.0.1/16", false).unwrap_err(),
            "Item \"10.10.0.1/16\": Not an IPv4 network address \"10.10.0.1/16\""
        );
        assert_eq!(
            check_routes("fd00:10::/64", false).unwrap_err(),
            "Item \"fd00:10::/64\": Not an IPv4 network \"fd00:10::/64\""
        );
        assert_eq!(
            check_routes("nonsense", true).unwrap_err(),
            "Item \"nonsense\": invalid CIDR address: nonsense"
        );
    }
}
