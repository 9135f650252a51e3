//! Interface configuration of the source host, read into one model whatever wrote it: RHEL's
//! ifcfg files (with `route-DEV`/`route6-DEV`), Debian's ifupdown `/etc/network/interfaces` and
//! Ubuntu's netplan YAML. The model ([`Iface`]) holds what NetworkManager keyfiles and
//! systemd-networkd files can both say (addresses, DHCP, gateways, routes, DNS, MTU, MAC,
//! bonds, bridges, VLANs and their ports); every setting outside it is kept with its line in
//! [`Iface::unconverted`], so nothing is dropped silently. Nothing is executed, and names that
//! are not valid interface names are refused ([`valid_ifname`]), since they become file names.

use super::config_lines;

/// What an interface is.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    #[default]
    Ethernet,
    Bond,
    Bridge,
    Vlan,
    /// teamd (RHEL): neither systemd-networkd nor a stock NetworkManager keyfile converts it.
    Team,
    /// Anything else the source names (`Wireless`, `InfiniBand`, `wifis`, ...).
    Other(String),
}

impl Kind {
    pub fn as_str(&self) -> &str {
        match self {
            Kind::Ethernet => "ethernet",
            Kind::Bond => "bond",
            Kind::Bridge => "bridge",
            Kind::Vlan => "vlan",
            Kind::Team => "team",
            Kind::Other(s) => s,
        }
    }

    /// Whether the generated files can describe it.
    pub fn convertible(&self) -> bool {
        matches!(
            self,
            Kind::Ethernet | Kind::Bond | Kind::Bridge | Kind::Vlan
        )
    }
}

/// A static route.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Route {
    /// `ADDRESS/PREFIX` (`default` is written as `0.0.0.0/0` or `::/0`).
    pub dest: String,
    pub via: Option<String>,
    pub metric: Option<u32>,
}

/// How IPv6 is configured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Ipv6 {
    /// The source does not say: each manager's default applies.
    #[default]
    Unset,
    /// Router advertisements (SLAAC, and DHCPv6 when the router says so).
    Auto,
    /// DHCPv6.
    Dhcp,
    /// Static addresses only.
    Static,
    /// Turned off.
    Off,
}

/// One interface as the source configures it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Iface {
    pub name: String,
    pub kind: Kind,
    /// The line its definition starts on (0: the whole file).
    pub line: usize,
    /// The MAC address the configuration is bound to (HWADDR, `match: macaddress`).
    pub mac: Option<String>,
    pub dhcp4: bool,
    pub ipv6: Ipv6,
    /// `ADDRESS/PREFIX`, IPv4 and IPv6.
    pub addresses: Vec<String>,
    pub gateway4: Option<String>,
    pub gateway6: Option<String>,
    /// Never the default route (ifcfg `DEFROUTE=no`).
    pub never_default: bool,
    /// Name servers from DHCP are ignored (ifcfg `PEERDNS=no`, netplan `use-dns: false`).
    pub ignore_auto_dns: bool,
    pub dns: Vec<String>,
    pub domains: Vec<String>,
    pub routes: Vec<Route>,
    pub mtu: Option<u32>,
    /// Configured but not brought up at boot.
    pub disabled: bool,
    /// Boot does not wait for it (netplan `optional: true`).
    pub optional: bool,
    /// The bond or bridge this interface is a port of.
    pub controller: Option<String>,
    /// VLAN id and parent interface.
    pub vlan: Option<(u16, String)>,
    /// Bond options by their kernel names (`mode`, `miimon`, `lacp_rate`, ...) or bridge
    /// options (`stp`, `forward_delay`, `priority`, `hello_time`, `max_age`, `ageing_time`).
    pub options: Vec<(String, String)>,
    /// The firewalld zone (ifcfg `ZONE=`).
    pub zone: Option<String>,
    /// A name pattern (`en*`) the configuration matches instead of one name (netplan
    /// `match: name:`); the files are named after [`Iface::name`], the definition's id.
    pub match_glob: Option<String>,
    /// The host name sent to the DHCP server (ifcfg `DHCP_HOSTNAME`).
    pub dhcp_hostname: Option<String>,
    /// (line, text) of settings not converted, with why when it is not obvious.
    pub unconverted: Vec<(usize, String)>,
}

impl Iface {
    fn new(name: &str, line: usize) -> Self {
        Iface {
            name: name.to_string(),
            line,
            ..Iface::default()
        }
    }

    fn not_converted(&mut self, line: usize, text: impl Into<String>) {
        self.unconverted.push((line, text.into()));
    }

    fn set_option(&mut self, k: &str, v: &str) {
        self.options.retain(|(o, _)| o != k);
        self.options.push((k.to_string(), v.to_string()));
    }

    /// An option's value.
    pub fn option(&self, k: &str) -> Option<&str> {
        self.options
            .iter()
            .find(|(o, _)| o == k)
            .map(|(_, v)| v.as_str())
    }

    /// Whether it has an address of its own (a bond or bridge port has none).
    pub fn addressed(&self) -> bool {
        self.dhcp4 || !self.addresses.is_empty() || !matches!(self.ipv6, Ipv6::Unset | Ipv6::Off)
    }

    fn finish(&mut self) {
        if self.kind == Kind::Vlan
            && self.vlan.is_none()
            && let Some((parent, id)) = self.name.rsplit_once('.')
            && let Ok(id) = id.parse::<u16>()
        {
            self.vlan = Some((id, parent.to_string()));
        }
        if self.kind == Kind::Vlan && self.vlan.is_none() {
            let l = self.line;
            self.not_converted(l, "VLAN without an id or parent interface");
        }
        if self.ipv6 == Ipv6::Unset && self.addresses.iter().any(|a| a.contains(':')) {
            self.ipv6 = Ipv6::Static;
        }
        self.sanitize();
        self.unconverted.sort();
        self.unconverted.dedup();
    }

    /// Keep only values that are what they claim to be (addresses, names, plain words): a value
    /// from the source is written into generated files, so one with a line break or a stray
    /// character could add settings of its own. What is refused is listed as not converted.
    fn sanitize(&mut self) {
        let l = self.line;
        let mut bad: Vec<String> = Vec::new();
        let mut keep = |what: &str, v: &str, ok: bool| {
            if !ok {
                bad.push(format!("{what} {v:?} (not a valid value)"));
            }
            ok
        };
        self.addresses.retain(|a| keep("address", a, is_cidr(a)));
        self.dns.retain(|d| keep("name server", d, is_ip(d)));
        self.domains
            .retain(|d| keep("search domain", d, is_domain(d)));
        for g in [&mut self.gateway4, &mut self.gateway6] {
            if g.as_deref().is_some_and(|v| !keep("gateway", v, is_ip(v))) {
                *g = None;
            }
        }
        if self
            .zone
            .as_deref()
            .is_some_and(|z| !keep("firewalld zone", z, is_word(z)))
        {
            self.zone = None;
        }
        if self
            .dhcp_hostname
            .as_deref()
            .is_some_and(|h| !keep("DHCP host name", h, is_domain(h)))
        {
            self.dhcp_hostname = None;
        }
        if self.match_glob.as_deref().is_some_and(|g| {
            !keep(
                "name pattern",
                g,
                !g.is_empty()
                    && g.len() <= 64
                    && g.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"*?[]._-".contains(&b)),
            )
        }) {
            self.match_glob = None;
        }
        if self
            .controller
            .as_deref()
            .is_some_and(|c| !keep("controller", c, valid_ifname(c)))
        {
            self.controller = None;
        }
        if self
            .vlan
            .as_ref()
            .is_some_and(|(_, p)| !keep("VLAN parent", p, valid_ifname(p)))
        {
            self.vlan = None;
        }
        self.options.retain(|(k, v)| {
            keep(
                &format!("option {k}"),
                v,
                is_word(k)
                    && !v.is_empty()
                    && v.len() <= 256
                    && v.bytes()
                        .all(|b| b.is_ascii_graphic() && b != b'[' && b != b']' && b != b';'),
            )
        });
        for b in bad {
            self.not_converted(l, b);
        }
    }
}

/// A host or domain name: letters, digits, `-`, `_` and `.`, at most 253 bytes.
fn is_domain(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_')
}

/// A plain word (`[A-Za-z0-9_.+-]`), as option names, values and zone names are.
fn is_word(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.+-".contains(&b))
}

/// Whether `name` can be an interface name (and so a file name): 1 to 15 bytes (the kernel's
/// limit) of letters, digits, `.`, `_` and `-`, not `.` or `..`. The kernel allows more, but
/// a `*`, `?` or `[` would be a pattern in systemd-networkd's `Name=`, and a `;` a list in a
/// keyfile.
pub fn valid_ifname(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 15
        && name != "."
        && name != ".."
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

/// A netmask (`255.255.255.0`) as a prefix length.
pub fn prefix_of(mask: &str) -> Option<u32> {
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

/// Whether `s` is an IPv4 or IPv6 address (no prefix).
pub fn is_ip(s: &str) -> bool {
    s.parse::<std::net::IpAddr>().is_ok()
}

/// `ADDRESS/PREFIX` with a valid address and prefix.
pub fn is_cidr(s: &str) -> bool {
    let Some((a, p)) = s.split_once('/') else {
        return false;
    };
    let Ok(ip) = a.parse::<std::net::IpAddr>() else {
        return false;
    };
    let max = if ip.is_ipv4() { 32 } else { 128 };
    p.parse::<u32>().is_ok_and(|p| p <= max)
}

fn unquote(v: &str) -> String {
    let v = v.trim();
    v.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .or_else(|| v.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')))
        .unwrap_or(v)
        .to_string()
}

fn yes(v: &str) -> bool {
    matches!(
        v.to_ascii_lowercase().as_str(),
        "yes" | "true" | "on" | "1" | "y"
    )
}

/// The kernel's names of the bond modes, by number.
const BOND_MODES: &[&str] = &[
    "balance-rr",
    "active-backup",
    "balance-xor",
    "broadcast",
    "802.3ad",
    "balance-tlb",
    "balance-alb",
];

/// A bond option as the kernel names it; modes given by number become names.
fn bond_option(i: &mut Iface, line: usize, k: &str, v: &str) {
    let k = k.replace('-', "_");
    let v = if k == "mode" {
        v.parse::<usize>()
            .ok()
            .and_then(|n| BOND_MODES.get(n))
            .map_or(v.to_string(), |m| m.to_string())
    } else {
        v.to_string()
    };
    if k == "mode" && !BOND_MODES.contains(&v.as_str()) {
        i.not_converted(line, format!("bond mode {v} (not a kernel bond mode)"));
        return;
    }
    if v.is_empty() {
        i.not_converted(line, format!("bond option {k} without a value"));
        return;
    }
    i.set_option(&k, &v);
}

// ---- ifcfg ----------------------------------------------------------------------------------

/// Keys of ifcfg files that need no setting of their own in the generated files (naming, the
/// old scripts' and NetworkManager's bookkeeping, defaults both managers share).
const IFCFG_IGNORED: &[&str] = &[
    "NAME",
    "UUID",
    "NM_CONTROLLED",
    "USERCTL",
    "IPV4_FAILURE_FATAL",
    "IPV6_FAILURE_FATAL",
    "IPV6_DEFROUTE",
    "IPV6_ADDR_GEN_MODE",
    "IPV6_PEERDNS",
    "IPV6_PEERROUTES",
    "PEERROUTES",
    "PROXY_METHOD",
    "BROWSER_ONLY",
    "SLAVE",
    "NOZEROCONF",
    "HOTPLUG",
    "ARPCHECK",
    "AUTOCONNECT_PRIORITY",
    // dhclient kept retrying; both managers do.
    "PERSISTENT_DHCLIENT",
];

/// Parse an ifcfg file (`ifcfg-NAME`: shell `KEY=value` lines).
pub fn parse_ifcfg(file: &str, text: &str) -> Iface {
    let mut i = Iface::new(file.strip_prefix("ifcfg-").unwrap_or(file), 0);
    let mut addrs: Vec<(String, Option<String>, Option<String>, usize)> = Vec::new();
    let mut ipv6init: Option<bool> = None;
    let mut autoconf: Option<bool> = None;
    let mut dhcpv6 = false;
    let mut bridge_port: Option<String> = None;
    let mut physdev: Option<String> = None;
    let mut vlan_id: Option<(usize, String)> = None;
    for (line, t) in config_lines(text, false) {
        let Some((k, v)) = t.split_once('=') else {
            i.not_converted(line, t);
            continue;
        };
        let k = k.trim().trim_start_matches("export ").trim();
        let v = unquote(v);
        let numbered = |base: &str| {
            k.strip_prefix(base)
                .filter(|n| n.chars().all(|c| c.is_ascii_digit()))
                .map(|n| n.to_string())
        };
        match k {
            "DEVICE" => i.name = v,
            "TYPE" | "DEVICETYPE" => match v.to_ascii_lowercase().as_str() {
                "ethernet" => {}
                "bond" => i.kind = Kind::Bond,
                "bridge" => i.kind = Kind::Bridge,
                "vlan" => i.kind = Kind::Vlan,
                "team" | "teamport" => {
                    i.kind = Kind::Team;
                    i.not_converted(line, format!("{t} (teamd: convert to a bond)"));
                }
                other => {
                    i.kind = Kind::Other(other.to_string());
                    i.not_converted(line, t);
                }
            },
            "ONBOOT" => i.disabled = !yes(&v),
            "BOOTPROTO" => match v.to_ascii_lowercase().as_str() {
                "dhcp" | "bootp" => i.dhcp4 = true,
                "none" | "static" | "" => {}
                _ => i.not_converted(line, t),
            },
            "DHCPV6C" => dhcpv6 = yes(&v),
            "IPV6INIT" => ipv6init = Some(yes(&v)),
            "IPV6_AUTOCONF" => autoconf = Some(yes(&v)),
            "IPV6ADDR" => i.addresses.push(v),
            "IPV6ADDR_SECONDARIES" => i.addresses.extend(v.split_whitespace().map(String::from)),
            "GATEWAY" => i.gateway4 = Some(v),
            "IPV6_DEFAULTGW" => {
                i.gateway6 = Some(v.split('%').next().unwrap_or_default().to_string())
            }
            "DEFROUTE" => i.never_default = !yes(&v),
            "PEERDNS" => i.ignore_auto_dns = !yes(&v),
            "MTU" => match v.parse() {
                Ok(m) => i.mtu = Some(m),
                Err(_) => i.not_converted(line, t),
            },
            "HWADDR" => i.mac = Some(v.to_ascii_lowercase()),
            "DHCP_HOSTNAME" if !v.is_empty() => i.dhcp_hostname = Some(v),
            "DOMAIN" => i.domains.extend(v.split_whitespace().map(String::from)),
            "ZONE" if !v.is_empty() => i.zone = Some(v),
            "ZONE" => {}
            "BONDING_MASTER" if yes(&v) => i.kind = Kind::Bond,
            "BONDING_MASTER" => {}
            "BONDING_OPTS" => {
                i.kind = Kind::Bond;
                for kv in v.split_whitespace() {
                    match kv.split_once('=') {
                        Some((bk, bv)) => bond_option(&mut i, line, bk, bv),
                        None => i.not_converted(line, format!("BONDING_OPTS {kv}")),
                    }
                }
            }
            "MASTER" => i.controller = Some(v),
            "BRIDGE" => bridge_port = Some(v),
            "STP" => i.set_option("stp", if yes(&v) { "yes" } else { "no" }),
            "DELAY" => i.set_option("forward_delay", &v),
            "BRIDGING_OPTS" => {
                for kv in v.split_whitespace() {
                    match kv.split_once('=') {
                        Some((bk, bv)) if BRIDGE_OPTIONS.contains(&bk) => i.set_option(bk, bv),
                        _ => i.not_converted(line, format!("BRIDGING_OPTS {kv}")),
                    }
                }
            }
            "VLAN" if yes(&v) => i.kind = Kind::Vlan,
            "VLAN" => {}
            "PHYSDEV" => physdev = Some(v),
            "VLAN_ID" => vlan_id = Some((line, v)),
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
                    i.not_converted(line, t);
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
            .find_map(|a| (&a.0 == n).then(|| a.1.clone()).flatten());
        let pfx = addrs
            .iter()
            .find_map(|a| (&a.0 == n).then(|| a.2.clone()).flatten());
        let line = addrs.iter().find(|a| &a.0 == n).map_or(0, |a| a.3);
        match (ip, pfx) {
            (Some(ip), Some(p)) => i.addresses.push(format!("{ip}/{p}")),
            // initscripts' default: the class of the address; said, not guessed.
            (Some(ip), None) => {
                i.not_converted(line, format!("IPADDR{n}={ip} (no PREFIX{n} or NETMASK{n})"))
            }
            _ => {}
        }
    }
    if let Some(b) = bridge_port {
        i.controller = Some(b);
    }
    if i.kind == Kind::Vlan {
        match (physdev, vlan_id) {
            (Some(p), Some((line, id))) => match id.parse() {
                Ok(id) => i.vlan = Some((id, p)),
                Err(_) => i.not_converted(line, format!("VLAN_ID={id}")),
            },
            (None, Some((line, id))) => {
                if let (Some((p, _)), Ok(id)) = (i.name.rsplit_once('.'), id.parse()) {
                    i.vlan = Some((id, p.to_string()));
                } else {
                    i.not_converted(line, format!("VLAN_ID={id} without PHYSDEV"));
                }
            }
            _ => {}
        }
    }
    i.ipv6 = match (ipv6init, dhcpv6, autoconf) {
        (Some(false), ..) => Ipv6::Off,
        (_, true, _) => Ipv6::Dhcp,
        (_, _, Some(true)) => Ipv6::Auto,
        _ if i.addresses.iter().any(|a| a.contains(':')) => Ipv6::Static,
        (Some(true), _, None) => Ipv6::Auto,
        _ => Ipv6::Unset,
    };
    i.finish();
    i
}

/// Whether the IPv4 `gw` is in the network of `cidr` (`ADDRESS/PREFIX`).
fn in_subnet(cidr: &str, gw: &str) -> bool {
    let (Some((a, p)), Ok(g)) = (cidr.split_once('/'), gw.parse::<std::net::Ipv4Addr>()) else {
        return false;
    };
    let (Ok(a), Ok(p)) = (a.parse::<std::net::Ipv4Addr>(), p.parse::<u32>()) else {
        return false;
    };
    let mask = if p == 0 {
        0
    } else {
        u32::MAX << (32 - p.min(32))
    };
    u32::from(a) & mask == u32::from(g) & mask
}

/// Apply RHEL's global `/etc/sysconfig/network` gateways (`GATEWAY`, `GATEWAYDEV`,
/// `IPV6_DEFAULTGW`, `IPV6_DEFAULTDEV`) to the interfaces of `set` they serve, as the old
/// scripts and NetworkManager's ifcfg plugin did: to the named device, else to the interface
/// whose IPv4 network holds the gateway. Returns the lines that name a gateway no interface
/// takes (an interface's own gateway wins).
pub fn apply_global_gateways(set: &mut [Iface], text: &str) -> Vec<(usize, String)> {
    let mut vals: std::collections::BTreeMap<&str, (usize, String)> = Default::default();
    for (line, t) in config_lines(text, false) {
        if let Some((k, v)) = t.split_once('=') {
            vals.insert(k.trim(), (line, unquote(v)));
        }
    }
    let mut left = Vec::new();
    if let Some((line, gw)) = vals.get("GATEWAY").filter(|(_, g)| is_ip(g)) {
        let dev = vals.get("GATEWAYDEV").map(|(_, d)| d.as_str());
        let target = set.iter_mut().find(|i| match dev {
            Some(d) => i.name == d,
            None => i.addresses.iter().any(|a| in_subnet(a, gw)),
        });
        match target {
            Some(i) if i.gateway4.is_none() && !i.never_default => i.gateway4 = Some(gw.clone()),
            Some(_) => {}
            None => left.push((
                *line,
                format!("GATEWAY={gw} (no interface configured here serves it)"),
            )),
        }
    }
    if let Some((line, gw)) = vals
        .get("IPV6_DEFAULTGW")
        .filter(|(_, g)| is_ip(g.split('%').next().unwrap_or_default()))
    {
        let (addr, dev_in) = match gw.split_once('%') {
            Some((a, d)) => (a.to_string(), Some(d.to_string())),
            None => (gw.clone(), None),
        };
        let dev = dev_in.or_else(|| vals.get("IPV6_DEFAULTDEV").map(|(_, d)| d.clone()));
        match dev.and_then(|d| set.iter_mut().find(|i| i.name == d)) {
            Some(i) if i.gateway6.is_none() => i.gateway6 = Some(addr),
            Some(_) => {}
            None => left.push((
                *line,
                format!("IPV6_DEFAULTGW={gw} (no device named for it)"),
            )),
        }
    }
    left
}

/// Bridge options the model keeps (ifcfg `BRIDGING_OPTS` names).
const BRIDGE_OPTIONS: &[&str] = &[
    "stp",
    "forward_delay",
    "priority",
    "hello_time",
    "max_age",
    "ageing_time",
];

/// Static routes of a `route-DEV` or `route6-DEV` file: `DEST [via GW] [metric N] [dev X]`
/// lines, or `ADDRESSn`/`NETMASKn`/`GATEWAYn`/`METRICn` keys.
pub fn parse_routes(text: &str, i: &mut Iface) {
    let mut keyed: std::collections::BTreeMap<String, (usize, [Option<String>; 4])> =
        Default::default();
    for (line, t) in config_lines(text, false) {
        if let Some((k, v)) = t.split_once('=')
            && !k.contains(char::is_whitespace)
        {
            let v = unquote(v);
            let slot = ["ADDRESS", "NETMASK", "GATEWAY", "METRIC"]
                .iter()
                .position(|p| k.starts_with(p) && k[p.len()..].chars().all(|c| c.is_ascii_digit()));
            match slot {
                Some(s) => {
                    let n = k
                        .trim_start_matches(|c: char| c.is_ascii_alphabetic())
                        .to_string();
                    let e = keyed.entry(n).or_insert((line, Default::default()));
                    e.1[s] = Some(v);
                }
                None => i.not_converted(line, t),
            }
            continue;
        }
        let toks: Vec<&str> = t.split_whitespace().collect();
        let Some((dest, rest)) = toks.split_first() else {
            continue;
        };
        let r = route_words(&i.name, dest, rest);
        if r.is_some_and(|r| add_route(i, r)) {
            continue;
        }
        i.not_converted(line, t);
    }
    for (_, (line, [addr, mask, gw, metric])) in keyed {
        let pfx = mask.as_deref().and_then(prefix_of);
        match (addr, pfx) {
            (Some(a), Some(p)) => {
                let r = Route {
                    dest: format!("{a}/{p}"),
                    via: gw,
                    metric: metric.and_then(|m| m.parse().ok()),
                };
                if !add_route(i, r) {
                    i.not_converted(line, format!("route to {a}/{p}"));
                }
            }
            (a, _) => i.not_converted(
                line,
                format!(
                    "route ADDRESS {} without a valid NETMASK",
                    a.unwrap_or_default()
                ),
            ),
        }
    }
}

/// A route from `DEST [via GW] [metric N] [dev NAME]` words (`ip route` and route files); `None`
/// for any other word, or a device other than `name`.
fn route_words(name: &str, dest: &str, rest: &[&str]) -> Option<Route> {
    let mut r = Route {
        dest: dest.to_string(),
        ..Route::default()
    };
    let mut it = rest.iter();
    while let Some(w) = it.next() {
        match (*w, it.next()) {
            ("via", Some(g)) if is_ip(g) => r.via = Some(g.to_string()),
            ("metric", Some(m)) => r.metric = Some(m.parse().ok()?),
            ("dev", Some(d)) if *d == name => {}
            _ => return None,
        }
    }
    Some(r)
}

/// Add a route given as the source writes it; `default via GW` becomes the gateway when there
/// is none yet. False when the destination is not an address with a prefix.
fn add_route(i: &mut Iface, mut r: Route) -> bool {
    if r.dest == "default" || r.dest == "0.0.0.0/0" || r.dest == "::/0" {
        let v6 = r.dest == "::/0" || r.via.as_deref().is_some_and(|g| g.contains(':'));
        let gw = if v6 { &mut i.gateway6 } else { &mut i.gateway4 };
        if gw.is_none() && r.metric.is_none() && r.via.is_some() {
            *gw = r.via;
            return true;
        }
        r.dest = if v6 { "::/0" } else { "0.0.0.0/0" }.into();
    } else if !r.dest.contains('/') && is_ip(&r.dest) {
        let host = if r.dest.contains(':') { 128 } else { 32 };
        r.dest = format!("{}/{host}", r.dest);
    }
    if !is_cidr(&r.dest) {
        return false;
    }
    i.routes.push(r);
    true
}

// ---- NetworkManager keyfiles ------------------------------------------------------------------

/// Keys of a keyfile that need no setting of their own in systemd-networkd's files
/// (NetworkManager's bookkeeping and defaults).
const KEYFILE_IGNORED: &[&str] = &[
    "connection.id",
    "connection.uuid",
    "connection.type",
    "connection.interface-name",
    "connection.timestamp",
    "connection.permissions",
    "connection.autoconnect-priority",
    "connection.autoconnect-retries",
    "connection.auth-retries",
    "connection.secondaries",
    "connection.wait-device-timeout",
    "connection.autoconnect-slaves",
    "connection.autoconnect-ports",
    "connection.master",
    "connection.controller",
    "connection.slave-type",
    "connection.port-type",
    "connection.llmnr",
    "connection.mdns",
    "ethernet.auto-negotiate",
    "ethernet.mac-address-blacklist",
    "ethernet.mac-address-denylist",
    "vlan.flags",
    "vlan.egress-priority-map",
    "vlan.ingress-priority-map",
    "ipv4.may-fail",
    "ipv6.may-fail",
    "ipv4.dhcp-client-id",
    "ipv4.dhcp-timeout",
    "ipv6.addr-gen-mode",
    "ipv6.privacy",
    "ipv6.ip6-privacy",
    "ipv6.dhcp-duid",
    "ipv6.dhcp-iaid",
    "ipv4.dhcp-iaid",
];

/// Parse a NetworkManager keyfile (`/etc/NetworkManager/system-connections/*.nmconnection`).
pub fn parse_keyfile(text: &str) -> Iface {
    let mut i = Iface::default();
    let mut section = String::new();
    let mut v4_method = String::new();
    let mut v6_method = String::new();
    let mut controller: Option<String> = None;
    let mut vlan_id: Option<u16> = None;
    let mut vlan_parent: Option<String> = None;
    let mut addrs: Vec<(usize, String)> = Vec::new();
    let mut routes: Vec<(usize, String)> = Vec::new();
    let mut id = String::new();
    let mut skip = false;
    for (line, t) in config_lines(text, true) {
        if let Some(s) = t.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            section = match s {
                "802-3-ethernet" => "ethernet",
                "802-11-wireless" => "wifi",
                other => other,
            }
            .to_string();
            if matches!(
                section.as_str(),
                "ethernet"
                    | "ipv4"
                    | "ipv6"
                    | "connection"
                    | "bond"
                    | "bridge"
                    | "bridge-port"
                    | "vlan"
                    | "proxy"
                    | "bond-port"
                    | "match"
            ) {
                skip = false;
                continue;
            }
            // A section of its own (wifi, ethtool, 802-1x, ...): kept once, its keys with it.
            skip = true;
            i.not_converted(line, format!("[{section}] (not converted)"));
            continue;
        }
        let Some((k, v)) = t.split_once('=') else {
            continue;
        };
        if skip {
            continue;
        }
        let (k, v) = (k.trim(), v.trim());
        let key = format!("{section}.{k}");
        match (section.as_str(), k) {
            ("connection", "id") => id = v.to_string(),
            ("connection", "interface-name") => i.name = v.to_string(),
            ("connection", "type") => {
                i.kind = match v {
                    "ethernet" | "802-3-ethernet" => Kind::Ethernet,
                    "bond" => Kind::Bond,
                    "bridge" => Kind::Bridge,
                    "vlan" => Kind::Vlan,
                    "team" => Kind::Team,
                    other => Kind::Other(other.to_string()),
                };
                i.line = line;
            }
            ("connection", "autoconnect") => i.disabled = !yes(v),
            ("connection", "master" | "controller") => controller = Some(v.to_string()),
            ("connection", "zone") if !v.is_empty() => i.zone = Some(v.to_string()),
            ("ethernet", "mtu") | ("bond", "mtu") | ("bridge", "mtu") => match v.parse() {
                Ok(0) => {}
                Ok(m) => i.mtu = Some(m),
                Err(_) => i.not_converted(line, format!("[{section}] {t}")),
            },
            ("ethernet", "mac-address") => i.mac = Some(v.to_ascii_lowercase()),
            ("bond", _) => bond_option(&mut i, line, k, v),
            ("bridge", "stp") => i.set_option("stp", if yes(v) { "yes" } else { "no" }),
            ("bridge", "forward-delay" | "priority" | "hello-time" | "max-age" | "ageing-time") => {
                i.set_option(&k.replace('-', "_"), v)
            }
            ("vlan", "id") => match v.parse() {
                Ok(n) => vlan_id = Some(n),
                Err(_) => i.not_converted(line, format!("[vlan] {t}")),
            },
            ("vlan", "parent") => vlan_parent = Some(v.to_string()),
            ("ipv4", "method") => v4_method = v.to_string(),
            ("ipv6", "method") => v6_method = v.to_string(),
            ("ipv4" | "ipv6", "gateway") => {
                if section == "ipv4" {
                    i.gateway4 = Some(v.to_string());
                } else {
                    i.gateway6 = Some(v.to_string());
                }
            }
            ("ipv4" | "ipv6", "dns") => i.dns.extend(
                v.split([';', ','])
                    .map(str::trim)
                    .filter(|d| !d.is_empty())
                    .map(String::from),
            ),
            ("ipv4" | "ipv6", "dns-search") => {
                for d in v.split([';', ',']).map(str::trim).filter(|d| !d.is_empty()) {
                    if !i.domains.iter().any(|x| x == d) {
                        i.domains.push(d.to_string());
                    }
                }
            }
            ("ipv4", "dhcp-hostname") if !v.is_empty() => i.dhcp_hostname = Some(v.to_string()),
            ("match", "interface-name") if !v.trim_end_matches(';').contains(';') => {
                i.match_glob = Some(v.trim_end_matches(';').to_string())
            }
            ("ipv4" | "ipv6", "never-default") => i.never_default |= yes(v),
            ("ipv4" | "ipv6", "ignore-auto-dns") => i.ignore_auto_dns |= yes(v),
            ("ipv4" | "ipv6", _)
                if (k.starts_with("address") || k.starts_with("addresses"))
                    && k.trim_start_matches(|c: char| c.is_ascii_alphabetic())
                        .chars()
                        .all(|c| c.is_ascii_digit()) =>
            {
                addrs.push((line, v.to_string()))
            }
            ("ipv4" | "ipv6", _)
                if k.starts_with("route")
                    && k[5..].chars().all(|c| c.is_ascii_digit())
                    && !k[5..].is_empty() =>
            {
                routes.push((line, v.to_string()))
            }
            ("bridge-port" | "bond-port" | "proxy", _) => {}
            _ if KEYFILE_IGNORED.contains(&key.as_str()) => {}
            _ => i.not_converted(line, format!("[{section}] {t}")),
        }
    }
    if i.name.is_empty() && valid_ifname(&id) && i.mac.is_none() && i.match_glob.is_none() {
        i.name = id.clone();
    }
    if i.name.is_empty() && i.match_glob.is_none() {
        let l = i.line;
        i.not_converted(
            l,
            format!("profile {id} names no interface (interface-name)"),
        );
        i.name = id;
    } else if i.name.is_empty() {
        // Files are named after the profile (a pattern cannot name a file).
        i.name = id
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '-'
                }
            })
            .take(15)
            .collect();
    }
    for (line, a) in addrs {
        // `ADDRESS/PREFIX[,GATEWAY]`; several may be `;`-separated (old keyfiles).
        for one in a.split(';').filter(|x| !x.is_empty()) {
            let mut parts = one.split(',');
            let addr = parts.next().unwrap_or_default().trim();
            let addr = if addr.contains('/') {
                addr.to_string()
            } else if addr.contains(':') {
                format!("{addr}/64")
            } else {
                format!("{addr}/24")
            };
            if !is_cidr(&addr) {
                i.not_converted(line, format!("address {one}"));
                continue;
            }
            if let Some(g) = parts.next().map(str::trim).filter(|g| is_ip(g)) {
                let gw = if g.contains(':') {
                    &mut i.gateway6
                } else {
                    &mut i.gateway4
                };
                gw.get_or_insert_with(|| g.to_string());
            }
            i.addresses.push(addr);
        }
    }
    for (line, r) in routes {
        let mut parts = r.split(',').map(str::trim);
        let dest = parts.next().unwrap_or_default().to_string();
        let via = parts
            .next()
            .filter(|g| is_ip(g) && *g != "0.0.0.0" && *g != "::")
            .map(String::from);
        let metric = parts.next().and_then(|m| m.parse().ok());
        if !add_route(&mut i, Route { dest, via, metric }) {
            i.not_converted(line, format!("route {r}"));
        }
    }
    match v4_method.as_str() {
        "auto" => i.dhcp4 = true,
        "manual" | "disabled" | "" => {}
        other => {
            let l = i.line;
            i.not_converted(l, format!("ipv4.method={other}"));
        }
    }
    i.ipv6 = match v6_method.as_str() {
        "auto" => Ipv6::Auto,
        "dhcp" => Ipv6::Dhcp,
        "manual" => Ipv6::Static,
        "disabled" => Ipv6::Off,
        "ignore" | "" => Ipv6::Unset,
        other => {
            let l = i.line;
            i.not_converted(l, format!("ipv6.method={other}"));
            Ipv6::Unset
        }
    };
    i.controller = controller;
    if i.kind == Kind::Vlan {
        match (vlan_id, vlan_parent) {
            (Some(id), Some(p)) => i.vlan = Some((id, p)),
            _ => {
                let l = i.line;
                i.not_converted(l, "VLAN without an id or parent");
            }
        }
    }
    i.finish();
    i
}

// ---- ifupdown --------------------------------------------------------------------------------

/// The interfaces of an ifupdown file: one per `iface NAME inet|inet6 METHOD` stanza (stanzas
/// of one name merge; the first line is kept).
pub fn parse_interfaces(text: &str) -> Vec<Iface> {
    let mut v: Vec<Iface> = Vec::new();
    let mut cur: Option<usize> = None;
    let mut auto: Vec<String> = Vec::new();
    let mut ports: Vec<(String, String, Kind)> = Vec::new();
    for (line, t) in config_lines(text, false) {
        let toks: Vec<&str> = t.split_whitespace().collect();
        match toks.as_slice() {
            ["auto" | "allow-hotplug" | "allow-auto", names @ ..] => {
                auto.extend(names.iter().map(|s| s.to_string()));
                cur = None;
            }
            ["iface", name, fam, method, ..] => {
                if *name == "lo" {
                    cur = None;
                    continue;
                }
                let idx = match v.iter().position(|i| i.name == *name) {
                    Some(k) => k,
                    None => {
                        let mut i = Iface::new(name, line);
                        if name.contains('.') || name.starts_with("vlan") {
                            i.kind = Kind::Vlan;
                        }
                        v.push(i);
                        v.len() - 1
                    }
                };
                let i = &mut v[idx];
                match (*fam, *method) {
                    ("inet", "dhcp") => i.dhcp4 = true,
                    ("inet6", "dhcp") => i.ipv6 = Ipv6::Dhcp,
                    ("inet6", "auto") => i.ipv6 = Ipv6::Auto,
                    ("inet6", "static") => i.ipv6 = Ipv6::Static,
                    ("inet" | "inet6", "static" | "manual") => {}
                    _ => i.not_converted(line, format!("{fam} method {method}")),
                }
                cur = Some(idx);
            }
            ["iface", ..] => {
                cur = None;
            }
            ["source" | "source-directory" | "mapping" | "rename", ..] => {
                if toks[0] == "mapping" || toks[0] == "rename" {
                    // Not an interface definition: kept, not converted.
                    let mut i = Iface::new(toks.get(1).copied().unwrap_or(toks[0]), line);
                    i.kind = Kind::Other(toks[0].to_string());
                    i.not_converted(line, t);
                    v.push(i);
                }
                cur = None;
            }
            [key, rest @ ..] => {
                let Some(idx) = cur else {
                    continue;
                };
                let i = &mut v[idx];
                let val = rest.join(" ");
                let key = key.to_ascii_lowercase();
                match key.as_str() {
                    "address" => {
                        // Without a `/`, the prefix comes from a netmask line of the stanza.
                        i.addresses.push(val);
                    }
                    "netmask" => {
                        let p = if val.chars().all(|c| c.is_ascii_digit()) {
                            Some(val.clone())
                        } else {
                            prefix_of(&val).map(|p| p.to_string())
                        };
                        match (p, i.addresses.last_mut()) {
                            (Some(p), Some(last)) if !last.contains('/') => {
                                last.push('/');
                                last.push_str(&p);
                            }
                            _ => i.not_converted(line, t),
                        }
                    }
                    "gateway" if val.contains(':') => i.gateway6 = Some(val),
                    "gateway" => i.gateway4 = Some(val),
                    "mtu" => match val.parse() {
                        Ok(m) => i.mtu = Some(m),
                        Err(_) => i.not_converted(line, t),
                    },
                    "hwaddress" => {
                        let mac = rest.last().copied().unwrap_or_default();
                        i.not_converted(
                            line,
                            format!("{t} (sets the MAC address {mac}: set it with the manager's cloned MAC setting)"),
                        );
                    }
                    "dns-nameservers" => i.dns.extend(rest.iter().map(|s| s.to_string())),
                    "dns-search" | "dns-domain" => {
                        i.domains.extend(rest.iter().map(|s| s.to_string()))
                    }
                    "bond-slaves" | "slaves" | "bond_slaves" => {
                        i.kind = Kind::Bond;
                        for p in rest.iter().filter(|p| **p != "none") {
                            ports.push((p.to_string(), i.name.clone(), Kind::Bond));
                        }
                    }
                    "bond-master" | "bond_master" => i.controller = Some(val),
                    "bond-primary" | "bond_primary" => {
                        i.kind = Kind::Bond;
                        bond_option(i, line, "primary", &val)
                    }
                    k if k.starts_with("bond-") || k.starts_with("bond_") => {
                        i.kind = Kind::Bond;
                        bond_option(i, line, &k[5..], &val);
                    }
                    "bridge_ports" | "bridge-ports" => {
                        i.kind = Kind::Bridge;
                        for p in rest.iter().filter(|p| **p != "none") {
                            ports.push((p.to_string(), i.name.clone(), Kind::Bridge));
                        }
                    }
                    "bridge_stp" | "bridge-stp" => {
                        i.kind = Kind::Bridge;
                        i.set_option("stp", if yes(&val) { "yes" } else { "no" });
                    }
                    k if k.starts_with("bridge_") || k.starts_with("bridge-") => {
                        i.kind = Kind::Bridge;
                        let opt = match &k[7..] {
                            "fd" => Some("forward_delay"),
                            "hello" => Some("hello_time"),
                            "maxage" => Some("max_age"),
                            "bridgeprio" => Some("priority"),
                            "ageing" => Some("ageing_time"),
                            _ => None,
                        };
                        match opt {
                            Some(o) if !val.is_empty() => i.set_option(o, &val),
                            _ => i.not_converted(line, t),
                        }
                    }
                    "vlan-raw-device" | "vlan_raw_device" => {
                        i.kind = Kind::Vlan;
                        let digits: String = i
                            .name
                            .chars()
                            .rev()
                            .take_while(|c| c.is_ascii_digit())
                            .collect();
                        let id: String = digits.chars().rev().collect();
                        match id.parse() {
                            Ok(id) => i.vlan = Some((id, val)),
                            Err(_) => i.not_converted(line, t),
                        }
                    }
                    "vlan-id" | "vlan_id" => {
                        i.kind = Kind::Vlan;
                        let parent = i
                            .vlan
                            .take()
                            .map(|(_, p)| p)
                            .or_else(|| i.name.rsplit_once('.').map(|(p, _)| p.to_string()));
                        match (val.parse(), parent) {
                            (Ok(id), Some(p)) => i.vlan = Some((id, p)),
                            _ => i.not_converted(line, t),
                        }
                    }
                    "up" | "post-up" => {
                        // `up ip route add DEST via GW [metric N] [dev X]`
                        let ok = match rest {
                            ["ip", "route" | "-6 route", "add", dest, more @ ..]
                            | ["ip", "-6", "route", "add", dest, more @ ..] => {
                                let name = i.name.clone();
                                route_words(&name, dest, more).is_some_and(|r| add_route(i, r))
                            }
                            _ => false,
                        };
                        if !ok {
                            i.not_converted(line, format!("{t} (a command run at ifup)"));
                        }
                    }
                    "down" | "pre-up" | "pre-down" | "post-down" => {
                        i.not_converted(line, format!("{t} (a command run at ifup/ifdown)"))
                    }
                    _ => i.not_converted(line, t),
                }
            }
            _ => {}
        }
    }
    for (port, ctl, kind) in ports {
        match v.iter_mut().find(|i| i.name == port) {
            Some(i) => i.controller = Some(ctl),
            None => {
                // A port named only on its controller's line: plain ethernet, no address.
                let line = v.iter().find(|i| i.name == ctl).map_or(0, |i| i.line);
                let mut i = Iface::new(&port, line);
                i.controller = Some(ctl);
                if kind == Kind::Bridge || kind == Kind::Bond {
                    v.push(i);
                }
            }
        }
    }
    for i in &mut v {
        if !i.kind.convertible() {
            continue;
        }
        i.disabled = !auto.contains(&i.name) && !v_is_auto_port(&auto, i.controller.as_deref());
        let bare: Vec<String> = i
            .addresses
            .iter()
            .filter(|a| !a.contains('/'))
            .cloned()
            .collect();
        for bad in bare {
            let l = i.line;
            i.not_converted(l, format!("address {bad} without a netmask"));
        }
        i.addresses.retain(|a| a.contains('/'));
        i.finish();
    }
    v
}

/// A port comes up with its controller.
fn v_is_auto_port(auto: &[String], controller: Option<&str>) -> bool {
    controller.is_some_and(|c| auto.iter().any(|a| a == c))
}

// ---- netplan ---------------------------------------------------------------------------------

/// A YAML node with the 1-based line it starts on.
#[derive(Clone, Debug, PartialEq)]
pub enum Yaml {
    Scalar(usize, String),
    Seq(usize, Vec<Yaml>),
    /// Entries with the line of their key.
    Map(usize, Vec<(String, usize, Yaml)>),
    /// An alias or anything else not followed.
    Null(usize),
}

impl Yaml {
    pub fn line(&self) -> usize {
        match self {
            Yaml::Scalar(l, _) | Yaml::Seq(l, _) | Yaml::Map(l, _) | Yaml::Null(l) => *l,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Yaml> {
        match self {
            Yaml::Map(_, kv) => kv.iter().find(|(k, ..)| k == key).map(|(.., v)| v),
            _ => None,
        }
    }

    pub fn str(&self) -> Option<&str> {
        match self {
            Yaml::Scalar(_, s) => Some(s),
            _ => None,
        }
    }

    fn strings(&self) -> Vec<String> {
        match self {
            Yaml::Seq(_, v) => v.iter().filter_map(|y| y.str().map(String::from)).collect(),
            Yaml::Scalar(_, s) => vec![s.clone()],
            _ => Vec::new(),
        }
    }

    /// Key, key line, value.
    fn entries(&self) -> &[(String, usize, Yaml)] {
        match self {
            Yaml::Map(_, kv) => kv,
            _ => &[],
        }
    }
}

/// Builds [`Yaml`] trees from the parser's events (no recursion; aliases are not expanded, so
/// an alias bomb costs nothing). Nesting is bounded by the scanner (255 flow levels) and by the
/// capped read (block levels need indentation), so dropping a tree never recurses deeply.
#[derive(Default)]
struct Builder {
    stack: Vec<(Yaml, Option<(String, usize)>)>,
    docs: Vec<Yaml>,
}

impl Builder {
    fn push_value(&mut self, y: Yaml) {
        match self.stack.last_mut() {
            None => self.docs.push(y),
            Some((Yaml::Seq(_, v), _)) => v.push(y),
            Some((Yaml::Map(_, kv), key)) => match key.take() {
                None => {
                    // A key: scalars only (a complex key is kept as its text).
                    let line = y.line();
                    *key = Some(match y {
                        Yaml::Scalar(_, s) => (s, line),
                        other => (format!("{other:?}"), line),
                    });
                }
                Some((k, l)) => kv.push((k, l, y)),
            },
            Some(_) => {}
        }
    }
}

impl yaml_rust2::parser::MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: yaml_rust2::Event, mark: yaml_rust2::scanner::Marker) {
        use yaml_rust2::Event;
        let line = mark.line();
        match ev {
            Event::Scalar(s, ..) => self.push_value(Yaml::Scalar(line, s)),
            Event::Alias(_) => self.push_value(Yaml::Null(line)),
            Event::SequenceStart(..) => self.stack.push((Yaml::Seq(line, Vec::new()), None)),
            Event::MappingStart(..) => self.stack.push((Yaml::Map(line, Vec::new()), None)),
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some((y, _)) = self.stack.pop() {
                    self.push_value(y);
                }
            }
            _ => {}
        }
    }
}

/// Parse YAML into [`Yaml`] documents, or say why not.
pub fn parse_yaml(text: &str) -> Result<Vec<Yaml>, String> {
    let mut b = Builder::default();
    let mut p = yaml_rust2::parser::Parser::new_from_str(text);
    p.load(&mut b, true).map_err(|e| e.to_string())?;
    Ok(b.docs)
}

/// The `renderer:` a netplan file names (the global one, else the first), with its line.
pub fn netplan_renderer(doc: &Yaml) -> Option<(usize, String)> {
    let net = doc.get("network")?;
    let r = net.get("renderer").or_else(|| {
        ["ethernets", "bonds", "bridges", "vlans"]
            .iter()
            .filter_map(|s| net.get(s))
            .flat_map(|s| s.entries().iter())
            .find_map(|(.., d)| d.get("renderer"))
    })?;
    Some((r.line(), r.str()?.to_string()))
}

/// Netplan bond parameters by their kernel names.
const NETPLAN_BOND: &[(&str, &str)] = &[
    ("mode", "mode"),
    ("mii-monitor-interval", "miimon"),
    ("lacp-rate", "lacp_rate"),
    ("transmit-hash-policy", "xmit_hash_policy"),
    ("up-delay", "updelay"),
    ("down-delay", "downdelay"),
    ("primary", "primary"),
    ("arp-interval", "arp_interval"),
    ("arp-ip-targets", "arp_ip_target"),
    ("ad-select", "ad_select"),
    ("min-links", "min_links"),
    ("fail-over-mac-policy", "fail_over_mac"),
    ("primary-reselect-policy", "primary_reselect"),
    ("all-members-active", "all_slaves_active"),
    ("all-slaves-active", "all_slaves_active"),
    ("gratuitous-arp", "num_grat_arp"),
];

/// Netplan bridge parameters by the model's names.
const NETPLAN_BRIDGE: &[(&str, &str)] = &[
    ("stp", "stp"),
    ("forward-delay", "forward_delay"),
    ("priority", "priority"),
    ("hello-time", "hello_time"),
    ("max-age", "max_age"),
    ("ageing-time", "ageing_time"),
    ("aging-time", "ageing_time"),
];

/// The interfaces of a netplan document (`network:` with `ethernets`, `bonds`, `bridges`,
/// `vlans`; other sections are kept as not converted).
pub fn parse_netplan(doc: &Yaml) -> Vec<Iface> {
    let mut v: Vec<Iface> = Vec::new();
    let Some(net) = doc.get("network") else {
        return v;
    };
    for (section, sline, body) in net.entries() {
        let kind = match section.as_str() {
            "ethernets" => Kind::Ethernet,
            "bonds" => Kind::Bond,
            "bridges" => Kind::Bridge,
            "vlans" => Kind::Vlan,
            "version" | "renderer" => continue,
            other => {
                // Wi-Fi, tunnels, modems, ...: each definition is kept, not converted.
                let ids: Vec<(&str, usize)> = match body.entries() {
                    [] => vec![(other, *sline)],
                    e => e.iter().map(|(id, l, _)| (id.as_str(), *l)).collect(),
                };
                for (id, line) in ids {
                    let mut i = Iface::new(id, line);
                    i.kind = Kind::Other(other.to_string());
                    i.not_converted(line, format!("{other}: {id} (not converted)"));
                    v.push(i);
                }
                continue;
            }
        };
        for (id, line, d) in body.entries() {
            let mut i = Iface::new(id, *line);
            i.kind = kind.clone();
            netplan_iface(&mut i, d);
            v.push(i);
        }
    }
    // Ports named on their bond or bridge.
    let mut links: Vec<(String, String)> = Vec::new();
    for i in &v {
        for p in i
            .options
            .iter()
            .filter(|(k, _)| k == "\0port")
            .map(|(_, p)| p)
        {
            links.push((p.clone(), i.name.clone()));
        }
    }
    for i in &mut v {
        i.options.retain(|(k, _)| k != "\0port");
        if let Some((_, c)) = links.iter().find(|(p, _)| *p == i.name) {
            i.controller = Some(c.clone());
        }
        i.finish();
    }
    v
}

fn netplan_iface(i: &mut Iface, d: &Yaml) {
    let mut mac: Option<(usize, String)> = None;
    let mut match_name: Option<(usize, String)> = None;
    let mut set_name: Option<String> = None;
    for (k, line, val) in d.entries() {
        let line = *line;
        let s = val.str().unwrap_or_default();
        let shown = || match val {
            Yaml::Scalar(_, s) => format!("{k}: {s}"),
            _ => format!("{k}: ..."),
        };
        match k.as_str() {
            "dhcp4" => i.dhcp4 = yes(s),
            "dhcp6" if yes(s) => i.ipv6 = Ipv6::Auto,
            "dhcp6" => {}
            "accept-ra" => {
                if yes(s) && i.ipv6 == Ipv6::Unset {
                    i.ipv6 = Ipv6::Auto;
                }
            }
            "optional" => i.optional = yes(s),
            "critical" | "renderer" => {}
            "link-local" if val.strings() == ["ipv6"] => {}
            "addresses" => {
                for a in val.strings() {
                    if is_cidr(&a) {
                        i.addresses.push(a);
                    } else {
                        i.not_converted(line, format!("address {a}"));
                    }
                }
                if let Yaml::Seq(_, items) = val {
                    for it in items.iter().filter(|y| matches!(y, Yaml::Map(..))) {
                        i.not_converted(it.line(), "address with options (lifetime, label)");
                    }
                }
            }
            "gateway4" => i.gateway4 = Some(s.to_string()),
            "gateway6" => i.gateway6 = Some(s.to_string()),
            "mtu" => match s.parse() {
                Ok(m) => i.mtu = Some(m),
                Err(_) => i.not_converted(line, shown()),
            },
            "macaddress" => i.not_converted(
                line,
                format!(
                    "{} (sets the MAC address: use the manager's cloned MAC setting)",
                    shown()
                ),
            ),
            "match" => {
                for (mk, ml, mv) in val.entries() {
                    match (mk.as_str(), mv.str()) {
                        ("macaddress", Some(m)) => mac = Some((*ml, m.to_ascii_lowercase())),
                        ("name", Some(n)) => match_name = Some((*ml, n.to_string())),
                        _ => i.not_converted(
                            *ml,
                            format!("match {mk} (the generated files match by name)"),
                        ),
                    }
                }
            }
            "set-name" => {
                if valid_ifname(s) {
                    set_name = Some(s.to_string());
                } else {
                    i.not_converted(line, shown());
                }
            }
            "nameservers" => {
                for (nk, nl, nv) in val.entries() {
                    match nk.as_str() {
                        "addresses" => i.dns.extend(nv.strings()),
                        "search" => i.domains.extend(nv.strings()),
                        _ => i.not_converted(*nl, format!("nameservers {nk}")),
                    }
                }
            }
            "dhcp4-overrides" | "dhcp6-overrides" => {
                for (ok, ol, ov) in val.entries() {
                    match (ok.as_str(), ov.str()) {
                        ("use-dns", Some(b)) if !yes(b) => i.ignore_auto_dns = true,
                        ("hostname", Some(h)) if !h.is_empty() => {
                            i.dhcp_hostname = Some(h.to_string())
                        }
                        ("use-routes", Some(b)) if !yes(b) => i.never_default = true,
                        _ => i.not_converted(*ol, format!("{k} {ok}")),
                    }
                }
            }
            "routes" => {
                if let Yaml::Seq(_, items) = val {
                    for r in items {
                        let to = r.get("to").and_then(Yaml::str).unwrap_or_default();
                        let route = Route {
                            dest: to.to_string(),
                            via: r.get("via").and_then(Yaml::str).map(String::from),
                            metric: r
                                .get("metric")
                                .and_then(Yaml::str)
                                .and_then(|m| m.parse().ok()),
                        };
                        let extra = r
                            .entries()
                            .iter()
                            .any(|(rk, ..)| !matches!(rk.as_str(), "to" | "via" | "metric"));
                        if extra
                            || route.via.as_deref().is_some_and(|g| !is_ip(g))
                            || !add_route(i, route)
                        {
                            i.not_converted(r.line(), format!("route to {to}"));
                        }
                    }
                }
            }
            "interfaces" => {
                for p in val.strings() {
                    i.options.push(("\0port".into(), p));
                }
            }
            "parameters" if i.kind == Kind::Bond => {
                for (pk, pl, pv) in val.entries() {
                    match NETPLAN_BOND.iter().find(|(n, _)| n == pk) {
                        Some((_, kern)) => {
                            let v = match pv {
                                Yaml::Seq(..) => pv.strings().join(","),
                                _ => pv.str().unwrap_or_default().to_string(),
                            };
                            bond_option(i, *pl, kern, &v);
                        }
                        None => i.not_converted(*pl, format!("bond parameter {pk}")),
                    }
                }
            }
            "parameters" if i.kind == Kind::Bridge => {
                for (pk, pl, pv) in val.entries() {
                    match (NETPLAN_BRIDGE.iter().find(|(n, _)| n == pk), pv.str()) {
                        (Some((_, "stp")), Some(b)) => {
                            i.set_option("stp", if yes(b) { "yes" } else { "no" })
                        }
                        (Some((_, o)), Some(x)) if !x.is_empty() => i.set_option(o, x),
                        _ => i.not_converted(*pl, format!("bridge parameter {pk}")),
                    }
                }
            }
            "id" if i.kind == Kind::Vlan => {
                let link = i.vlan.as_ref().map(|(_, l)| l.clone()).unwrap_or_default();
                match s.parse() {
                    Ok(id) => i.vlan = Some((id, link)),
                    Err(_) => i.not_converted(line, shown()),
                }
            }
            "link" if i.kind == Kind::Vlan => {
                let id = i.vlan.as_ref().map_or(0, |(id, _)| *id);
                i.vlan = Some((id, s.to_string()));
            }
            _ => i.not_converted(line, shown()),
        }
    }
    if i.kind == Kind::Vlan
        && i.vlan
            .as_ref()
            .is_some_and(|(id, l)| *id == 0 || l.is_empty())
    {
        i.vlan = None;
    }
    // Which interface the definition is: renamed to `set-name`, else the one `match: name:`
    // names (a pattern is kept as one), else the id. Matched by MAC alone, its name on the
    // target is not known.
    match (set_name, match_name) {
        (Some(n), _) => {
            i.name = n;
            i.mac = mac.map(|(_, m)| m);
        }
        (None, Some((ml, n))) => {
            if n.contains(['*', '?', '[']) {
                i.match_glob = Some(n);
            } else if valid_ifname(&n) {
                i.name = n;
            } else {
                i.not_converted(ml, format!("match name {n}"));
            }
            i.mac = mac.map(|(_, m)| m);
        }
        (None, None) => {
            if let Some((ml, m)) = mac {
                i.not_converted(
                    ml,
                    format!(
                        "match macaddress {m} only: the NIC's name on the target is not known; the generated files match the name {}, change it to the NIC's name",
                        i.name
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ifcfg_static_dhcp_bond_vlan_bridge() {
        let i = parse_ifcfg(
            "ifcfg-eth0",
            "DEVICE=eth0\nBOOTPROTO=none\nONBOOT=yes\nIPADDR=10.0.0.5\nPREFIX=24\nGATEWAY=10.0.0.1\nDNS1=10.0.0.2\nDNS2=10.0.0.3\nDOMAIN=\"corp.example\"\nNM_CONTROLLED=no\nETHTOOL_OPTS=\"-K eth0 tso off\"\nHWADDR=52:54:00:AA:BB:CC\nIPV6INIT=yes\nIPV6ADDR=2001:db8::5/64\nIPV6_DEFAULTGW=2001:db8::1%eth0\n",
        );
        assert_eq!(i.name, "eth0");
        assert_eq!(i.addresses, ["2001:db8::5/64", "10.0.0.5/24"]);
        assert_eq!(i.dns, ["10.0.0.2", "10.0.0.3"]);
        assert_eq!(i.gateway6.as_deref(), Some("2001:db8::1"));
        assert_eq!(i.ipv6, Ipv6::Static);
        assert_eq!(i.mac.as_deref(), Some("52:54:00:aa:bb:cc"));
        assert_eq!(
            i.unconverted,
            [(11, "ETHTOOL_OPTS=\"-K eth0 tso off\"".to_string())]
        );
        let j = parse_ifcfg(
            "ifcfg-eth1",
            "DEVICE=eth1\nBOOTPROTO=dhcp\nIPADDR1=192.168.1.9\nNETMASK1=255.255.255.0\nIPV6INIT=no\nONBOOT=no\n",
        );
        assert!(j.dhcp4 && j.disabled);
        assert_eq!(j.addresses, ["192.168.1.9/24"]);
        assert_eq!(j.ipv6, Ipv6::Off);
        let b = parse_ifcfg(
            "ifcfg-bond0",
            "DEVICE=bond0\nTYPE=Bond\nBONDING_MASTER=yes\nBONDING_OPTS=\"mode=4 miimon=100 lacp_rate=fast\"\nBOOTPROTO=dhcp\n",
        );
        assert_eq!(b.kind, Kind::Bond);
        assert_eq!(b.option("mode"), Some("802.3ad"));
        assert_eq!(b.option("lacp_rate"), Some("fast"));
        assert!(b.unconverted.is_empty(), "{:?}", b.unconverted);
        let p = parse_ifcfg("ifcfg-eth2", "DEVICE=eth2\nMASTER=bond0\nSLAVE=yes\n");
        assert_eq!(p.controller.as_deref(), Some("bond0"));
        assert!(!p.addressed());
        let v = parse_ifcfg(
            "ifcfg-eth0.100",
            "DEVICE=eth0.100\nVLAN=yes\nBOOTPROTO=dhcp\n",
        );
        assert_eq!(v.vlan, Some((100, "eth0".to_string())));
        let v2 = parse_ifcfg(
            "ifcfg-vlan5",
            "DEVICE=vlan5\nVLAN=yes\nPHYSDEV=eth1\nVLAN_ID=5\n",
        );
        assert_eq!(v2.vlan, Some((5, "eth1".to_string())));
        let br = parse_ifcfg("ifcfg-br0", "DEVICE=br0\nTYPE=Bridge\nSTP=off\nDELAY=2\n");
        assert_eq!(br.kind, Kind::Bridge);
        assert_eq!(br.option("stp"), Some("no"));
        let t = parse_ifcfg("ifcfg-team0", "DEVICE=team0\nDEVICETYPE=Team\n");
        assert_eq!(t.kind, Kind::Team);
        assert_eq!(t.unconverted.len(), 1);
    }

    #[test]
    fn keyfiles() {
        let i = parse_keyfile(
            "[connection]\nid=System eth0\nuuid=5fb06bd0-0bb0-7ffb-45f1-d6edd65f3e03\ntype=ethernet\ninterface-name=eth0\nzone=public\n\n[ethernet]\nmtu=9000\n\n[ipv4]\naddress1=10.0.0.5/24,10.0.0.1\naddress2=10.0.0.6/24\ndns=10.0.0.2;10.0.0.3;\ndns-search=corp.example;\nmethod=manual\nroute1=172.16.0.0/12,10.0.0.254,10\nroute1_options=table=100\n\n[ipv6]\naddr-gen-mode=eui64\nmethod=auto\n\n[proxy]\n",
        );
        assert_eq!(i.name, "eth0");
        assert_eq!(i.addresses, ["10.0.0.5/24", "10.0.0.6/24"]);
        assert_eq!(i.gateway4.as_deref(), Some("10.0.0.1"));
        assert_eq!(i.dns, ["10.0.0.2", "10.0.0.3"]);
        assert_eq!(i.routes[0].metric, Some(10));
        assert_eq!(i.ipv6, Ipv6::Auto);
        assert_eq!(i.mtu, Some(9000));
        assert_eq!(i.zone.as_deref(), Some("public"));
        assert_eq!(
            i.unconverted,
            [(18, "[ipv4] route1_options=table=100".to_string())]
        );
        let p = parse_keyfile(
            "[connection]\nid=bond0-port1\ntype=ethernet\ninterface-name=eth1\nmaster=bond0\nslave-type=bond\n",
        );
        assert_eq!(p.controller.as_deref(), Some("bond0"));
        let b = parse_keyfile(
            "[connection]\nid=bond0\ntype=bond\ninterface-name=bond0\n\n[bond]\nmiimon=100\nmode=active-backup\n\n[ipv4]\nmethod=auto\n",
        );
        assert_eq!(
            (b.kind.clone(), b.option("mode"), b.dhcp4),
            (Kind::Bond, Some("active-backup"), true)
        );
        let w = parse_keyfile(
            "[connection]\nid=acme-vpn\ntype=wireguard\n\n[wireguard]\nprivate-key=x\n",
        );
        assert_eq!(w.kind, Kind::Other("wireguard".into()));
        let v = parse_keyfile(
            "[connection]\nid=v\ntype=vlan\ninterface-name=eth0.7\n[vlan]\nid=7\nparent=eth0\n",
        );
        assert_eq!(v.vlan, Some((7, "eth0".into())));
    }

    #[test]
    fn global_gateways() {
        let mut set = vec![
            parse_ifcfg("ifcfg-eth0", "DEVICE=eth0\nIPADDR=10.1.0.5\nPREFIX=24\n"),
            parse_ifcfg(
                "ifcfg-eth1",
                "DEVICE=eth1\nIPADDR=10.2.0.5\nPREFIX=16\nIPV6ADDR=2001:db8::5/64\n",
            ),
        ];
        let left = apply_global_gateways(
            &mut set,
            "NETWORKING=yes\nGATEWAY=10.2.3.1\nIPV6_DEFAULTGW=2001:db8::1%eth1\n",
        );
        assert!(left.is_empty(), "{left:?}");
        assert_eq!(set[0].gateway4, None);
        assert_eq!(set[1].gateway4.as_deref(), Some("10.2.3.1"));
        assert_eq!(set[1].gateway6.as_deref(), Some("2001:db8::1"));
        let left = apply_global_gateways(&mut set, "GATEWAY=192.168.9.1\n");
        assert_eq!(left[0].0, 1);
        assert!(in_subnet("10.0.0.5/8", "10.255.0.1") && !in_subnet("10.0.0.5/32", "10.0.0.6"));
    }

    #[test]
    fn values_that_could_add_settings_are_refused() {
        let docs = parse_yaml(
            "network:\n  ethernets:\n    eth0:\n      addresses: [\"10.0.0.5/24\"]\n      gateway4: \"10.0.0.1\\n[Network]\\nDNS=6.6.6.6\"\n      nameservers:\n        addresses: [\"10.0.0.2\", \"1.1.1.1\\nDNS=6.6.6.6\"]\n        search: [\"corp.example\", \"a b\"]\n  bonds:\n    bond0:\n      parameters:\n        transmit-hash-policy: \"layer2\\n[Match]\"\n",
        )
        .unwrap();
        let v = parse_netplan(&docs[0]);
        let e = v.iter().find(|i| i.name == "eth0").unwrap();
        assert_eq!(e.gateway4, None);
        assert_eq!(e.dns, ["10.0.0.2"]);
        assert_eq!(e.domains, ["corp.example"]);
        assert_eq!(e.unconverted.len(), 3, "{:?}", e.unconverted);
        let b = v.iter().find(|i| i.name == "bond0").unwrap();
        assert!(b.options.is_empty(), "{:?}", b.options);
        assert_eq!(b.unconverted.len(), 1);
    }

    #[test]
    fn route_files() {
        let mut i = Iface::new("eth0", 0);
        parse_routes(
            "default via 10.0.0.1\n172.16.0.0/12 via 10.0.0.254 metric 10 dev eth0\n10.9.9.9 via 10.0.0.254\nblackhole 1.2.3.0/24\n",
            &mut i,
        );
        assert_eq!(i.gateway4.as_deref(), Some("10.0.0.1"));
        assert_eq!(i.routes.len(), 2);
        assert_eq!(i.routes[0].metric, Some(10));
        assert_eq!(i.routes[1].dest, "10.9.9.9/32");
        assert_eq!(i.unconverted, [(4, "blackhole 1.2.3.0/24".to_string())]);
        let mut k = Iface::new("eth1", 0);
        parse_routes(
            "ADDRESS0=192.168.50.0\nNETMASK0=255.255.255.0\nGATEWAY0=10.0.1.1\nADDRESS1=1.2.3.4\n",
            &mut k,
        );
        assert_eq!(k.routes[0].dest, "192.168.50.0/24");
        assert_eq!(k.routes[0].via.as_deref(), Some("10.0.1.1"));
        assert_eq!(k.unconverted.len(), 1);
    }

    #[test]
    fn netmasks_and_names() {
        assert_eq!(prefix_of("255.255.255.0"), Some(24));
        assert_eq!(prefix_of("255.0.255.0"), None);
        assert_eq!(prefix_of("garbage"), None);
        assert!(valid_ifname("eth0.100"));
        assert!(!valid_ifname("../x"));
        assert!(!valid_ifname(".."));
        assert!(!valid_ifname("a-very-long-interface"));
        assert!(is_cidr("10.0.0.0/8") && is_cidr("2001:db8::/32"));
        assert!(!is_cidr("10.0.0.0/33") && !is_cidr("10.0.0.0"));
    }

    #[test]
    fn interfaces_stanzas() {
        let v = parse_interfaces(
            "auto lo\niface lo inet loopback\n\nauto eth0\niface eth0 inet static\n  address 10.1.0.4\n  netmask 255.255.255.0\n  gateway 10.1.0.1\n  dns-nameservers 10.1.0.2\n  up ip route add 172.16.0.0/12 via 10.1.0.254\n\niface eth1 inet dhcp\n\nauto bond0\niface bond0 inet manual\n  bond-slaves eth2 eth3\n  bond-mode 802.3ad\n  bond-miimon 100\n  bond-xmit-hash-policy layer3+4\n\nauto br0\niface br0 inet dhcp\n  bridge_ports eth4\n  bridge_stp off\n  bridge_fd 0\n  bridge_maxwait 0\n\nauto eth0.20\niface eth0.20 inet static\n  address 10.20.0.4/24\n  post-up /usr/local/bin/tune.sh\n",
        );
        let by = |n: &str| v.iter().find(|i| i.name == n).unwrap();
        let e0 = by("eth0");
        assert_eq!(e0.line, 5);
        assert_eq!(e0.addresses, ["10.1.0.4/24"]);
        assert_eq!(e0.routes[0].dest, "172.16.0.0/12");
        assert!(e0.unconverted.is_empty() && !e0.disabled, "{e0:?}");
        assert!(by("eth1").dhcp4 && by("eth1").disabled);
        let b = by("bond0");
        assert_eq!(b.kind, Kind::Bond);
        assert_eq!(b.option("xmit_hash_policy"), Some("layer3+4"));
        assert!(b.unconverted.is_empty(), "{:?}", b.unconverted);
        assert_eq!(by("eth2").controller.as_deref(), Some("bond0"));
        assert!(!by("eth3").disabled, "a port comes up with its bond");
        let br = by("br0");
        assert_eq!(br.kind, Kind::Bridge);
        assert_eq!(br.option("forward_delay"), Some("0"));
        assert_eq!(
            br.unconverted.len(),
            1,
            "bridge_maxwait: {:?}",
            br.unconverted
        );
        assert_eq!(by("eth4").controller.as_deref(), Some("br0"));
        let vl = by("eth0.20");
        assert_eq!(vl.vlan, Some((20, "eth0".to_string())));
        assert_eq!(vl.unconverted.len(), 1);
    }

    #[test]
    fn netplan_documents() {
        let text = "network:\n  version: 2\n  renderer: networkd\n  ethernets:\n    eth0:\n      match:\n        macaddress: \"00:0D:3A:11:22:33\"\n      set-name: eth0\n      dhcp4: true\n      dhcp6: false\n    eno1:\n      addresses: [10.2.0.4/24, \"2001:db8::4/64\"]\n      routes:\n        - to: default\n          via: 10.2.0.1\n        - to: 192.168.0.0/16\n          via: 10.2.0.254\n          metric: 50\n      nameservers:\n        addresses: [10.2.0.2]\n        search: [corp.example]\n      mtu: 9000\n    eno2: {}\n    eno3: {}\n  bonds:\n    bond0:\n      interfaces: [eno2, eno3]\n      parameters:\n        mode: active-backup\n        mii-monitor-interval: 100\n        primary: eno2\n      dhcp4: yes\n  vlans:\n    vlan30:\n      id: 30\n      link: eno1\n      addresses: [10.30.0.4/24]\n  wifis:\n    wlan0:\n      access-points: {}\n";
        let docs = parse_yaml(text).unwrap();
        assert_eq!(netplan_renderer(&docs[0]), Some((3, "networkd".into())));
        let v = parse_netplan(&docs[0]);
        let by = |n: &str| v.iter().find(|i| i.name == n).unwrap();
        assert_eq!(by("eth0").mac.as_deref(), Some("00:0d:3a:11:22:33"));
        assert!(by("eth0").dhcp4);
        let e = by("eno1");
        assert_eq!(e.gateway4.as_deref(), Some("10.2.0.1"));
        assert_eq!(
            e.routes,
            [Route {
                dest: "192.168.0.0/16".into(),
                via: Some("10.2.0.254".into()),
                metric: Some(50)
            }]
        );
        assert_eq!(e.dns, ["10.2.0.2"]);
        assert_eq!(e.mtu, Some(9000));
        assert_eq!(e.line, 11);
        assert_eq!(by("eno2").controller.as_deref(), Some("bond0"));
        assert_eq!(by("bond0").option("miimon"), Some("100"));
        assert_eq!(by("vlan30").vlan, Some((30, "eno1".into())));
        let w = v
            .iter()
            .find(|i| i.kind == Kind::Other("wifis".into()))
            .unwrap();
        assert_eq!((w.name.as_str(), w.unconverted[0].0), ("wlan0", 39));
        assert!(parse_yaml("network: [\n").is_err());
        // Hostile input: deep nesting, binary noise and unterminated flows end in Ok or Err.
        let deep = "[".repeat(200_000);
        assert!(parse_yaml(&deep).is_err());
        // Nesting past the scanner's 255 flow levels is refused, closed or not.
        let closed = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(parse_yaml(&closed).is_err());
        let fine = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert_eq!(parse_yaml(&fine).map(|d| d.len()), Ok(1));
        let deep_map = "a: {".repeat(50_000);
        assert!(parse_yaml(&deep_map).is_err());
        let noise: String = (0..20_000u32)
            .map(|n| char::from_u32(n % 0x7f).unwrap_or('x'))
            .collect();
        // Noise is an error or a document that defines no interface.
        assert!(
            parse_yaml(&noise).is_ok_and(|d| d.iter().all(|y| parse_netplan(y).is_empty()))
                || parse_yaml(&noise).is_err()
        );
        // An alias bomb is not expanded.
        let bomb = "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b, *b]\n";
        assert!(parse_yaml(bomb).is_ok());
    }
}
