//! The network documents of containers: `NetworkSettings` of inspect, the `NetworkSettings` of a
//! list item, an endpoint's `EndpointSettings` (also the `NetworkingConfig` of create), as moby
//! 20.10 (API 1.41) serialises them: every field present, `null` for nil lists and maps.

use super::host_config::PortMap;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `NetworkSettings` of `GET /containers/{id}/json`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NetworkSettings {
    pub bridge: String,
    #[serde(rename = "SandboxID")]
    pub sandbox_id: String,
    pub hairpin_mode: bool,
    #[serde(rename = "LinkLocalIPv6Address")]
    pub link_local_ipv6_address: String,
    #[serde(rename = "LinkLocalIPv6PrefixLen")]
    pub link_local_ipv6_prefix_len: i64,
    pub ports: PortMap,
    pub sandbox_key: String,
    #[serde(rename = "SecondaryIPAddresses")]
    pub secondary_ip_addresses: Option<Vec<Address>>,
    #[serde(rename = "SecondaryIPv6Addresses")]
    pub secondary_ipv6_addresses: Option<Vec<Address>>,
    // The default network's endpoint, repeated at the top level (deprecated by Docker, still sent).
    #[serde(rename = "EndpointID")]
    pub endpoint_id: String,
    pub gateway: String,
    #[serde(rename = "GlobalIPv6Address")]
    pub global_ipv6_address: String,
    #[serde(rename = "GlobalIPv6PrefixLen")]
    pub global_ipv6_prefix_len: i64,
    #[serde(rename = "IPAddress")]
    pub ip_address: String,
    #[serde(rename = "IPPrefixLen")]
    pub ip_prefix_len: i64,
    #[serde(rename = "IPv6Gateway")]
    pub ipv6_gateway: String,
    pub mac_address: String,
    /// Keyed by network name: `bridge`, and `none` or `host` for those modes (never empty).
    pub networks: BTreeMap<String, EndpointSettings>,
}

/// `NetworkSettings` of a `GET /containers/json` item.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct SummaryNetworkSettings {
    pub networks: BTreeMap<String, EndpointSettings>,
}

/// A container's endpoint on one network.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct EndpointSettings {
    #[serde(rename = "IPAMConfig")]
    pub ipam_config: Option<EndpointIpamConfig>,
    pub links: Option<Vec<String>>,
    pub aliases: Option<Vec<String>>,
    #[serde(rename = "NetworkID")]
    pub network_id: String,
    #[serde(rename = "EndpointID")]
    pub endpoint_id: String,
    pub gateway: String,
    #[serde(rename = "IPAddress")]
    pub ip_address: String,
    #[serde(rename = "IPPrefixLen")]
    pub ip_prefix_len: i64,
    #[serde(rename = "IPv6Gateway")]
    pub ipv6_gateway: String,
    #[serde(rename = "GlobalIPv6Address")]
    pub global_ipv6_address: String,
    #[serde(rename = "GlobalIPv6PrefixLen")]
    pub global_ipv6_prefix_len: i64,
    pub mac_address: String,
    pub driver_opts: Option<BTreeMap<String, String>>,
}

/// Static addresses asked for an endpoint (`--ip`, `--ip6`, `--link-local-ip`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EndpointIpamConfig {
    #[serde(rename = "IPv4Address", skip_serializing_if = "String::is_empty")]
    pub ipv4_address: String,
    #[serde(rename = "IPv6Address", skip_serializing_if = "String::is_empty")]
    pub ipv6_address: String,
    #[serde(rename = "LinkLocalIPs", skip_serializing_if = "super::config::is_empty_list")]
    pub link_local_ips: Option<Vec<String>>,
}

/// An address with its prefix length.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Address {
    pub addr: String,
    pub prefix_len: i64,
}

/// `NetworkingConfig` of `POST /containers/create`: the endpoint asked for on each network.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NetworkingConfig {
    pub endpoints_config: BTreeMap<String, EndpointSettings>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_like_docker_20_10() {
        let e = serde_json::to_value(EndpointSettings::default()).unwrap();
        // Observed from Docker 20.10 for a container on `--network none`.
        let docker = serde_json::json!({"IPAMConfig":null,"Links":null,"Aliases":null,"NetworkID":"","EndpointID":"",
            "Gateway":"","IPAddress":"","IPPrefixLen":0,"IPv6Gateway":"","GlobalIPv6Address":"",
            "GlobalIPv6PrefixLen":0,"MacAddress":"","DriverOpts":null});
        assert_eq!(e, docker);
        let s = serde_json::to_value(NetworkSettings::default()).unwrap();
        let keys: Vec<&str> = s.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys.len(), 18, "{keys:?}");
        assert_eq!(s["Ports"], serde_json::json!({}));
        assert_eq!(s["SecondaryIPAddresses"], serde_json::Value::Null);
    }
}
