//! Every keyfile `host-network` can generate loads in NetworkManager: a deterministic sample of
//! interface configurations (kinds, DHCP, static addresses, gateways, IPv6 modes, name servers,
//! routes, flags, ports) is rendered with `host_network_files::keyfile` and given to
//! `nmcli --offline` (NetworkManager's own keyfile parser, Debian's network-manager), which must
//! accept it without a warning and keep every key it was given.

mod common;

use azl_compat::checks::host_network_files::keyfile;
use azl_compat::inventory::hostconf::network::{Iface, Ipv6, Kind, Route};

/// A small deterministic generator (no dependency, same sample on every run).
struct Lcg(u64);
impl Lcg {
    fn pick(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
    fn yes(&mut self) -> bool {
        self.pick(2) == 1
    }
}

fn sample(g: &mut Lcg) -> (Iface, Option<(&'static str, &'static str)>) {
    let mut i = Iface {
        name: "eth0".into(),
        ..Iface::default()
    };
    match g.pick(4) {
        0 => {}
        1 => {
            i.name = "bond0".into();
            i.kind = Kind::Bond;
            i.options = vec![
                ("mode".into(), "active-backup".into()),
                ("miimon".into(), "100".into()),
            ];
            if g.yes() {
                i.options.push(("primary".into(), "eth1".into()));
            }
        }
        2 => {
            i.name = "br0".into();
            i.kind = Kind::Bridge;
            i.options = vec![("stp".into(), if g.yes() { "yes" } else { "no" }.into())];
            if g.yes() {
                i.options.push(("forward_delay".into(), "4".into()));
            }
        }
        _ => {
            i.name = "eth0.7".into();
            i.kind = Kind::Vlan;
            i.vlan = Some((7, "eth0".into()));
        }
    }
    i.dhcp4 = g.yes();
    if g.yes() {
        i.addresses.push("10.0.0.5/24".into());
    }
    if g.yes() {
        i.gateway4 = Some("10.0.0.1".into());
    }
    i.ipv6 = [Ipv6::Unset, Ipv6::Auto, Ipv6::Dhcp, Ipv6::Static, Ipv6::Off][g.pick(5) as usize];
    if i.ipv6 == Ipv6::Static || (i.ipv6 == Ipv6::Unset && g.yes()) {
        i.addresses.push("2001:db8::5/64".into());
    }
    if g.yes() {
        i.gateway6 = Some("2001:db8::1".into());
    }
    match g.pick(3) {
        0 => {}
        1 => i.dns = vec!["10.0.0.2".into()],
        _ => i.dns = vec!["10.0.0.2".into(), "2001:db8::53".into()],
    }
    if g.yes() {
        i.domains = vec!["corp.example".into()];
    }
    if g.yes() {
        i.routes.push(Route {
            dest: "172.16.0.0/12".into(),
            via: Some("10.0.0.254".into()),
            metric: if g.yes() { Some(20) } else { None },
        });
        i.routes.push(Route {
            dest: "2001:db8:99::/48".into(),
            via: None,
            metric: None,
        });
    }
    i.never_default = g.pick(4) == 0;
    i.ignore_auto_dns = g.pick(4) == 0;
    i.disabled = g.pick(4) == 0;
    if g.yes() {
        i.mtu = Some(9000);
    }
    if g.pick(5) == 0 {
        i.zone = Some("internal".into());
    }
    if g.pick(5) == 0 {
        i.dhcp_hostname = Some("acme-db1".into());
    }
    if g.pick(6) == 0 {
        i.match_glob = Some("enp*".into());
    }
    // A port of a bond or bridge (only plain interfaces are ports).
    let port = (i.kind == Kind::Ethernet && g.pick(4) == 0).then(|| {
        if g.yes() {
            ("bond0", "bond")
        } else {
            ("br0", "bridge")
        }
    });
    (i, port)
}

#[test]
fn every_generated_keyfile_loads_in_networkmanager() {
    common::require_tool("nmcli");
    let mut g = Lcg(0x5eed);
    for n in 0..600 {
        let (i, port) = sample(&mut g);
        let (text, _notes) = keyfile(&i, port, "/etc/sysconfig/network-scripts/ifcfg-x");
        common::assert_nmcli_loads(
            &text,
            // NetworkManager does not write a value that is its default.
            &["bridge.stp=true", "bridge.forward-delay=15"],
            &format!("sample {n}: {i:?}"),
        );
    }
}
