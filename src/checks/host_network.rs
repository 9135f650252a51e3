//! Networking that does not carry over (issue 14): interface configuration the target does not
//! read (RHEL ifcfg files, Debian's /etc/network/interfaces, netplan YAML without netplan,
//! NetworkManager profiles on an image that runs systemd-networkd), name resolution
//! (/etc/resolv.conf written by hand, resolvconf, the removed `inet6` option) and firewall rules
//! (ufw, iptables-persistent, iptables-services, Debian's nftables.conf). Interfaces that map
//! onto systemd-networkd (the target image's network manager) get a draft `.network` file in the
//! finding (evidence `draft`); what is not converted is listed with its line. systemd-networkd
//! `.network` files and firewalld zones carry over and are not reported. Facts:
//! knowledge/host-config/network.tsv.

use super::host_ctx::{HostCtx, WithFact, fact};
use super::interface::{Area, Check, Input, Meta, Needs, Sink};
use crate::findings::{Code, Finding, Severity};
use crate::inventory::Node;
use crate::inventory::file_name;
use crate::inventory::hostconf::config_lines;

/// The check (issue 14): interface configuration, name resolution and firewall rules.
pub static CHECK: Check = Check {
    meta: Meta {
        id: "host-network",
        summary: "interface configuration, name resolution and firewall rules the target does not read",
        area: Area::Host,
        needs: Needs::Host,
        codes: &[
            Code::HostNetworkConfig,
            Code::HostDnsConfig,
            Code::HostFirewallRules,
        ],
        reuses: &[],
        file: "src/checks/host_network.rs",
    },
    run,
};

fn run(input: &Input, out: &mut Sink) {
    if let Input::Host { host } = input {
        out.extend(check(host).into_iter().map(|f| host.fill(f)));
    }
}

pub fn check(h: &HostCtx) -> Vec<Finding> {
    let mut out = Vec::new();
    ifcfg(h, &mut out);
    ifupdown(h, &mut out);
    netplan(h, &mut out);
    networkmanager(h, &mut out);
    resolv_conf(h, &mut out);
    firewall(h, &mut out);
    out.sort();
    out.dedup_by(|a, b| a.key() == b.key());
    out
}

/// One interface as the source configures it, in the terms of a systemd-networkd `.network`
/// file; what has no such term is kept with its line (`unconverted`).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Iface {
    pub name: String,
    /// `ethernet`, `bond`, `vlan`, `bridge`, `team`, ...
    pub kind: String,
    pub dhcp4: bool,
    pub dhcp6: bool,
    /// `ADDRESS/PREFIX`.
    pub addresses: Vec<String>,
    pub gateway: Option<String>,
    pub dns: Vec<String>,
    pub domains: Vec<String>,
    /// `(destination, gateway)`.
    pub routes: Vec<(String, String)>,
    pub mtu: Option<String>,
    /// Configured but left down at boot.
    pub disabled: bool,
    /// (line, text) of settings not converted.
    pub unconverted: Vec<(usize, String)>,
}

impl Iface {
    /// Whether the draft says all of it: a plain interface with no setting left over.
    pub fn fully_converted(&self) -> bool {
        self.kind == "ethernet" && self.unconverted.is_empty()
    }

    /// The systemd-networkd `.network` file for it (bonds, VLANs and bridges also need a
    /// `.netdev`, which the finding names instead).
    pub fn draft_network(&self) -> String {
        let mut s = format!("[Match]\nName={}\n\n[Network]\n", self.name);
        match (self.dhcp4, self.dhcp6) {
            (true, true) => s.push_str("DHCP=yes\n"),
            (true, false) => s.push_str("DHCP=ipv4\n"),
            (false, true) => s.push_str("DHCP=ipv6\n"),
            _ => {}
        }
        for a in &self.addresses {
            s.push_str(&format!("Address={a}\n"));
        }
        if let Some(g) = &self.gateway {
            s.push_str(&format!("Gateway={g}\n"));
        }
        for d in &self.dns {
            s.push_str(&format!("DNS={d}\n"));
        }
        if !self.domains.is_empty() {
            s.push_str(&format!("Domains={}\n", self.domains.join(" ")));
        }
        if let Some(m) = &self.mtu {
            s.push_str(&format!("\n[Link]\nMTUBytes={m}\n"));
        }
        for (dest, via) in &self.routes {
            s.push_str(&format!("\n[Route]\nDestination={dest}\nGateway={via}\n"));
        }
        s
    }
}

/// A netmask (`255.255.255.0`) as a prefix length.
fn prefix_of(mask: &str) -> Option<u32> {
    let mut bits = 0u32;
    let mut n = 0;
    for part in mask.split('.') {
        let b: u8 = part.parse().ok()?;
        bits = (bits << 8) | u32::from(b);
        n += 1;
    }
    if n != 4 || bits.leading_ones() + bits.trailing_zeros() != 32 {
        return None;
    }
    Some(bits.leading_ones())
}

/// Keys of ifcfg files that need no line of their own in a `.network` file (naming, NM
/// bookkeeping, defaults).
const IFCFG_IGNORED: &[&str] = &[
    "NAME",
    "UUID",
    "HWADDR",
    "NM_CONTROLLED",
    "USERCTL",
    "IPV6INIT",
    "IPV4_FAILURE_FATAL",
    "IPV6_FAILURE_FATAL",
    "IPV6_AUTOCONF",
    "IPV6_DEFROUTE",
    "IPV6_ADDR_GEN_MODE",
    "DEFROUTE",
    "PEERDNS",
    "PEERROUTES",
    "IPV6_PEERDNS",
    "IPV6_PEERROUTES",
    "PROXY_METHOD",
    "BROWSER_ONLY",
    "ZONE",
    "TYPE",
    "DEVICE",
    "ONBOOT",
    "BOOTPROTO",
    "DHCPV6C",
];

/// Parse an ifcfg file (shell `KEY=value` lines).
pub fn parse_ifcfg(file: &str, text: &str) -> Iface {
    let mut i = Iface {
        name: file.strip_prefix("ifcfg-").unwrap_or(file).to_string(),
        kind: "ethernet".into(),
        ..Iface::default()
    };
    let mut addrs: Vec<(String, Option<String>, Option<String>, usize)> = Vec::new();
    for (line, t) in config_lines(text, false) {
        let Some((k, v)) = t.split_once('=') else {
            i.unconverted.push((line, t.to_string()));
            continue;
        };
        let k = k.trim();
        let v = v.trim().trim_matches(|c| c == '"' || c == '\'').to_string();
        let numbered = |base: &str| {
            k.strip_prefix(base)
                .filter(|n| n.chars().all(|c| c.is_ascii_digit()))
                .map(|n| n.to_string())
        };
        match k {
            "DEVICE" => i.name = v,
            "TYPE" => i.kind = v.to_ascii_lowercase(),
            "ONBOOT" => i.disabled = v.eq_ignore_ascii_case("no"),
            "BOOTPROTO" => i.dhcp4 = v.eq_ignore_ascii_case("dhcp") || v == "bootp",
            "DHCPV6C" => i.dhcp6 = v.eq_ignore_ascii_case("yes"),
            "GATEWAY" => i.gateway = Some(v),
            "MTU" => i.mtu = Some(v),
            "DOMAIN" => i.domains.extend(v.split_whitespace().map(str::to_string)),
            "BONDING_MASTER" if v.eq_ignore_ascii_case("yes") => i.kind = "bond".into(),
            "VLAN" if v.eq_ignore_ascii_case("yes") => i.kind = "vlan".into(),
            "IPV6ADDR" => i.addresses.push(v),
            _ if IFCFG_IGNORED.contains(&k) => {}
            _ => {
                if numbered("DNS").is_some() {
                    i.dns.push(v);
                } else if let Some(n) = numbered("IPADDR") {
                    addrs.push((n, Some(v), None, line));
                } else if let Some(n) = numbered("PREFIX") {
                    addrs.push((n, None, Some(v), line));
                } else if let Some(n) = numbered("NETMASK") {
                    addrs.push((n, None, prefix_of(&v).map(|p| p.to_string()), line));
                } else {
                    i.unconverted.push((line, t.to_string()));
                }
            }
        }
    }
    // IPADDRn with PREFIXn or NETMASKn of the same n (no n = the first).
    let mut ns: Vec<&String> = addrs.iter().map(|a| &a.0).collect();
    ns.sort();
    ns.dedup();
    for n in ns {
        let ip = addrs
            .iter()
            .find_map(|a| (&a.0 == n).then_some(a.1.clone()).flatten());
        let pfx = addrs
            .iter()
            .find_map(|a| (&a.0 == n).then_some(a.2.clone()).flatten());
        match (ip, pfx) {
            (Some(ip), Some(p)) => i.addresses.push(format!("{ip}/{p}")),
            (Some(ip), None) => {
                let line = addrs.iter().find(|a| &a.0 == n).map_or(0, |a| a.3);
                i.unconverted
                    .push((line, format!("IPADDR{n}={ip} (no PREFIX{n} or NETMASK{n})")));
            }
            _ => {}
        }
    }
    i.unconverted.sort();
    i
}

/// Static routes of a `route-DEV` file (`DEST via GW` lines, or `ADDRESSn`/`GATEWAYn`/`NETMASKn`).
fn parse_routes(text: &str, i: &mut Iface) {
    for (line, t) in config_lines(text, false) {
        let toks: Vec<&str> = t.split_whitespace().collect();
        match toks.as_slice() {
            [dest, "via", gw] => i.routes.push((dest.to_string(), gw.to_string())),
            ["default", "via", gw, ..] if i.gateway.is_none() => i.gateway = Some(gw.to_string()),
            _ => i.unconverted.push((line, t.to_string())),
        }
    }
}

fn network_finding(path: &str, format: &str, key: &str, i: &Iface, line: Option<usize>) -> Finding {
    let draft = i.draft_network();
    let draft_path = format!("/etc/systemd/network/10-{}.network", i.name);
    let mut fix = if i.fully_converted() {
        format!(
            "write {draft_path} with the draft in the evidence (systemd-networkd, the image's network manager)"
        )
    } else {
        format!(
            "write {draft_path} from the draft in the evidence{}; the settings listed as not converted need systemd.network(5) or systemd.netdev(5) equivalents",
            match i.kind.as_str() {
                "ethernet" => String::new(),
                k => format!(
                    " and a /etc/systemd/network/10-{}.netdev for the {k}",
                    i.name
                ),
            }
        )
    };
    if format == "ifcfg" {
        fix.push_str("; to keep NetworkManager instead, run nmcli connection migrate on the source (RHEL 9), carry /etc/NetworkManager/system-connections/, install and enable NetworkManager and disable systemd-networkd");
    } else {
        fix.push_str("; or install NetworkManager and create the connection with nmcli, disabling systemd-networkd");
    }
    let mut x = Finding::new(Code::HostNetworkConfig, path)
        .subject(&i.name)
        .message(format!(
            "{} interface {} ({}{}) is configured in a file {{target}} does not read{}",
            format_name(format),
            i.name,
            i.kind,
            addressing(i),
            if i.unconverted.is_empty() {
                String::new()
            } else {
                format!("; {} setting(s) not converted", i.unconverted.len())
            }
        ))
        .fix(fix)
        .with_fact(fact(key))
        .evidence("format", format)
        .evidence("interface", &i.name)
        .evidence("kind", &i.kind)
        .evidence("draft", draft)
        .evidence("draft_path", draft_path);
    if let Some(l) = line {
        x = x.evidence("line", l.to_string());
    }
    if !i.unconverted.is_empty() {
        let list: Vec<String> = i
            .unconverted
            .iter()
            .map(|(l, t)| format!("{l}: {t}"))
            .collect();
        x = x.evidence("not_converted", list.join("; "));
    }
    if i.disabled {
        x = x.severity(Severity::Info).evidence("onboot", "no");
    }
    x
}

fn format_name(format: &str) -> &'static str {
    match format {
        "ifcfg" => "ifcfg",
        _ => "ifupdown",
    }
}

fn addressing(i: &Iface) -> String {
    let mut v = Vec::new();
    if i.dhcp4 {
        v.push("DHCPv4".to_string());
    }
    if i.dhcp6 {
        v.push("DHCPv6".to_string());
    }
    if !i.addresses.is_empty() {
        v.push(format!("static {}", i.addresses.join(", ")));
    }
    if v.is_empty() {
        String::new()
    } else {
        format!(", {}", v.join(", "))
    }
}

fn ifcfg(h: &HostCtx, out: &mut Vec<Finding>) {
    const DIR: &str = "/etc/sysconfig/network-scripts";
    let f = h.files;
    for p in f.files_in(DIR, "") {
        let name = file_name(&p);
        let Some(dev) = name.strip_prefix("ifcfg-") else {
            continue;
        };
        if dev == "lo" || name.contains(".rpm") || name.ends_with('~') || name.ends_with(".bak") {
            continue;
        }
        let Some(text) = f.read_text(&p) else {
            continue;
        };
        let mut i = parse_ifcfg(name, &text);
        let route = format!("{DIR}/route-{dev}");
        if let Some(rt) = f.read_text(&route) {
            parse_routes(&rt, &mut i);
            i.unconverted.sort();
        }
        out.push(network_finding(&p, "ifcfg", "net.ifcfg", &i, None));
    }
}

/// The interfaces of an ifupdown file: one per `iface NAME inet|inet6 METHOD` stanza, with the
/// line it starts on (stanzas of one name merge).
pub fn parse_interfaces(text: &str) -> Vec<(usize, Iface)> {
    let mut v: Vec<(usize, Iface)> = Vec::new();
    let mut cur: Option<usize> = None;
    let mut auto: Vec<String> = Vec::new();
    for (line, t) in config_lines(text, false) {
        let toks: Vec<&str> = t.split_whitespace().collect();
        match toks.as_slice() {
            ["auto" | "allow-hotplug", names @ ..] => {
                auto.extend(names.iter().map(|s| s.to_string()));
                cur = None;
            }
            ["iface", name, fam, method, ..] => {
                if *name == "lo" {
                    cur = None;
                    continue;
                }
                let idx = match v.iter().position(|(_, i)| i.name == *name) {
                    Some(k) => k,
                    None => {
                        v.push((
                            line,
                            Iface {
                                name: name.to_string(),
                                kind: if name.contains('.') {
                                    "vlan"
                                } else {
                                    "ethernet"
                                }
                                .into(),
                                ..Iface::default()
                            },
                        ));
                        v.len() - 1
                    }
                };
                let inet6 = *fam == "inet6";
                let i = &mut v[idx].1;
                match (*method, inet6) {
                    ("dhcp", false) => i.dhcp4 = true,
                    ("dhcp" | "auto", true) => i.dhcp6 = true,
                    ("static" | "manual" | "loopback", _) => {}
                    (m, _) => i.unconverted.push((line, format!("method {m}"))),
                }
                cur = Some(idx);
            }
            ["source" | "source-directory" | "mapping", ..] => {
                cur = None;
            }
            [key, rest @ ..] if cur.is_some() => {
                let i = &mut v[cur.unwrap_or_default()].1;
                let val = rest.join(" ");
                match *key {
                    // Without a `/`, the prefix comes from a netmask line of the stanza.
                    "address" => i.addresses.push(val),
                    "netmask" => {
                        let p = if val.chars().all(|c| c.is_ascii_digit()) {
                            Some(val.clone())
                        } else {
                            prefix_of(&val).map(|p| p.to_string())
                        };
                        if let (Some(p), Some(last)) = (p, i.addresses.last_mut())
                            && !last.contains('/')
                        {
                            last.push('/');
                            last.push_str(&p);
                        }
                    }
                    "gateway" => i.gateway = Some(val),
                    "mtu" => i.mtu = Some(val),
                    "dns-nameservers" => i.dns.extend(rest.iter().map(|s| s.to_string())),
                    "dns-search" => i.domains.extend(rest.iter().map(|s| s.to_string())),
                    k if k.starts_with("bond-") || k == "bond_mode" || k == "slaves" => {
                        i.kind = "bond".into();
                        i.unconverted.push((line, t.to_string()));
                    }
                    k if k.starts_with("bridge") => {
                        i.kind = "bridge".into();
                        i.unconverted.push((line, t.to_string()));
                    }
                    k if k.starts_with("vlan") => {
                        i.kind = "vlan".into();
                        i.unconverted.push((line, t.to_string()));
                    }
                    "up" | "post-up" if rest.len() >= 4 && rest[..2] == ["ip", "route"] => {
                        // `up ip route add DEST via GW`
                        match rest {
                            ["ip", "route", "add", dest, "via", gw, ..] => {
                                i.routes.push((dest.to_string(), gw.to_string()))
                            }
                            _ => i.unconverted.push((line, t.to_string())),
                        }
                    }
                    _ => i.unconverted.push((line, t.to_string())),
                }
            }
            _ => {}
        }
    }
    for (_, i) in &mut v {
        i.disabled = !auto.contains(&i.name);
        if let Some(bad) = i.addresses.iter().find(|a| !a.contains('/')) {
            let bad = bad.clone();
            i.unconverted
                .push((0, format!("address {bad} without a netmask")));
        }
        i.unconverted.sort();
    }
    v
}

fn ifupdown(h: &HostCtx, out: &mut Vec<Finding>) {
    let f = h.files;
    let mut files = vec!["/etc/network/interfaces".to_string()];
    files.extend(f.files_in("/etc/network/interfaces.d", ""));
    for p in files {
        let Some(text) = f.read_text(&p) else {
            continue;
        };
        for (line, i) in parse_interfaces(&text) {
            out.push(network_finding(
                &p,
                "ifupdown",
                "net.ifupdown",
                &i,
                Some(line),
            ));
        }
    }
}

/// The `renderer:` a netplan file names (the first), with its line.
pub fn netplan_renderer(text: &str) -> Option<(usize, String)> {
    config_lines(text, false).find_map(|(line, t)| {
        t.strip_prefix("renderer:").map(|r| {
            (
                line,
                r.trim().trim_matches(|c| c == '"' || c == '\'').to_string(),
            )
        })
    })
}

fn netplan(h: &HostCtx, out: &mut Vec<Finding>) {
    let f = h.files;
    let mut files = f.files_in("/etc/netplan", ".yaml");
    files.extend(f.files_in("/etc/netplan", ".yml"));
    files.sort();
    for p in files {
        let Some(text) = f.read_text(&p) else {
            continue;
        };
        let renderer = netplan_renderer(&text);
        let nm = renderer
            .as_ref()
            .is_none_or(|(_, r)| r.eq_ignore_ascii_case("NetworkManager"));
        // cloud-init writes 50-cloud-init.yaml from the cloud's metadata; the target's cloud-init
        // (in its VM image) writes its own configuration.
        let cloud_init = file_name(&p).contains("cloud-init")
            || text.contains("generated from information provided by the datasource");
        let pkgs = if nm {
            "netplan and NetworkManager"
        } else {
            "netplan"
        };
        let mut x = Finding::new(Code::HostNetworkConfig, &p)
            .subject(file_name(&p))
            .message(if cloud_init {
                "netplan configuration written by cloud-init: on {target} cloud-init writes the network configuration for the image's own network manager".to_string()
            } else {
                format!(
                    "netplan configuration{}: {{target}}'s images have no netplan, so it is not applied",
                    match &renderer {
                        Some((_, r)) => format!(" (renderer {r})"),
                        None => " (no renderer: the target's default netplan backend is NetworkManager)".into(),
                    }
                )
            })
            .fix(if cloud_init {
                "nothing to carry: leave the file out of the move and let cloud-init configure the network on the target".to_string()
            } else {
                format!(
                    "install {pkgs} ({{install}} {}){}; or write the interfaces as systemd-networkd files (netplan generate on the source writes them to /run/systemd/network with renderer: networkd)",
                    if nm { "netplan NetworkManager" } else { "netplan" },
                    if nm { ", enable NetworkManager and disable systemd-networkd" } else { "" }
                )
            })
            .with_fact(fact("net.netplan"))
            .evidence("format", "netplan")
            .evidence("renderer", renderer.as_ref().map_or("default", |(_, r)| r.as_str()));
        if let Some((line, _)) = &renderer {
            x = x.evidence("line", line.to_string());
        }
        if cloud_init {
            x = x
                .severity(Severity::Info)
                .evidence("written_by", "cloud-init");
        }
        out.push(x);
    }
}

fn networkmanager(h: &HostCtx, out: &mut Vec<Finding>) {
    let f = h.files;
    for p in f.files_in("/etc/NetworkManager/system-connections", "") {
        let name = file_name(&p);
        if name.ends_with('~') {
            continue;
        }
        let Some(text) = f.read_text(&p) else {
            continue;
        };
        let ty = config_lines(&text, false)
            .find_map(|(_, t)| t.strip_prefix("type=").map(str::to_string))
            .unwrap_or_else(|| "unknown".into());
        let id = config_lines(&text, false)
            .find_map(|(_, t)| t.strip_prefix("id=").map(str::to_string))
            .unwrap_or_else(|| name.trim_end_matches(".nmconnection").to_string());
        out.push(
            Finding::new(Code::HostNetworkConfig, &p)
                .subject(&id)
                .message(format!(
                    "NetworkManager connection {id} ({ty}): {{target}}'s VM image runs systemd-networkd, not NetworkManager, so the profile is not applied unless NetworkManager is installed"
                ))
                .fix(
                    "install and enable NetworkManager ({install} NetworkManager; systemctl enable NetworkManager) and disable systemd-networkd, keeping the profile (mode 0600, owned by root); or write the connection as a systemd-networkd .network file",
                )
                .with_fact(fact("net.networkmanager"))
                .evidence("format", "keyfile")
                .evidence("type", ty),
        );
    }
}

fn resolv_conf(h: &HostCtx, out: &mut Vec<Finding>) {
    const PATH: &str = "/etc/resolv.conf";
    let f = h.files;
    match f.inv.nodes.get(PATH) {
        Some(Node::Symlink(target)) if target.contains("/run/resolvconf/") => {
            out.push(
                Finding::new(Code::HostDnsConfig, PATH)
                    .subject("resolvconf")
                    .message("/etc/resolv.conf is written by Debian's resolvconf, which {target} does not have")
                    .fix("give the name servers to systemd-resolved: per interface (DNS= in the .network file) or globally (DNS= in /etc/systemd/resolved.conf.d/dns.conf); move what /etc/resolvconf/resolv.conf.d/ adds there too")
                    .with_fact(fact("dns.resolvconf"))
                    .evidence("link", target),
            );
        }
        // A link to systemd-resolved's or NetworkManager's file follows the manager.
        Some(Node::Symlink(_)) => {}
        // Plain files are not in the walk's node map (only judged objects are).
        None | Some(Node::File(_)) => {
            let text = f.read_text(PATH).unwrap_or_default();
            let managed = text.contains("systemd-resolved") || text.contains("NetworkManager");
            let mut servers = Vec::new();
            for (line, t) in config_lines(&text, true) {
                let toks: Vec<&str> = t.split_whitespace().collect();
                match toks.as_slice() {
                    ["nameserver", ip, ..] => servers.push(ip.to_string()),
                    ["options", opts @ ..] if opts.contains(&"inet6") => out.push(
                        Finding::new(Code::HostDnsConfig, PATH)
                            .subject("options inet6")
                            .message("resolv.conf asks for the inet6 option, which {target}'s glibc no longer has: lookups stop returning IPv4-mapped IPv6 addresses")
                            .fix("remove inet6 from the options line and make the programs that relied on it ask for AF_INET6 with AI_V4MAPPED themselves")
                            .with_fact(fact("dns.inet6-option"))
                            .evidence("line", line.to_string())
                            .evidence("text", t),
                    ),
                    _ => {}
                }
            }
            if !managed && !servers.is_empty() {
                out.push(
                    Finding::new(Code::HostDnsConfig, PATH)
                        .subject("nameserver")
                        .severity(Severity::Info)
                        .message(format!(
                            "/etc/resolv.conf is a plain file naming {}: on {{target}} systemd-resolved manages name resolution, and a copied file bypasses it or is replaced",
                            servers.join(", ")
                        ))
                        .fix(format!(
                            "leave /etc/resolv.conf to the target; if these servers are not what DHCP gives, set them in /etc/systemd/resolved.conf.d/dns.conf ([Resolve] DNS={}) or per interface (DNS= in the .network file)",
                            servers.join(" ")
                        ))
                        .with_fact(fact("dns.resolved"))
                        .evidence("nameservers", servers.join(" ")),
                );
            }
        }
        _ => {}
    }
    let parts: Vec<String> = ["head", "base", "tail"]
        .iter()
        .map(|p| format!("/etc/resolvconf/resolv.conf.d/{p}"))
        .filter(|p| {
            f.read_text(p)
                .is_some_and(|t| config_lines(&t, false).next().is_some())
        })
        .collect();
    for p in parts {
        out.push(
            Finding::new(Code::HostDnsConfig, &p)
                .subject("resolvconf")
                .message("resolvconf adds these lines to /etc/resolv.conf; {target} has no resolvconf to read them")
                .fix("move the name servers and search domains to systemd-resolved (DNS= and Domains= in /etc/systemd/resolved.conf.d/*.conf or the .network file)")
                .with_fact(fact("dns.resolvconf")),
        );
    }
}

/// Rules of a ufw `user.rules` file (its `### tuple ###` comments, one per rule).
fn ufw_rules(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("### tuple ### "))
        .map(|t| t.trim().to_string())
        .collect()
}

/// Rule lines of an nftables script: lines other than comments, braces, table and chain
/// headers, chain types and policies, flush and include.
fn nft_rules(text: &str) -> usize {
    config_lines(text, false)
        .filter(|(_, t)| {
            let w = t.split_whitespace().next().unwrap_or("");
            !matches!(
                w,
                "{" | "}" | "table" | "chain" | "type" | "policy" | "flush" | "include" | "define"
            )
        })
        .count()
}

/// Rule lines (`-A ...`) of an iptables-save file.
fn iptables_rules(text: &str) -> usize {
    text.lines().filter(|l| l.starts_with("-A ")).count()
}

fn firewall(h: &HostCtx, out: &mut Vec<Finding>) {
    let f = h.files;
    // ufw, when enabled.
    if let Some(conf) = f.read_text("/etc/ufw/ufw.conf") {
        let enabled = config_lines(&conf, false).find_map(|(line, t)| {
            t.strip_prefix("ENABLED=").map(|v| {
                (
                    line,
                    v.trim_matches(|c| c == '"' || c == '\'')
                        .eq_ignore_ascii_case("yes"),
                )
            })
        });
        if let Some((line, true)) = enabled {
            let mut rules = Vec::new();
            for r in ["/etc/ufw/user.rules", "/etc/ufw/user6.rules"] {
                if let Some(t) = f.read_text(r) {
                    rules.extend(ufw_rules(&t));
                }
            }
            let mut x = Finding::new(Code::HostFirewallRules, "/etc/ufw/ufw.conf")
                .subject("ufw")
                .message(format!(
                    "ufw is enabled with {} rule(s); {{target}} has no ufw and its VM image runs firewalld",
                    rules.len()
                ))
                .fix("express the rules as firewalld services, ports and rich rules (firewall-cmd --permanent --add-service=NAME, --add-port=PORT/PROTO, --add-rich-rule for sources) and check them with firewall-cmd --list-all")
                .with_fact(fact("fw.ufw"))
                .evidence("line", line.to_string())
                .evidence("rules", rules.len().to_string());
            if !rules.is_empty() {
                x = x.evidence("rule_list", rules.join("; "));
            }
            out.push(x);
        }
    }
    // iptables-persistent.
    for p in ["/etc/iptables/rules.v4", "/etc/iptables/rules.v6"] {
        let Some(t) = f.read_text(p) else { continue };
        let n = iptables_rules(&t);
        if n == 0 {
            continue;
        }
        let v6 = p.ends_with("v6");
        out.push(
            Finding::new(Code::HostFirewallRules, p)
                .subject("iptables-persistent")
                .message(format!(
                    "{n} iptables rule(s) saved for iptables-persistent, which {{target}} does not have: they are not loaded at boot"
                ))
                .fix(format!(
                    "translate them for firewalld (firewall-cmd rich rules) or nftables ({}-restore-translate -f {p}); or install iptables-services, copy the file to /etc/sysconfig/{}, enable iptables and disable firewalld",
                    if v6 { "ip6tables" } else { "iptables" },
                    if v6 { "ip6tables" } else { "iptables" }
                ))
                .with_fact(fact("fw.iptables-persistent"))
                .evidence("rules", n.to_string()),
        );
    }
    // iptables-services (RHEL).
    for p in ["/etc/sysconfig/iptables", "/etc/sysconfig/ip6tables"] {
        let Some(t) = f.read_text(p) else { continue };
        let n = iptables_rules(&t);
        if n == 0 {
            continue;
        }
        out.push(
            Finding::new(Code::HostFirewallRules, p)
                .subject("iptables-services")
                .severity(Severity::Info)
                .message(format!(
                    "{n} iptables rule(s) saved for iptables-services: {{target}}'s VM image runs firewalld instead, so they load only with iptables-services installed"
                ))
                .fix(
                    "install iptables-services ({install} iptables-services), enable iptables (and ip6tables) and disable firewalld; or move the rules to firewalld",
                )
                .with_fact(fact("fw.iptables-services"))
                .evidence("rules", n.to_string()),
        );
    }
    // Debian's nftables.conf.
    const NFT: &str = "/etc/nftables.conf";
    if let Some(t) = f.read_text(NFT) {
        let n = nft_rules(&t);
        if n > 0 {
            out.push(
                Finding::new(Code::HostFirewallRules, NFT)
                    .subject("nftables")
                    .message(format!(
                        "nftables ruleset with {n} rule line(s) in Debian's /etc/nftables.conf: {{target}}'s nftables.service loads /etc/sysconfig/nftables.conf, and its VM image runs firewalld"
                    ))
                    .fix("move the ruleset to /etc/sysconfig/nftables.conf, enable nftables and disable firewalld; or express the rules in firewalld (firewalld owns the ruleset while it runs)")
                    .with_fact(fact("fw.nftables-config"))
                    .evidence("rules", n.to_string()),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ifcfg_static_and_dhcp() {
        let i = parse_ifcfg(
            "ifcfg-eth0",
            "DEVICE=eth0\nBOOTPROTO=none\nONBOOT=yes\nIPADDR=10.0.0.5\nPREFIX=24\nGATEWAY=10.0.0.1\nDNS1=10.0.0.2\nDNS2=10.0.0.3\nDOMAIN=\"corp.example\"\nNM_CONTROLLED=no\nETHTOOL_OPTS=\"-K eth0 tso off\"\n",
        );
        assert_eq!(i.name, "eth0");
        assert_eq!(i.addresses, ["10.0.0.5/24"]);
        assert_eq!(i.dns, ["10.0.0.2", "10.0.0.3"]);
        assert_eq!(i.unconverted.len(), 1);
        assert_eq!(i.unconverted[0].0, 11);
        let d = i.draft_network();
        assert!(d.contains("Name=eth0\n"), "{d}");
        assert!(d.contains("Address=10.0.0.5/24\nGateway=10.0.0.1\nDNS=10.0.0.2\nDNS=10.0.0.3\nDomains=corp.example\n"), "{d}");
        let j = parse_ifcfg(
            "ifcfg-eth1",
            "DEVICE=eth1\nBOOTPROTO=dhcp\nIPADDR1=192.168.1.9\nNETMASK1=255.255.255.0\n",
        );
        assert!(j.dhcp4);
        assert_eq!(j.addresses, ["192.168.1.9/24"]);
        assert!(j.fully_converted());
        let b = parse_ifcfg(
            "ifcfg-bond0",
            "DEVICE=bond0\nTYPE=Bond\nBONDING_MASTER=yes\nBONDING_OPTS=\"mode=802.3ad\"\n",
        );
        assert_eq!(b.kind, "bond");
        assert!(!b.fully_converted());
    }

    #[test]
    fn netmasks() {
        assert_eq!(prefix_of("255.255.255.0"), Some(24));
        assert_eq!(prefix_of("255.255.0.0"), Some(16));
        assert_eq!(prefix_of("255.0.255.0"), None);
        assert_eq!(prefix_of("garbage"), None);
    }

    #[test]
    fn interfaces_stanzas() {
        let v = parse_interfaces(
            "auto lo\niface lo inet loopback\n\nauto eth0\niface eth0 inet static\n  address 10.1.0.4\n  netmask 255.255.255.0\n  gateway 10.1.0.1\n  dns-nameservers 10.1.0.2\n  up ip route add 172.16.0.0/12 via 10.1.0.254\n\niface eth1 inet dhcp\n\nauto bond0\niface bond0 inet manual\n  bond-slaves eth2 eth3\n  bond-mode 802.3ad\n",
        );
        assert_eq!(v.len(), 3);
        let (line, e0) = &v[0];
        assert_eq!(*line, 5);
        assert_eq!(e0.addresses, ["10.1.0.4/24"]);
        assert_eq!(
            e0.routes,
            [("172.16.0.0/12".to_string(), "10.1.0.254".to_string())]
        );
        assert!(e0.fully_converted(), "{e0:?}");
        assert!(!e0.disabled);
        assert!(v[1].1.dhcp4 && v[1].1.disabled);
        assert_eq!(v[2].1.kind, "bond");
        assert_eq!(v[2].1.unconverted.len(), 2);
    }

    #[test]
    fn renderers_and_rules() {
        assert_eq!(
            netplan_renderer("network:\n  version: 2\n  renderer: networkd\n"),
            Some((3, "networkd".into()))
        );
        assert_eq!(netplan_renderer("network:\n  version: 2\n"), None);
        assert_eq!(
            ufw_rules(
                "*filter\n### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in\n-A ufw-user-input -p tcp --dport 22 -j ACCEPT\n"
            ),
            ["allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in"]
        );
        assert_eq!(
            nft_rules(
                "#!/usr/sbin/nft -f\nflush ruleset\ntable inet filter {\n  chain input {\n    type filter hook input priority 0;\n  }\n}\n"
            ),
            0
        );
        assert_eq!(
            nft_rules(
                "table inet filter {\n chain input {\n  type filter hook input priority 0; policy drop;\n  tcp dport 22 accept\n }\n}\n"
            ),
            1
        );
        assert_eq!(
            iptables_rules(
                "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n"
            ),
            1
        );
    }
}
