//! The files `host-network` generates from the source's interface configuration
//! ([`crate::inventory::hostconf::network::Iface`]): a NetworkManager keyfile per interface
//! (`/etc/NetworkManager/system-connections/NAME.nmconnection`, mode 0600) and
//! systemd-networkd's `.network` (and, for bonds, bridges and VLANs, `.netdev`) files under
//! `/etc/systemd/network`. Both say the same thing; the target's VM image runs
//! systemd-networkd, and the keyfiles serve a host that installs NetworkManager instead.
//! Keyfiles use the keys NetworkManager 1.42 and later read (`master`/`slave-type`, the
//! gateway folded into `address1`), so they load with `nmcli --offline` on Debian 12 as on the
//! target's. What a format cannot say is returned as a note, never dropped.

use crate::inventory::hostconf::network::{Iface, Ipv6, Kind, Route, valid_ifname};
use sha1::{Digest, Sha1};

/// Where a generated file goes on the target and what is in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct File {
    pub path: String,
    pub content: String,
    /// Unix permissions to create it with.
    pub mode: u32,
    /// `NetworkManager` or `systemd-networkd`.
    pub manager: &'static str,
}

/// The generated files for one interface of `set` (the interfaces configured with it, to
/// find its controller, its VLANs and its primary), and what they do not say. With
/// `keyfile` false (the source is a keyfile already), only systemd-networkd's files.
pub fn files_for(
    i: &Iface,
    set: &[Iface],
    from: &str,
    with_keyfile: bool,
) -> (Vec<File>, Vec<String>) {
    let mut notes = Vec::new();
    if !i.kind.convertible() {
        notes.push(format!(
            "a {} definition: no file is generated",
            i.kind.as_str()
        ));
        return (Vec::new(), notes);
    }
    if !valid_ifname(&i.name) {
        notes.push(format!(
            "{:?} is not a valid interface name: no file is generated",
            i.name
        ));
        return (Vec::new(), notes);
    }
    if let Some(mac) = &i.mac {
        notes.push(format!(
            "the source binds it to the MAC address {mac}; a new VM has new MAC addresses, so the generated files match the name {}",
            i.name
        ));
    }
    let controller = i.controller.as_ref().map(|c| {
        let kind = set.iter().find(|s| &s.name == c).map(|s| s.kind.clone());
        (c.as_str(), kind)
    });
    if let Some((c, k)) = &controller
        && !matches!(k, Some(Kind::Bond | Kind::Bridge))
    {
        notes.push(format!(
            "its controller {c} is not a bond or bridge configured beside it: the port setting is left out"
        ));
    }
    let controller = controller.and_then(|(c, k)| match k {
        Some(Kind::Bond) => Some((c, "bond")),
        Some(Kind::Bridge) => Some((c, "bridge")),
        _ => None,
    });
    let mut files = Vec::new();
    if with_keyfile {
        let (kf, mut n1) = keyfile(i, controller, from);
        files.push(File {
            path: format!(
                "/etc/NetworkManager/system-connections/{}.nmconnection",
                i.name
            ),
            content: kf,
            mode: 0o600,
            manager: "NetworkManager",
        });
        notes.append(&mut n1);
    }
    let (nd, mut n2) = networkd(i, controller, set);
    files.extend(nd);
    notes.append(&mut n2);
    if let Some(z) = &i.zone {
        notes.push(format!(
            "firewalld zone {z}: the keyfile sets it (connection.zone); with systemd-networkd run firewall-cmd --permanent --zone={z} --add-interface={}",
            i.name
        ));
    }
    (files, notes)
}

/// A stable UUID (version 5 layout, SHA-1 of the source file and interface name), so that
/// running the scan again writes the same keyfile.
pub fn stable_uuid(from: &str, name: &str) -> String {
    let mut h = Sha1::new();
    h.update(b"azl-compat network profile\0");
    h.update(from.as_bytes());
    h.update(b"\0");
    h.update(name.as_bytes());
    let d = h.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let x: String = b.iter().map(|v| format!("{v:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &x[..8],
        &x[8..12],
        &x[12..16],
        &x[16..20],
        &x[20..]
    )
}

/// Bond options NetworkManager knows (its `bond` setting takes the kernel's names).
const NM_BOND_OPTIONS: &[&str] = &[
    "mode",
    "miimon",
    "updelay",
    "downdelay",
    "arp_interval",
    "arp_ip_target",
    "arp_validate",
    "arp_all_targets",
    "primary",
    "primary_reselect",
    "fail_over_mac",
    "use_carrier",
    "ad_select",
    "xmit_hash_policy",
    "resend_igmp",
    "lacp_rate",
    "active_slave",
    "ad_actor_sys_prio",
    "ad_actor_system",
    "ad_user_port_key",
    "all_slaves_active",
    "num_grat_arp",
    "num_unsol_na",
    "packets_per_slave",
    "tlb_dynamic_lb",
    "lp_interval",
    "peer_notif_delay",
];

/// Bridge options by the model's name, NetworkManager's and systemd-networkd's.
const BRIDGE_KEYS: &[(&str, &str, &str)] = &[
    ("stp", "stp", "STP"),
    ("forward_delay", "forward-delay", "ForwardDelaySec"),
    ("priority", "priority", "Priority"),
    ("hello_time", "hello-time", "HelloTimeSec"),
    ("max_age", "max-age", "MaxAgeSec"),
    ("ageing_time", "ageing-time", "AgeingTimeSec"),
];

fn is_v6(a: &str) -> bool {
    a.contains(':')
}

fn nm_route(r: &Route) -> String {
    let none = if is_v6(&r.dest) { "::" } else { "0.0.0.0" };
    match (&r.via, r.metric) {
        (Some(g), Some(m)) => format!("{},{g},{m}", r.dest),
        (Some(g), None) => format!("{},{g}", r.dest),
        (None, Some(m)) => format!("{},{none},{m}", r.dest),
        (None, None) => r.dest.clone(),
    }
}

/// One `[ipv4]` or `[ipv6]` section.
fn nm_ip(i: &Iface, v6: bool, method: &str, s: &mut String, notes: &mut Vec<String>) {
    let addressing = method != "disabled" && method != "ignore";
    let section = if v6 { "ipv6" } else { "ipv4" };
    s.push_str(&format!("\n[{section}]\n"));
    let addrs: Vec<&String> = i.addresses.iter().filter(|a| is_v6(a) == v6).collect();
    // Never the default route: NetworkManager drops a gateway then (the networkd note says so).
    let gw = match (i.never_default, v6) {
        (true, _) => &None,
        (false, true) => &i.gateway6,
        (false, false) => &i.gateway4,
    };
    for (n, a) in addrs.iter().enumerate() {
        match (n, gw) {
            (0, Some(g)) => s.push_str(&format!("address1={a},{g}\n")),
            _ => s.push_str(&format!("address{}={a}\n", n + 1)),
        }
    }
    // NetworkManager takes a gateway only with a static address: with DHCP or autoconfiguration
    // the source's gateway becomes a default route; with no addressing it cannot be said.
    let mut routes: Vec<Route> = Vec::new();
    if addrs.is_empty()
        && let Some(g) = gw
    {
        if addressing {
            routes.push(Route {
                dest: if v6 { "::/0" } else { "0.0.0.0/0" }.into(),
                via: Some(g.clone()),
                metric: None,
            });
        } else {
            notes.push(format!(
                "gateway {g} on an interface without an address of its family: left out of the keyfile"
            ));
        }
    }
    routes.extend(i.routes.iter().filter(|r| is_v6(&r.dest) == v6).cloned());
    let dns: Vec<&String> = i.dns.iter().filter(|d| is_v6(d) == v6).collect();
    // Search domains go with the family that has name servers (IPv4 when both or neither).
    let dns6_only = !i.dns.is_empty() && i.dns.iter().all(|d| is_v6(d));
    let search = !i.domains.is_empty() && v6 == dns6_only;
    if addressing {
        if !dns.is_empty() {
            let list: Vec<&str> = dns.iter().map(|d| d.as_str()).collect();
            s.push_str(&format!("dns={};\n", list.join(";")));
        }
        if search {
            s.push_str(&format!("dns-search={};\n", i.domains.join(";")));
        }
    } else if !dns.is_empty() || search {
        notes.push(format!(
            "name servers or search domains on an interface without {} addressing: NetworkManager takes them only with an address (set them in /etc/systemd/resolved.conf.d/ instead)",
            if v6 { "IPv6" } else { "IPv4" }
        ));
    }
    if let Some(h) = &i.dhcp_hostname
        && !v6
        && method == "auto"
    {
        s.push_str(&format!("dhcp-hostname={h}\n"));
    }
    if i.ignore_auto_dns && method != "disabled" && method != "ignore" {
        s.push_str("ignore-auto-dns=true\n");
    }
    s.push_str(&format!("method={method}\n"));
    if i.never_default && method != "disabled" && method != "ignore" {
        s.push_str("never-default=true\n");
    }
    for (n, r) in routes.iter().enumerate() {
        s.push_str(&format!("route{}={}\n", n + 1, nm_route(r)));
    }
}

/// The keyfile for `i` (port of `controller`, when it is one), and what it does not say.
pub fn keyfile(i: &Iface, controller: Option<(&str, &str)>, from: &str) -> (String, Vec<String>) {
    let mut notes = Vec::new();
    let ty = i.kind.as_str();
    let mut s = format!(
        "[connection]\nid={}\nuuid={}\ntype={ty}\n",
        i.name,
        stable_uuid(from, &i.name),
    );
    // Only a physical interface is matched by a pattern: a bond, bridge or VLAN is created
    // under its name.
    let glob = i.match_glob.as_ref().filter(|_| i.kind == Kind::Ethernet);
    if glob.is_none() {
        s.push_str(&format!("interface-name={}\n", i.name));
    }
    if i.disabled {
        s.push_str("autoconnect=false\n");
    }
    if let Some((c, k)) = controller {
        s.push_str(&format!("master={c}\nslave-type={k}\n"));
    }
    if let Some(z) = &i.zone {
        s.push_str(&format!("zone={z}\n"));
    }
    if let Some(m) = i.mtu
        && matches!(i.kind, Kind::Ethernet | Kind::Bond | Kind::Vlan)
    {
        s.push_str(&format!("\n[ethernet]\nmtu={m}\n"));
    }
    if let Some(g) = glob {
        s.push_str(&format!("\n[match]\ninterface-name={g};\n"));
    }
    match i.kind {
        Kind::Bond => {
            s.push_str("\n[bond]\n");
            let mut opts: Vec<&(String, String)> = i.options.iter().collect();
            opts.sort();
            for (k, v) in opts {
                if NM_BOND_OPTIONS.contains(&k.as_str()) {
                    s.push_str(&format!("{k}={v}\n"));
                } else {
                    notes.push(format!(
                        "bond option {k}={v}: not a NetworkManager bond option"
                    ));
                }
            }
        }
        Kind::Bridge => {
            s.push_str("\n[bridge]\n");
            for (model, nm, _) in BRIDGE_KEYS {
                if let Some(v) = i.option(model) {
                    let v = if *model == "stp" {
                        if v == "yes" { "true" } else { "false" }
                    } else {
                        v
                    };
                    s.push_str(&format!("{nm}={v}\n"));
                }
            }
            if let Some(m) = i.mtu {
                notes.push(format!(
                    "MTU {m} of the bridge: NetworkManager takes it from its ports (set it on them)"
                ));
            }
        }
        Kind::Vlan => {
            if let Some((id, parent)) = &i.vlan {
                s.push_str(&format!("\n[vlan]\nid={id}\nparent={parent}\n"));
            }
        }
        _ => {}
    }
    if controller.is_some() {
        return (s, notes);
    }
    let v4 = i.addresses.iter().any(|a| !is_v6(a));
    let method4 = match (i.dhcp4, v4) {
        (true, _) => "auto",
        (false, true) => "manual",
        (false, false) => "disabled",
    };
    nm_ip(i, false, method4, &mut s, &mut notes);
    let method6 = match i.ipv6 {
        Ipv6::Unset => None,
        Ipv6::Auto => Some("auto"),
        Ipv6::Dhcp => Some("dhcp"),
        Ipv6::Static => Some("manual"),
        Ipv6::Off => Some("disabled"),
    };
    match method6 {
        Some(m) => nm_ip(i, true, m, &mut s, &mut notes),
        None if i.addresses.iter().any(|a| is_v6(a)) => {
            nm_ip(i, true, "manual", &mut s, &mut notes)
        }
        // A gateway alone: the kernel's autoconfiguration, with that default route.
        None if i.gateway6.is_some() => nm_ip(i, true, "auto", &mut s, &mut notes),
        None => {}
    }
    (s, notes)
}

/// A bond option as a systemd-networkd `[Bond]` line.
fn networkd_bond(k: &str, v: &str) -> Option<String> {
    let ms = |key: &str| v.parse::<u64>().ok().map(|n| format!("{key}={n}ms"));
    Some(match k {
        "mode" => format!("Mode={v}"),
        "miimon" => ms("MIIMonitorSec")?,
        "updelay" => ms("UpDelaySec")?,
        "downdelay" => ms("DownDelaySec")?,
        "arp_interval" => ms("ARPIntervalSec")?,
        "lp_interval" => format!("LearnPacketIntervalSec={v}"),
        "lacp_rate" => format!(
            "LACPTransmitRate={}",
            match v {
                "0" => "slow",
                "1" => "fast",
                o => o,
            }
        ),
        "xmit_hash_policy" => format!("TransmitHashPolicy={v}"),
        "ad_select" => format!("AdSelect={v}"),
        "arp_ip_target" => format!("ARPIPTargets={}", v.replace(',', " ")),
        "arp_validate" => format!("ARPValidate={v}"),
        "arp_all_targets" => format!("ARPAllTargets={v}"),
        "primary_reselect" => format!("PrimaryReselectPolicy={v}"),
        "fail_over_mac" => format!("FailOverMACPolicy={v}"),
        "min_links" => format!("MinLinks={v}"),
        "all_slaves_active" => format!(
            "AllSlavesActive={}",
            if v == "1" || v == "yes" || v == "true" {
                "yes"
            } else {
                "no"
            }
        ),
        "num_grat_arp" => format!("GratuitousARP={v}"),
        "resend_igmp" => format!("ResendIGMP={v}"),
        "packets_per_slave" => format!("PacketsPerSlave={v}"),
        "ad_actor_sys_prio" => format!("AdActorSystemPriority={v}"),
        "ad_actor_system" => format!("AdActorSystem={v}"),
        "ad_user_port_key" => format!("AdUserPortKey={v}"),
        _ => return None,
    })
}

/// The systemd-networkd files for `i`, and what they do not say.
pub fn networkd(
    i: &Iface,
    controller: Option<(&str, &str)>,
    set: &[Iface],
) -> (Vec<File>, Vec<String>) {
    let mut notes = Vec::new();
    let mut files = Vec::new();
    let dir = "/etc/systemd/network";
    if matches!(i.kind, Kind::Bond | Kind::Bridge | Kind::Vlan) {
        let kind = i.kind.as_str();
        let mut s = format!("[NetDev]\nName={}\nKind={kind}\n", i.name);
        if let Some(m) = i.mtu {
            s.push_str(&format!("MTUBytes={m}\n"));
        }
        match i.kind {
            Kind::Bond => {
                s.push_str("\n[Bond]\n");
                for (k, v) in &i.options {
                    if k == "primary" {
                        continue;
                    }
                    match networkd_bond(k, v) {
                        Some(l) => s.push_str(&format!("{l}\n")),
                        None => notes.push(format!(
                            "bond option {k}={v}: no systemd.netdev(5) [Bond] setting"
                        )),
                    }
                }
            }
            Kind::Bridge => {
                s.push_str("\n[Bridge]\n");
                for (model, _, nd) in BRIDGE_KEYS {
                    if let Some(v) = i.option(model) {
                        s.push_str(&format!("{nd}={v}\n"));
                    }
                }
            }
            Kind::Vlan => {
                if let Some((id, parent)) = &i.vlan {
                    s.push_str(&format!("\n[VLAN]\nId={id}\n"));
                    if !set.iter().any(|p| &p.name == parent) {
                        notes.push(format!(
                            "its parent {parent} is not configured beside it: add VLAN={} to the [Network] section of {parent}'s .network file",
                            i.name
                        ));
                    }
                }
            }
            _ => {}
        }
        files.push(File {
            path: format!("{dir}/10-{}.netdev", i.name),
            content: s,
            mode: 0o644,
            manager: "systemd-networkd",
        });
    }
    let mut s = format!(
        "[Match]\nName={}\n",
        i.match_glob
            .as_deref()
            .filter(|_| i.kind == Kind::Ethernet)
            .unwrap_or(&i.name)
    );
    let mut link = String::new();
    if let Some(m) = i.mtu
        && !matches!(i.kind, Kind::Bond | Kind::Bridge | Kind::Vlan)
    {
        link.push_str(&format!("MTUBytes={m}\n"));
    }
    if i.disabled {
        link.push_str("ActivationPolicy=manual\nRequiredForOnline=no\n");
    } else if i.optional {
        link.push_str("RequiredForOnline=no\n");
    }
    if !link.is_empty() {
        s.push_str(&format!("\n[Link]\n{link}"));
    }
    s.push_str("\n[Network]\n");
    if let Some((c, k)) = controller {
        s.push_str(&format!(
            "{}={c}\n",
            if k == "bond" { "Bond" } else { "Bridge" }
        ));
        if set
            .iter()
            .any(|b| b.name == c && b.option("primary") == Some(i.name.as_str()))
        {
            s.push_str("PrimarySlave=true\n");
        }
    } else {
        let dhcp6 = i.ipv6 == Ipv6::Dhcp;
        match (i.dhcp4, dhcp6) {
            (true, true) => s.push_str("DHCP=yes\n"),
            (true, false) => s.push_str("DHCP=ipv4\n"),
            (false, true) => s.push_str("DHCP=ipv6\n"),
            _ => {}
        }
        match i.ipv6 {
            Ipv6::Auto => s.push_str("IPv6AcceptRA=yes\n"),
            Ipv6::Off => s.push_str("LinkLocalAddressing=ipv4\nIPv6AcceptRA=no\n"),
            Ipv6::Static => s.push_str("IPv6AcceptRA=no\n"),
            _ => {}
        }
        for a in &i.addresses {
            s.push_str(&format!("Address={a}\n"));
        }
        if i.never_default && (i.gateway4.is_some() || i.gateway6.is_some()) {
            notes.push("DEFROUTE=no with a static gateway: the gateway is left out; add it as a [Route] with a Destination if it serves other networks".into());
        } else {
            for g in [&i.gateway4, &i.gateway6].into_iter().flatten() {
                s.push_str(&format!("Gateway={g}\n"));
            }
        }
        for d in &i.dns {
            s.push_str(&format!("DNS={d}\n"));
        }
        if !i.domains.is_empty() {
            s.push_str(&format!("Domains={}\n", i.domains.join(" ")));
        }
    }
    for v in set
        .iter()
        .filter(|v| v.vlan.as_ref().is_some_and(|(_, p)| *p == i.name))
    {
        if valid_ifname(&v.name) {
            s.push_str(&format!("VLAN={}\n", v.name));
        }
    }
    if controller.is_none() {
        let mut dhcp4 = String::new();
        if i.ignore_auto_dns {
            dhcp4.push_str("UseDNS=no\n");
        }
        if i.never_default {
            dhcp4.push_str("UseGateway=no\n");
        }
        if let Some(h) = &i.dhcp_hostname {
            dhcp4.push_str(&format!("Hostname={h}\n"));
        }
        if i.dhcp4 && !dhcp4.is_empty() {
            s.push_str(&format!("\n[DHCPv4]\n{dhcp4}"));
        }
        if i.ipv6 == Ipv6::Dhcp {
            s.push_str("\n[DHCPv6]\nWithoutRA=solicit\n");
        }
        for r in &i.routes {
            s.push_str(&format!("\n[Route]\nDestination={}\n", r.dest));
            if let Some(g) = &r.via {
                s.push_str(&format!("Gateway={g}\n"));
            }
            if let Some(m) = r.metric {
                s.push_str(&format!("Metric={m}\n"));
            }
        }
    }
    files.push(File {
        path: format!("{dir}/10-{}.network", i.name),
        content: s,
        mode: 0o644,
        manager: "systemd-networkd",
    });
    (files, notes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::hostconf::network::{parse_ifcfg, parse_interfaces, parse_routes};

    fn by<'a>(files: &'a [File], suffix: &str) -> &'a str {
        &files
            .iter()
            .find(|f| f.path.ends_with(suffix))
            .unwrap()
            .content
    }

    #[test]
    fn static_interface_in_both_formats() {
        let mut i = parse_ifcfg(
            "ifcfg-eth0",
            "DEVICE=eth0\nIPADDR=10.0.0.5\nPREFIX=24\nGATEWAY=10.0.0.1\nDNS1=10.0.0.2\nDOMAIN=corp.example\nMTU=9000\nZONE=internal\n",
        );
        parse_routes("172.16.0.0/12 via 10.0.0.254 metric 5\n", &mut i);
        let set = vec![i.clone()];
        let (files, notes) = files_for(&i, &set, "/etc/sysconfig/network-scripts/ifcfg-eth0", true);
        let kf = by(&files, "eth0.nmconnection");
        assert!(
            kf.contains("type=ethernet\ninterface-name=eth0\nzone=internal\n"),
            "{kf}"
        );
        assert!(kf.contains("[ethernet]\nmtu=9000\n"), "{kf}");
        assert!(kf.contains("address1=10.0.0.5/24,10.0.0.1\ndns=10.0.0.2;\ndns-search=corp.example;\nmethod=manual\nroute1=172.16.0.0/12,10.0.0.254,5\n"), "{kf}");
        assert!(!kf.contains("[ipv6]"), "IPv6 left to the default: {kf}");
        let nw = by(&files, "10-eth0.network");
        assert_eq!(
            nw,
            "[Match]\nName=eth0\n\n[Link]\nMTUBytes=9000\n\n[Network]\nAddress=10.0.0.5/24\nGateway=10.0.0.1\nDNS=10.0.0.2\nDomains=corp.example\n\n[Route]\nDestination=172.16.0.0/12\nGateway=10.0.0.254\nMetric=5\n"
        );
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert_eq!(
            files
                .iter()
                .find(|f| f.manager == "NetworkManager")
                .unwrap()
                .mode,
            0o600
        );
    }

    #[test]
    fn bond_with_ports_vlan_and_bridge() {
        let set = parse_interfaces(
            "auto bond0\niface bond0 inet dhcp\n  bond-slaves eth1 eth2\n  bond-mode active-backup\n  bond-miimon 100\n  bond-primary eth1\n  bond-use-carrier 1\n\nauto bond0.7\niface bond0.7 inet static\n  address 10.7.0.2/24\n\nauto br0\niface br0 inet6 auto\n  bridge_ports eth3\n  bridge_stp on\n",
        );
        let get = |n: &str| set.iter().find(|i| i.name == n).unwrap();
        let (bf, bnotes) = files_for(get("bond0"), &set, "/etc/network/interfaces", true);
        assert_eq!(
            by(&bf, "10-bond0.netdev"),
            "[NetDev]\nName=bond0\nKind=bond\n\n[Bond]\nMode=active-backup\nMIIMonitorSec=100ms\n"
        );
        assert!(
            bnotes.iter().any(|n| n.contains("use_carrier")),
            "{bnotes:?}"
        );
        assert!(by(&bf, "10-bond0.network").contains("DHCP=ipv4\nVLAN=bond0.7\n"));
        let kf = by(&bf, "bond0.nmconnection");
        assert!(
            kf.contains("[bond]\nmiimon=100\nmode=active-backup\nprimary=eth1\nuse_carrier=1\n"),
            "{kf}"
        );
        let (pf, _) = files_for(get("eth1"), &set, "/etc/network/interfaces", true);
        assert_eq!(
            by(&pf, "10-eth1.network"),
            "[Match]\nName=eth1\n\n[Network]\nBond=bond0\nPrimarySlave=true\n"
        );
        let pk = by(&pf, "eth1.nmconnection");
        assert!(
            pk.contains("master=bond0\nslave-type=bond\n") && !pk.contains("[ipv4]"),
            "{pk}"
        );
        let (vf, vnotes) = files_for(get("bond0.7"), &set, "/etc/network/interfaces", true);
        assert!(by(&vf, "10-bond0.7.netdev").contains("[VLAN]\nId=7\n"));
        assert!(by(&vf, "bond0.7.nmconnection").contains("[vlan]\nid=7\nparent=bond0\n"));
        assert!(vnotes.is_empty(), "{vnotes:?}");
        let (brf, _) = files_for(get("br0"), &set, "/etc/network/interfaces", true);
        assert!(by(&brf, "10-br0.netdev").contains("[Bridge]\nSTP=yes\n"));
        let bk = by(&brf, "br0.nmconnection");
        assert!(
            bk.contains("[bridge]\nstp=true\n") && bk.contains("[ipv6]\nmethod=auto\n"),
            "{bk}"
        );
        assert!(by(&brf, "10-br0.network").contains("IPv6AcceptRA=yes\n"));
    }

    #[test]
    fn names_that_are_not_interfaces_get_no_file() {
        let mut i = parse_ifcfg("ifcfg-x", "DEVICE=../../etc/passwd\nBOOTPROTO=dhcp\n");
        let (files, notes) = files_for(&i, &[], "/x", true);
        assert!(files.is_empty() && notes.len() == 1);
        i.name = "eth0".into();
        i.kind = Kind::Team;
        assert!(files_for(&i, &[], "/x", true).0.is_empty());
    }

    #[test]
    fn keyfiles_say_only_what_networkmanager_accepts() {
        // A gateway with DHCP becomes a default route; DNS without addressing is a note.
        let i = parse_ifcfg(
            "ifcfg-eth0",
            "DEVICE=eth0\nBOOTPROTO=dhcp\nGATEWAY=10.0.0.1\nIPV6_DEFAULTGW=2001:db8::1\n",
        );
        let (kf, notes) = keyfile(&i, None, "/x");
        assert!(
            kf.contains("method=auto\nroute1=0.0.0.0/0,10.0.0.1\n"),
            "{kf}"
        );
        assert!(
            kf.contains("[ipv6]\nmethod=auto\nroute1=::/0,2001:db8::1\n"),
            "{kf}"
        );
        assert!(!kf.contains("gateway="), "{kf}");
        assert!(notes.is_empty(), "{notes:?}");
        let j = parse_ifcfg(
            "ifcfg-eth1",
            "DEVICE=eth1\nDNS1=10.0.0.2\nGATEWAY=10.0.0.1\n",
        );
        let (kf, notes) = keyfile(&j, None, "/x");
        assert!(
            kf.contains("method=disabled\n") && !kf.contains("dns="),
            "{kf}"
        );
        assert_eq!(notes.len(), 2, "{notes:?}");
    }

    #[test]
    fn uuids_are_stable_and_well_formed() {
        let a = stable_uuid("/etc/x", "eth0");
        assert_eq!(a, stable_uuid("/etc/x", "eth0"));
        assert_ne!(a, stable_uuid("/etc/y", "eth0"));
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "5");
    }
}
