//! Networking that does not carry over (issue 14): interface configuration the target does not
//! read (RHEL ifcfg files, Debian's /etc/network/interfaces, netplan YAML without netplan,
//! NetworkManager profiles on an image that runs systemd-networkd), name resolution
//! (/etc/resolv.conf written by hand, resolvconf, the removed `inet6` option) and firewall rules
//! (ufw, iptables-persistent, iptables-services, Debian's nftables.conf). Each interface of the
//! ifcfg, ifupdown and netplan files (read into one model by
//! [`crate::inventory::hostconf::network`]) is one finding, and gets generated files
//! ([`super::host_network_files`]): systemd-networkd `.network`/`.netdev` files (the target
//! image's network manager) and a NetworkManager keyfile, in the report as diffs and written by
//! `--write-fixes`; what is not converted is listed with its line. systemd-networkd files and
//! firewalld zones carry over and are not reported. Facts: knowledge/host-config/network.tsv.

use super::host_ctx::{HostCtx, WithFact, fact};
use super::host_network_files::files_for;
use super::interface::{Area, Check, Input, Meta, Needs, Output, Sink};
use crate::findings::{Code, Finding, Severity};
use crate::inventory::Node;
use crate::inventory::file_name;
use crate::inventory::hostconf::config_lines;
use crate::inventory::hostconf::network::{
    Iface, Ipv6, Kind, apply_global_gateways, netplan_renderer, parse_ifcfg, parse_interfaces,
    parse_keyfile, parse_netplan, parse_routes, parse_yaml,
};
use crate::report::model::GeneratedFile;

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
        let (findings, files) = check(host);
        out.extend(findings.into_iter().map(|f| host.fill(f)));
        for f in files {
            out.output(Output::Generated(f));
        }
    }
}

pub fn check(h: &HostCtx) -> (Vec<Finding>, Vec<GeneratedFile>) {
    let mut out = Vec::new();
    let mut files = Vec::new();
    ifcfg(h, &mut out, &mut files);
    ifupdown(h, &mut out, &mut files);
    netplan(h, &mut out, &mut files);
    networkmanager(h, &mut out, &mut files);
    resolv_conf(h, &mut out);
    firewall(h, &mut out);
    out.sort();
    out.dedup_by(|a, b| a.key() == b.key());
    // Two sources naming one interface: the first (in path order) keeps the file.
    files.sort_by(|a, b| a.path.cmp(&b.path).then(a.from.cmp(&b.from)));
    files.dedup_by(|a, b| a.path == b.path);
    (out, files)
}

/// Where an interface's configuration comes from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Ifcfg,
    Ifupdown,
    Netplan,
    /// A NetworkManager profile: it carries over, but the image runs systemd-networkd.
    Keyfile,
}

impl Format {
    fn name(self) -> &'static str {
        match self {
            Format::Ifcfg => "ifcfg",
            Format::Ifupdown => "ifupdown",
            Format::Netplan => "netplan",
            Format::Keyfile => "keyfile",
        }
    }
    fn fact(self) -> &'static str {
        match self {
            Format::Ifcfg => "net.ifcfg",
            Format::Ifupdown => "net.ifupdown",
            Format::Netplan => "net.netplan",
            Format::Keyfile => "net.networkmanager",
        }
    }
}

/// The program the target's image configures its network with (`net.image-manager`:
/// systemd-networkd or NetworkManager); the generated files name their program the same way.
fn image_manager() -> &'static str {
    fact("net.image-manager").map_or("systemd-networkd", |f| f.value)
}

/// The other of the two programs files are generated for.
fn other_manager(m: &str) -> &'static str {
    if m == "NetworkManager" {
        "systemd-networkd"
    } else {
        "NetworkManager"
    }
}

/// Report every interface of one format's configuration (path, interface), with its files.
fn interfaces(
    format: Format,
    set: Vec<(String, Iface)>,
    out: &mut Vec<Finding>,
    generated: &mut Vec<GeneratedFile>,
) {
    let (paths, ifaces): (Vec<String>, Vec<Iface>) = set.into_iter().unzip();
    for (p, i) in paths.iter().zip(&ifaces) {
        interface(p, format, i, &ifaces, out, generated);
    }
}

/// The finding for one interface of `set` configured in `path`, and its generated files.
fn interface(
    path: &str,
    format: Format,
    i: &Iface,
    set: &[Iface],
    out: &mut Vec<Finding>,
    generated: &mut Vec<GeneratedFile>,
) {
    let (files, notes) = files_for(i, set, path, format != Format::Keyfile);
    let role = match &i.controller {
        Some(c) => format!(", port of {c}"),
        None => addressing(i),
    };
    let left = i.unconverted.len() + notes.len();
    let name = i.name.clone();
    let mut x = Finding::new(Code::HostNetworkConfig, path)
        .subject(&name)
        .message(format!(
            "{} ({}{role}) is configured in {}{}",
            if format == Format::Keyfile {
                format!("NetworkManager connection of interface {name}")
            } else {
                format!("{} interface {name}", format.name())
            },
            i.kind.as_str(),
            if format == Format::Keyfile {
                format!(
                    "a profile {{target}}'s VM image does not apply: it runs {}, not NetworkManager",
                    image_manager()
                )
            } else {
                "a file {target} does not read".to_string()
            },
            if left == 0 {
                String::new()
            } else {
                format!("; {left} setting(s) not converted")
            }
        ))
        .with_fact(fact(format.fact()))
        .evidence("format", format.name())
        .evidence("interface", &name)
        .evidence("kind", i.kind.as_str());
    let (image, other) = (image_manager(), other_manager(image_manager()));
    let of = |m: &str| {
        files
            .iter()
            .filter(|f| f.manager == m)
            .map(|f| f.path.as_str())
            .collect::<Vec<_>>()
            .join(" and ")
    };
    let mut fix = match (of(image), of(other)) {
        (own, o) if !own.is_empty() && o.is_empty() => format!(
            "--write-fixes writes {own} for {image} (the image's network manager); or keep the profile (mode 0600, owned by root), {{install}} NetworkManager, enable it and disable {image}"
        ),
        (own, o) if !own.is_empty() => format!(
            "--write-fixes writes {own} for {image} (the image's network manager) and {o} for {other} (to use it instead: {{install}} {other}, enable it, disable {image}); copy one of the two to the target"
        ),
        (_, o) if !o.is_empty() => format!(
            "--write-fixes writes {o} for {other}; the profile carries over for {image}"
        ),
        _ if i.kind == Kind::Team => "convert the team to a bond (nmcli connection migrate cannot; teamd is deprecated in RHEL 9): define a bond with the same ports and runner settings".to_string(),
        _ => "configure the interface by hand with systemd.network(5) or nmcli: no file could be generated from this configuration".to_string(),
    };
    if left > 0 && !files.is_empty() {
        fix.push_str("; settle the settings listed as not converted by hand");
    }
    if format == Format::Ifcfg {
        fix.push_str("; on a RHEL 9 source that keeps NetworkManager, nmcli connection migrate writes the keyfiles there too");
    }
    x = x.fix(fix);
    if i.line > 0 {
        x = x.evidence("line", i.line.to_string());
    }
    if !files.is_empty() {
        let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        x = x.evidence("generated", paths.join(" "));
    }
    if !i.unconverted.is_empty() {
        let list: Vec<String> = i
            .unconverted
            .iter()
            .map(|(l, t)| {
                if *l > 0 {
                    format!("{l}: {t}")
                } else {
                    t.clone()
                }
            })
            .collect();
        x = x.evidence("not_converted", list.join("; "));
    }
    if !notes.is_empty() {
        x = x.evidence("notes", notes.join("; "));
    }
    if i.disabled {
        x = x.severity(Severity::Info).evidence("onboot", "no");
    }
    out.push(x);
    for f in files {
        generated.push(GeneratedFile::new(
            &f.path, path, f.manager, f.mode, f.content,
        ));
    }
}

fn addressing(i: &Iface) -> String {
    let mut v = Vec::new();
    if i.dhcp4 {
        v.push("DHCPv4".to_string());
    }
    match i.ipv6 {
        Ipv6::Dhcp => v.push("DHCPv6".to_string()),
        Ipv6::Auto => v.push("IPv6 autoconfiguration".to_string()),
        _ => {}
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

fn ifcfg(h: &HostCtx, out: &mut Vec<Finding>, generated: &mut Vec<GeneratedFile>) {
    const DIR: &str = "/etc/sysconfig/network-scripts";
    let f = h.files;
    let mut set: Vec<(String, Iface)> = Vec::new();
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
        if i.name == "lo" {
            continue;
        }
        let v6 = format!("{DIR}/route6-{dev}");
        for route in [format!("{DIR}/route-{dev}"), v6] {
            if let Some(rt) = f.read_text(&route) {
                parse_routes(&rt, &mut i);
            }
        }
        i.unconverted.sort();
        set.push((p, i));
    }
    // The global gateway of /etc/sysconfig/network serves one of them.
    const GLOBAL: &str = "/etc/sysconfig/network";
    if !set.is_empty()
        && let Some(text) = f.read_text(GLOBAL)
    {
        let (paths, mut ifaces): (Vec<String>, Vec<Iface>) = set.into_iter().unzip();
        let left = apply_global_gateways(&mut ifaces, &text);
        set = paths.into_iter().zip(ifaces).collect();
        for (line, t) in left {
            out.push(
                Finding::new(Code::HostNetworkConfig, GLOBAL)
                    .subject("GATEWAY")
                    .message(format!("{t}: the default route is not in any generated file"))
                    .fix("add the gateway to the interface that reaches it (Gateway= in its .network file, or address1=ADDR/PREFIX,GATEWAY in its keyfile)")
                    .with_fact(fact("net.ifcfg"))
                    .evidence("format", "ifcfg")
                    .evidence("line", line.to_string()),
            );
        }
    }
    interfaces(Format::Ifcfg, set, out, generated);
}

fn ifupdown(h: &HostCtx, out: &mut Vec<Finding>, generated: &mut Vec<GeneratedFile>) {
    let f = h.files;
    let mut files = vec!["/etc/network/interfaces".to_string()];
    files.extend(f.files_in("/etc/network/interfaces.d", ""));
    let mut set: Vec<(String, Iface)> = Vec::new();
    for p in files {
        let Some(text) = f.read_text(&p) else {
            continue;
        };
        set.extend(parse_interfaces(&text).into_iter().map(|i| (p.clone(), i)));
    }
    interfaces(Format::Ifupdown, set, out, generated);
}

fn netplan(h: &HostCtx, out: &mut Vec<Finding>, generated: &mut Vec<GeneratedFile>) {
    let f = h.files;
    let mut files = f.files_in("/etc/netplan", ".yaml");
    files.extend(f.files_in("/etc/netplan", ".yml"));
    files.sort();
    let mut set: Vec<(String, Iface)> = Vec::new();
    for p in files {
        let Some(text) = f.read_text(&p) else {
            continue;
        };
        let docs = match parse_yaml(&text) {
            Ok(d) => d,
            Err(e) => {
                f.diagnose(
                    &p,
                    format!("not valid YAML ({e}): its interfaces are not judged"),
                );
                out.push(
                    Finding::new(Code::HostNetworkConfig, &p)
                        .subject(file_name(&p))
                        .message("netplan configuration that is not valid YAML: netplan would refuse it too, and {target}'s images have no netplan")
                        .fix("fix the file on the source and scan again, or configure the interfaces by hand with systemd.network(5)")
                        .with_fact(fact("net.netplan"))
                        .evidence("format", "netplan")
                        .evidence("error", e),
                );
                continue;
            }
        };
        let renderer = docs.iter().find_map(netplan_renderer);
        // cloud-init writes 50-cloud-init.yaml from the cloud's metadata; the target's cloud-init
        // (in its VM image) writes its own configuration.
        let cloud_init = file_name(&p).contains("cloud-init")
            || text.contains("generated from information provided by the datasource");
        if cloud_init {
            let mut x = Finding::new(Code::HostNetworkConfig, &p)
                .subject(file_name(&p))
                .severity(Severity::Info)
                .message("netplan configuration written by cloud-init: on {target} cloud-init writes the network configuration for the image's own network manager")
                .fix("nothing to carry: leave the file out of the move and let cloud-init configure the network on the target")
                .with_fact(fact("net.netplan"))
                .evidence("format", "netplan")
                .evidence("written_by", "cloud-init");
            if let Some((line, r)) = &renderer {
                x = x.evidence("renderer", r).evidence("line", line.to_string());
            }
            out.push(x);
            continue;
        }
        for doc in &docs {
            for i in parse_netplan(doc) {
                // netplan merges files in name order: a later definition of an interface wins.
                set.retain(|(_, o)| i.name.is_empty() || o.name != i.name);
                set.push((p.clone(), i));
            }
        }
    }
    interfaces(Format::Netplan, set, out, generated);
}

fn networkmanager(h: &HostCtx, out: &mut Vec<Finding>, generated: &mut Vec<GeneratedFile>) {
    let f = h.files;
    let mut set: Vec<(String, Iface)> = Vec::new();
    for p in f.files_in("/etc/NetworkManager/system-connections", "") {
        let name = file_name(&p);
        if name.ends_with('~') {
            continue;
        }
        let Some(text) = f.read_text(&p) else {
            continue;
        };
        // An image that runs NetworkManager applies the profile as it is.
        if image_manager() == "NetworkManager" {
            continue;
        }
        let i = parse_keyfile(&text);
        if i.kind.convertible() {
            set.push((p, i));
            continue;
        }
        // Wi-Fi, VPN, WireGuard, team...: the profile is kept for NetworkManager.
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
                    "NetworkManager connection {id} ({ty}): {{target}}'s VM image runs {}, not NetworkManager, so the profile is not applied unless NetworkManager is installed",
                    image_manager()
                ))
                .fix(format!(
                    "install and enable NetworkManager ({{install}} NetworkManager; systemctl enable NetworkManager) and disable {0}, keeping the profile (mode 0600, owned by root); or write the connection for {0}",
                    image_manager()
                ))
                .with_fact(fact("net.networkmanager"))
                .evidence("format", "keyfile")
                .evidence("type", ty),
        );
    }
    interfaces(Format::Keyfile, set, out, generated);
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
        // NetworkManager's own file: the target's image does not run NetworkManager.
        Some(Node::Symlink(target)) if target.contains("/NetworkManager/") => {
            out.push(networkmanager_resolv(PATH).evidence("link", target));
        }
        // A link to systemd-resolved's file follows the manager.
        Some(Node::Symlink(_)) => {}
        // Plain files are not in the walk's node map (only judged objects are).
        None | Some(Node::File(_)) => {
            let text = f.read_text(PATH).unwrap_or_default();
            let managed = text.contains("systemd-resolved") || text.contains("NetworkManager");
            if text.contains("Generated by NetworkManager") {
                out.push(networkmanager_resolv(PATH).evidence("written_by", "NetworkManager"));
            }
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

/// /etc/resolv.conf as NetworkManager writes it (a file or a link to its own).
fn networkmanager_resolv(path: &str) -> Finding {
    Finding::new(Code::HostDnsConfig, path)
        .subject("NetworkManager")
        .severity(Severity::Info)
        .message("/etc/resolv.conf is written by NetworkManager: on {target} systemd-resolved manages name resolution, and a copy of this file would bypass it")
        .fix("do not carry /etc/resolv.conf; the name servers the interfaces set are in the generated .network files (DNS=), and global ones go to /etc/systemd/resolved.conf.d/dns.conf")
        .with_fact(fact("dns.resolved"))
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
    firewalld(h, out);
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

/// Rules of a firewalld zone or policy file: its rich rules (`<rule>`, whatever they hold) and
/// the `<service>`, `<port>`, `<forward-port>`, `<source-port>`, `<protocol>` and `<source>`
/// elements outside them.
fn firewalld_rules(xml: &str) -> usize {
    let mut rest = String::new();
    let mut rich = 0;
    let mut s = xml;
    while let Some(a) = s.find("<rule") {
        rest.push_str(&s[..a]);
        rich += 1;
        let tail = &s[a..];
        // `<rule .../>` or `<rule ...>...</rule>`.
        let end = match (tail.find("/>"), tail.find('>'), tail.find("</rule>")) {
            (Some(sc), Some(gt), _) if sc + 1 == gt => sc + 2,
            (_, _, Some(close)) => close + "</rule>".len(),
            _ => tail.len(),
        };
        s = &tail[end..];
    }
    rest.push_str(s);
    rich + [
        "<service ",
        "<port ",
        "<forward-port ",
        "<source-port ",
        "<protocol ",
        "<source ",
    ]
    .iter()
    .map(|t| rest.matches(t).count())
    .sum::<usize>()
}

/// firewalld's own configuration carries over (the target runs firewalld); settings and the
/// direct interface its 2.x release dropped or deprecated are named.
fn firewalld(h: &HostCtx, out: &mut Vec<Finding>) {
    const CONF: &str = "/etc/firewalld/firewalld.conf";
    let f = h.files;
    if let Some(conf) = f.read_text(CONF) {
        for (line, t) in config_lines(&conf, false) {
            let Some((k, v)) = t.split_once('=') else {
                continue;
            };
            let (k, v) = (k.trim(), v.trim().trim_matches('"'));
            let bad = match k {
                "AllowZoneDrifting" => v.eq_ignore_ascii_case("yes"),
                "FirewallBackend" => v.eq_ignore_ascii_case("iptables"),
                _ => false,
            };
            if !bad {
                continue;
            }
            out.push(
                Finding::new(Code::HostFirewallRules, CONF)
                    .subject(k)
                    .message(format!(
                        "firewalld is set to {k}={v}, a setting {{target}}'s newer firewalld dropped or deprecated"
                    ))
                    .fix(if k == "AllowZoneDrifting" {
                        "remove the line and bind each source address to the zone that should filter it (firewall-cmd --permanent --zone=Z --add-source=CIDR), so no packet relies on drifting to the interface's zone"
                    } else {
                        "remove the line (firewalld uses nftables) and move any direct rules to policies or rich rules; check with firewall-offline-cmd --check-config on the target"
                    })
                    .with_fact(crate::checks::host_ctx::fact_value("fw.firewalld-setting", k))
                    .evidence("line", line.to_string())
                    .evidence("text", t),
            );
        }
    }
    const DIRECT: &str = "/etc/firewalld/direct.xml";
    if let Some(xml) = f.read_text(DIRECT) {
        let n = xml.matches("<rule").count() + xml.matches("<passthrough").count();
        if n > 0 {
            out.push(
                Finding::new(Code::HostFirewallRules, DIRECT)
                    .subject("direct")
                    .message(format!(
                        "{n} firewalld direct rule(s): the direct interface is deprecated and passes iptables rules to iptables tools {{target}}'s VM image does not install"
                    ))
                    .fix("express the rules as firewalld policies or rich rules (firewall-cmd --permanent --new-policy, --add-rich-rule) and remove direct.xml")
                    .with_fact(fact("fw.firewalld-direct"))
                    .evidence("rules", n.to_string()),
            );
        }
    }
    let mut files = f.files_in("/etc/firewalld/zones", ".xml");
    files.extend(f.files_in("/etc/firewalld/policies", ".xml"));
    let custom: Vec<(String, usize)> = files
        .into_iter()
        .filter_map(|p| {
            let n = f.read_text(&p).map_or(0, |x| firewalld_rules(&x));
            (n > 0).then_some((p, n))
        })
        .collect();
    if !custom.is_empty() {
        let rules: usize = custom.iter().map(|(_, n)| n).sum();
        let names: Vec<&str> = custom.iter().map(|(p, _)| file_name(p)).collect();
        out.push(
            Finding::new(Code::HostFirewallRules, "/etc/firewalld")
                .subject("firewalld")
                .severity(Severity::Info)
                .message(format!(
                    "firewalld zones and policies with {rules} rule(s) ({}): {{target}}'s VM image runs firewalld, which reads them",
                    names.join(", ")
                ))
                .fix("carry /etc/firewalld/zones and /etc/firewalld/policies over, then run firewall-offline-cmd --check-config on the target before firewalld starts with them")
                .with_fact(fact("fw.firewalld"))
                .evidence("rules", rules.to_string())
                .evidence("files", names.join(" ")),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn firewalld_zone_rules() {
        assert_eq!(
            firewalld_rules(
                "<zone><short>Public</short><service name=\"ssh\"/><port protocol=\"tcp\" port=\"8443\"/><rule family=\"ipv4\"><source address=\"10.0.0.0/8\"/><accept/></rule></zone>"
            ),
            3
        );
        assert_eq!(firewalld_rules("<zone><short>Empty</short></zone>"), 0);
        assert_eq!(
            firewalld_rules(
                "<zone><rule family=\"ipv4\"/><source address=\"10.1.0.0/16\"/></zone>"
            ),
            2
        );
    }

    #[test]
    fn firewall_rules() {
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
