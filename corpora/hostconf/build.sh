#!/usr/bin/env bash
# Build the "hostconf" fixtures: two host roots whose configuration does not carry over to
# Azure Linux 4.0 by itself (issue 14), for tests/hostconf_e2e.rs. Every file is written here
# (README.md beside this script lists what each is for); keys and certificates are generated with
# the openssl CLI at build time, so their dates are relative to now.
#
#   bash corpora/hostconf/build.sh OUTDIR
#
# OUTDIR/rhel     RHEL 9-like: FIPS mode (grub, /etc/system-fips), crypto policy LEGACY with a
#                 custom subpolicy, openssl.cnf with TLS 1.0 and RC4, weak and expiring keys and
#                 certificates under /etc/pki and /opt, a keystore, a generated trust bundle;
#                 yum repositories (RHEL, EPEL, Fedora, Docker, Azure Linux), dnf.conf options and
#                 plugins dnf5 drops; ifcfg interfaces, resolv.conf, iptables-services rules.
# OUTDIR/ubuntu   Ubuntu 24.04-like: openssl.cnf lowering @SECLEVEL, an expired certificate and
#                 weak DH parameters under /etc/ssl, a generated trust bundle; apt sources (the
#                 archive in deb822, a PPA, Docker's repository); netplan, ifupdown, a
#                 NetworkManager profile, resolvconf, ufw, iptables-persistent, nftables.conf.
# OUTDIR/.build   scratch (the CA that signs the fixtures' certificates; never in a root).
#
# Needs bash, openssl and gpg. Idempotent; nothing from the roots is executed.
set -eu

if [ $# -ne 1 ]; then
    echo "usage: $0 OUTDIR" >&2
    exit 2
fi
command -v openssl >/dev/null 2>&1 || { echo "build.sh: 'openssl' is required" >&2; exit 1; }
command -v gpg >/dev/null 2>&1 || { echo "build.sh: 'gpg' is required" >&2; exit 1; }
mkdir -p "$1"
OUT=$(cd "$1" && pwd)
R="$OUT/rhel"
U="$OUT/ubuntu"
B="$OUT/.build"
rm -rf "$R" "$U" "$B"
mkdir -p "$R" "$U" "$B"

q() { "$@" >/dev/null 2>&1 || { echo "build.sh: failed: $*" >&2; exit 1; }; }

# ---- a CA (scratch) and helpers --------------------------------------------------------------
q openssl req -x509 -newkey rsa:2048 -nodes -keyout "$B/ca.key" -out "$B/ca.pem" -days 3650 \
    -subj /CN=acme-fixture-ca -sha256
mkdir -p "$B/ca"
: > "$B/ca/index.txt"
echo 01 > "$B/ca/serial"
cat > "$B/ca.cnf" <<EOF
[ ca ]
default_ca = d
[ d ]
database = $B/ca/index.txt
serial = $B/ca/serial
new_certs_dir = $B/ca
default_md = sha256
policy = p
[ p ]
commonName = supplied
EOF
# leaf NAME BITS DAYS MD OUT: a certificate signed by the CA (key in $B/NAME.key)
leaf() {
    q openssl req -newkey "rsa:$2" -nodes -keyout "$B/$1.key" -out "$B/$1.csr" -subj "/CN=$1"
    q openssl x509 -req -in "$B/$1.csr" -CA "$B/ca.pem" -CAkey "$B/ca.key" -CAcreateserial \
        -out "$5" -days "$3" "-$4"
}
# expired NAME OUT: a certificate that expired in 2020
expired() {
    q openssl req -newkey rsa:2048 -nodes -keyout "$B/$1.key" -out "$B/$1.csr" -subj "/CN=$1"
    q openssl ca -batch -config "$B/ca.cnf" -cert "$B/ca.pem" -keyfile "$B/ca.key" \
        -in "$B/$1.csr" -out "$2" -startdate 20200101000000Z -enddate 20200201000000Z -notext
}

# ---- RHEL-like root --------------------------------------------------------------------------
mkdir -p "$R/etc/default" "$R/etc/crypto-policies/policies/modules" "$R/etc/pki/tls/certs" \
    "$R/etc/pki/tls/private" "$R/etc/pki/ca-trust/extracted/pem" "$R/opt/acme/certs" \
    "$R/opt/acme/conf"
cat > "$R/etc/os-release" <<'EOF'
NAME="Red Hat Enterprise Linux"
VERSION="9.4 (Plow)"
ID="rhel"
ID_LIKE="fedora"
VERSION_ID="9.4"
EOF
cat > "$R/etc/default/grub" <<'EOF'
GRUB_TIMEOUT=5
GRUB_DISTRIBUTOR="$(sed 's, release .*$,,g' /etc/system-release)"
# fips=1 in a comment does not count
GRUB_CMDLINE_LINUX="crashkernel=1G-4G:192M rhgb quiet fips=1"
EOF
printf '# FIPS module installation complete\n' > "$R/etc/system-fips"
printf 'LEGACY:ACME-TLS\n' > "$R/etc/crypto-policies/config"
cat > "$R/etc/crypto-policies/policies/modules/ACME-TLS.pmod" <<'EOF'
# Acme's partners still need CBC ciphers
cipher@TLS = +AES-128-CBC
EOF
cat > "$R/etc/pki/tls/openssl.cnf" <<'EOF'
openssl_conf = openssl_init

[ openssl_init ]
ssl_conf = ssl_module

[ ssl_module ]
system_default = system_default_sect

[ system_default_sect ]
MinProtocol = TLSv1
CipherString = DEFAULT:RC4-SHA:!IDEA@SECLEVEL=1
EOF
# A 1024-bit key and its self-signed certificate (SHA-256: only the key size is wrong).
q openssl req -x509 -newkey rsa:1024 -nodes -keyout "$R/etc/pki/tls/private/legacy.key" \
    -out "$R/etc/pki/tls/certs/legacy.crt" -days 3650 -subj /CN=legacy.acme.example -sha256
# A leaf signed with SHA-1 by the CA, in DER.
leaf sha1-leaf 2048 825 sha1 "$B/sha1-leaf.pem"
q openssl x509 -in "$B/sha1-leaf.pem" -outform DER -out "$R/opt/acme/certs/partner.der"
# A chain file: a good leaf (no finding), then one that expires in 30 days.
leaf good 2048 825 sha256 "$B/good.pem"
leaf soon 2048 30 sha256 "$B/soon.pem"
cat "$B/good.pem" "$B/soon.pem" > "$R/opt/acme/certs/chain.pem"
# A PKCS#8 DSA key of 1024 bits, an encrypted key (not read), a keystore (named only).
q openssl genpkey -genparam -algorithm DSA -pkeyopt dsa_paramgen_bits:1024 -out "$B/dsa.param"
q openssl genpkey -paramfile "$B/dsa.param" -out "$R/opt/acme/conf/signing-dsa.key"
q openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -aes256 -pass pass:fixture \
    -out "$R/opt/acme/conf/encrypted.key"
printf '\xfe\xed\xfe\xed\x00\x00\x00\x02not a real keystore\n' > "$R/opt/acme/conf/partners.jks"
# The generated trust bundle is replaced on the target: its weak certificate is not judged.
cp "$R/etc/pki/tls/certs/legacy.crt" "$R/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem"
# A bundle of roots: the expired self-signed one is an unused trust anchor, not reported.
q openssl ca -batch -selfsign -config "$B/ca.cnf" -keyfile "$B/ca.key" -in <(openssl req -new \
    -key "$B/ca.key" -subj /CN=old-root 2>/dev/null) -out "$B/old-root.pem" \
    -startdate 20100101000000Z -enddate 20200101000000Z -notext
cat "$B/ca.pem" "$B/old-root.pem" > "$R/opt/acme/certs/roots.pem"
# Test data of a library: deliberately weak, not workload configuration.
mkdir -p "$R/opt/acme/lib/python3/test"
cp "$R/etc/pki/tls/private/legacy.key" "$R/opt/acme/lib/python3/test/badkey.pem"
# A certificate request: not judged, no diagnostic.
cp "$B/good.csr" "$R/opt/acme/certs/good.csr.pem"
# Not a certificate despite its name: a diagnostic-free skip.
printf 'see https://acme.example/certs\n' > "$R/opt/acme/certs/README.pem"

# Package sources: the distribution's own (replaced), EPEL (none, one disabled), Fedora, a
# third-party one keyed on $releasever, the target's own (not reported); dnf options and plugins.
mkdir -p "$R/etc/yum.repos.d" "$R/etc/dnf/plugins" "$R/etc/yum/pluginconf.d"
cat > "$R/etc/yum.repos.d/redhat.repo" <<'EOF'
#
# Certificate-Based Repositories
#
[rhel-9-for-x86_64-baseos-rpms]
name = Red Hat Enterprise Linux 9 for x86_64 - BaseOS (RPMs)
baseurl = https://cdn.redhat.com/content/dist/rhel9/$releasever/x86_64/baseos/os
enabled = 1
gpgkey = file:///etc/pki/rpm-gpg/RPM-GPG-KEY-redhat-release
EOF
cat > "$R/etc/yum.repos.d/epel.repo" <<'EOF'
[epel]
name=Extra Packages for Enterprise Linux 9 - $basearch
metalink=https://mirrors.fedoraproject.org/metalink?repo=epel-9&arch=$basearch&infra=$infra&content=$contentdir
enabled=1
gpgcheck=1
gpgkey=file:///etc/pki/rpm-gpg/RPM-GPG-KEY-EPEL-9

[epel-testing]
name=Extra Packages for Enterprise Linux 9 - Testing - $basearch
metalink=https://mirrors.fedoraproject.org/metalink?repo=testing-epel9&arch=$basearch
enabled=0
EOF
cat > "$R/etc/yum.repos.d/docker-ce.repo" <<'EOF'
[docker-ce-stable]
name=Docker CE Stable - $basearch
baseurl=https://download.docker.com/linux/centos/$releasever/$basearch/stable
enabled=1
gpgcheck=1
gpgkey=https://download.docker.com/linux/centos/gpg
EOF
cat > "$R/etc/yum.repos.d/extras.repo" <<'EOF'
[fedora-everything]
name=Fedora 43 Everything
baseurl=https://download.fedoraproject.org/pub/fedora/linux/releases/43/Everything/$basearch/os/
enabled=1

[azurelinux-base]
name=Azure Linux 4.0 base
baseurl=https://packages.microsoft.com/azurelinux/4.0/prod/base/$basearch
enabled=1
EOF
cat > "$R/etc/dnf/dnf.conf" <<'EOF'
[main]
gpgcheck=1
installonly_limit=3
clean_requirements_on_remove=True
deltarpm=0
metadata_timer_sync=0
EOF
printf '[main]\nenabled=1\n' > "$R/etc/dnf/plugins/versionlock.conf"
printf '# locks\nnginx-1:1.20.1-14.el9.*\nopenssl-1:3.0.7-27.el9.*\n' \
    > "$R/etc/dnf/plugins/versionlock.list"
printf '[main]\nenabled=0\nverbose=0\n' > "$R/etc/yum/pluginconf.d/fastestmirror.conf"

# ---- Ubuntu-like root ------------------------------------------------------------------------
mkdir -p "$U/etc/ssl/certs" "$U/etc/ssl/private" "$U/etc/default" "$U/srv/www/tls"
cat > "$U/etc/os-release" <<'EOF'
NAME="Ubuntu"
VERSION="24.04 LTS (Noble Numbat)"
ID=ubuntu
ID_LIKE=debian
VERSION_ID="24.04"
EOF
printf 'GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT="quiet splash"\nGRUB_CMDLINE_LINUX=""\n' \
    > "$U/etc/default/grub"
cat > "$U/etc/ssl/openssl.cnf" <<'EOF'
openssl_conf = default_conf

[default_conf]
ssl_conf = ssl_sect

[ssl_sect]
system_default = system_default_sect

[system_default_sect]
MinProtocol = TLSv1.2
CipherString = DEFAULT@SECLEVEL=0
EOF
expired www-old "$U/etc/ssl/certs/www-old.pem"
q openssl dhparam -dsaparam -out "$U/srv/www/tls/dhparams.pem" 1024
leaf www 3072 825 sha256 "$U/etc/ssl/certs/www.pem"
cp "$B/www.key" "$U/etc/ssl/private/www.key"
# A link into the certificate directory is judged at its target, once.
ln -s www.pem "$U/etc/ssl/certs/0a1b2c3d.0"
cp "$R/etc/pki/tls/certs/legacy.crt" "$U/etc/ssl/certs/ca-certificates.crt"

# Package sources: the archive (deb822, replaced), a commented-out backports line, a PPA, a
# third-party repository with its key.
mkdir -p "$U/etc/apt/sources.list.d"
cat > "$U/etc/apt/sources.list.d/ubuntu.sources" <<'EOF'
Types: deb
URIs: http://archive.ubuntu.com/ubuntu/
Suites: noble noble-updates
Components: main restricted universe
Signed-By: /usr/share/keyrings/ubuntu-archive-keyring.gpg
EOF
cat > "$U/etc/apt/sources.list" <<'EOF'
# Ubuntu sources have moved to /etc/apt/sources.list.d/ubuntu.sources
# deb http://archive.ubuntu.com/ubuntu noble-backports main
EOF
printf 'deb https://ppa.launchpadcontent.net/acme/tools/ubuntu/ noble main\n' \
    > "$U/etc/apt/sources.list.d/acme-ubuntu-tools-noble.list"
printf 'deb [arch=amd64 signed-by=/etc/apt/keyrings/docker.asc] https://download.docker.com/linux/ubuntu noble stable\n' \
    > "$U/etc/apt/sources.list.d/docker.list"
# The key the Docker repository names: an OpenPGP key made here with gpg (standing in for
# Docker's); its fingerprint goes to .build/docker.fpr for the test.
mkdir -p "$U/etc/apt/keyrings" "$B/gnupg"
chmod 700 "$B/gnupg"
q gpg --batch --homedir "$B/gnupg" --passphrase '' --quick-gen-key \
    'Acme Docker Stand-in <pkg@acme.example>' ed25519 sign never
gpg --batch --homedir "$B/gnupg" --armor --export pkg@acme.example > "$U/etc/apt/keyrings/docker.asc"
gpg --batch --homedir "$B/gnupg" --with-colons --list-keys pkg@acme.example \
    | awk -F: '$1 == "fpr" { print $10; exit }' > "$B/docker.fpr"
gpgconf --homedir "$B/gnupg" --kill all >/dev/null 2>&1 || true

# ---- security modules ------------------------------------------------------------------------
# RHEL: SELINUX=disabled, a local module, a boolean, a file context (in the store and in the
# built contexts: reported once), a port.
mkdir -p "$R/etc/selinux/targeted/contexts/files" \
    "$R/var/lib/selinux/targeted/active/modules/400/acme_app" \
    "$R/var/lib/selinux/targeted/active/modules/100/base"
cat > "$R/etc/selinux/config" <<'EOF'
# This file controls the state of SELinux on the system.
SELINUX=disabled
SELINUXTYPE=targeted
EOF
printf '(allow acme_t acme_port_t (tcp_socket (name_bind)))\n' \
    > "$R/var/lib/selinux/targeted/active/modules/400/acme_app/cil"
printf 'base module of the distribution policy\n' \
    > "$R/var/lib/selinux/targeted/active/modules/100/base/cil"
printf 'httpd_can_network_connect=1\n' > "$R/var/lib/selinux/targeted/active/booleans.local"
printf '# This file is auto-generated by libsemanage\n/srv/acme(/.*)?    system_u:object_r:httpd_sys_content_t:s0\n' \
    > "$R/var/lib/selinux/targeted/active/file_contexts.local"
cp "$R/var/lib/selinux/targeted/active/file_contexts.local" \
    "$R/etc/selinux/targeted/contexts/files/file_contexts.local"
printf '(portcon tcp 8443 (system_u object_r http_port_t ((s0) (s0))))\n' \
    > "$R/var/lib/selinux/targeted/active/ports.local"

# Ubuntu: AppArmor profiles (enforce, complain through `profile NAME PATH`, one disabled) and
# the directories profiles include (not profiles).
A="$U/etc/apparmor.d"
mkdir -p "$A/abstractions" "$A/tunables" "$A/disable" "$A/local"
printf '# base abstraction\n' > "$A/abstractions/base"
printf '@{HOME}=/home/*/\n' > "$A/tunables/global"
cat > "$A/usr.sbin.acmed" <<'EOF'
#include <tunables/global>

/usr/sbin/acmed {
  #include <abstractions/base>
  /srv/acme/** r,
}
EOF
cat > "$A/acme-worker" <<'EOF'
abi <abi/4.0>,
include <tunables/global>

profile acme-worker /opt/acme/bin/worker flags=(complain) {
  include <abstractions/base>
}
EOF
printf '/usr/sbin/oldd {\n}\n' > "$A/usr.sbin.oldd"
ln -s ../usr.sbin.oldd "$A/disable/usr.sbin.oldd"

# ---- services whose configuration moves ------------------------------------------------------
# Ubuntu: apache2, nginx sites, a PHP-FPM pool, PostgreSQL 16 (configuration and data), redis.
mkdir -p "$U/etc/apache2/sites-enabled" "$U/etc/nginx/sites-enabled" "$U/etc/php/8.3/fpm/pool.d" \
    "$U/etc/postgresql/16/main" "$U/var/lib/postgresql/16/main" "$U/etc/redis"
printf '<VirtualHost *:80>\n  ServerName acme.example\n  DocumentRoot /srv/www\n</VirtualHost>\n' \
    > "$U/etc/apache2/sites-enabled/acme.conf"
printf 'server {\n  listen 8080;\n  root /srv/www;\n}\n' > "$U/etc/nginx/sites-enabled/acme"
printf '[www]\nuser = www-data\ngroup = www-data\nlisten = /run/php/php8.3-fpm.sock\n' \
    > "$U/etc/php/8.3/fpm/pool.d/www.conf"
printf "listen_addresses = '*'\n" > "$U/etc/postgresql/16/main/postgresql.conf"
printf '16\n' > "$U/var/lib/postgresql/16/main/PG_VERSION"
printf 'bind 127.0.0.1\nmaxmemory 256mb\n' > "$U/etc/redis/redis.conf"
# RHEL: a PostgreSQL 13 data directory; samba's configuration (same place and unit on RHEL: no
# service finding on a RHEL host).
mkdir -p "$R/var/lib/pgsql/data" "$R/etc/samba"
printf '13\n' > "$R/var/lib/pgsql/data/PG_VERSION"
printf '[global]\n  workgroup = ACME\n' > "$R/etc/samba/smb.conf"

# ---- cron, sudoers, logrotate, profile.d running programs the target lacks --------------------
mkdir -p "$R/etc/cron.d" "$R/var/spool/cron" "$R/etc/sudoers.d" "$R/opt/acme/bin"
printf '#!/bin/sh\nexec /opt/acme/bin/acme-sync "$@"\n' > "$R/opt/acme/bin/sync.sh"
chmod 0755 "$R/opt/acme/bin/sync.sh"
cat > "$R/etc/cron.d/acme" <<'EOF'
SHELL=/bin/bash
MAILTO=root
*/5 * * * * root /opt/acme/bin/sync.sh --fast
0 3 * * * root ntpdate -s pool.ntp.org && logger -t acme synced
EOF
printf '@hourly /opt/acme/bin/gone-tool --report\n' > "$R/var/spool/cron/acme"
printf 'acme ALL=(root) NOPASSWD: /usr/sbin/service acme restart, /usr/sbin/ntpdate\n' \
    > "$R/etc/sudoers.d/acme"
mkdir -p "$U/etc/logrotate.d" "$U/etc/profile.d"
cat > "$U/etc/logrotate.d/acme" <<'EOF'
/var/log/acme/*.log {
    daily
    rotate 7
    postrotate
        invoke-rc.d acme reload >/dev/null 2>&1 || true
    endscript
}
EOF
cat > "$U/etc/profile.d/acme.sh" <<'EOF'
export ACME_HOME=/opt/acme
if [ -x /usr/bin/landscape-sysinfo ]; then /usr/bin/landscape-sysinfo; fi
EOF

# ---- networking, name resolution, firewalls --------------------------------------------------
# RHEL: a static interface with IPv6, a route file, a route6 file and a setting no generated
# file can say; a DHCP one left down at boot; an LACP bond with two ports and a VLAN on it; a
# bridge with a port; a team (not converted); the loopback (not reported); a plain resolv.conf
# with inet6; iptables-services rules.
N="$R/etc/sysconfig/network-scripts"
mkdir -p "$N"
cat > "$N/ifcfg-eth0" <<'EOF2'
DEVICE=eth0
TYPE=Ethernet
BOOTPROTO=none
ONBOOT=yes
IPADDR=10.20.0.5
PREFIX=24
GATEWAY=10.20.0.1
DNS1=10.20.0.2
DOMAIN="corp.example"
IPV6INIT=yes
IPV6_AUTOCONF=no
IPV6ADDR=2001:db8:20::5/64
IPV6_DEFAULTGW=2001:db8:20::1
ZONE=internal
NM_CONTROLLED=no
ETHTOOL_OPTS="-K eth0 tso off"
EOF2
printf '172.16.0.0/12 via 10.20.0.254\n192.168.77.0/24 via 10.20.0.254 metric 20\n' > "$N/route-eth0"
printf '2001:db8:99::/48 via 2001:db8:20::fe\n' > "$N/route6-eth0"
printf 'DEVICE=eth1\nBOOTPROTO=dhcp\nONBOOT=no\nDHCP_HOSTNAME=acme-db1\nPERSISTENT_DHCLIENT=yes\n' > "$N/ifcfg-eth1"
printf 'DEVICE=bond0\nTYPE=Bond\nBONDING_MASTER=yes\nBONDING_OPTS="mode=802.3ad miimon=100 lacp_rate=fast xmit_hash_policy=layer3+4"\nBOOTPROTO=dhcp\nMTU=9000\nONBOOT=yes\n' \
    > "$N/ifcfg-bond0"
printf 'DEVICE=eth2\nTYPE=Ethernet\nMASTER=bond0\nSLAVE=yes\nONBOOT=yes\nHWADDR=00:0d:3a:00:00:02\n' > "$N/ifcfg-eth2"
printf 'DEVICE=eth3\nTYPE=Ethernet\nMASTER=bond0\nSLAVE=yes\nONBOOT=yes\n' > "$N/ifcfg-eth3"
printf 'DEVICE=bond0.120\nVLAN=yes\nBOOTPROTO=none\nIPADDR=10.120.0.5\nNETMASK=255.255.255.0\nONBOOT=yes\n' \
    > "$N/ifcfg-bond0.120"
printf 'DEVICE=br0\nTYPE=Bridge\nSTP=off\nDELAY=0\nBOOTPROTO=dhcp\nONBOOT=yes\n' > "$N/ifcfg-br0"
printf 'DEVICE=eth4\nTYPE=Ethernet\nBRIDGE=br0\nONBOOT=yes\n' > "$N/ifcfg-eth4"
printf 'DEVICE=team0\nDEVICETYPE=Team\nTEAM_CONFIG='"'"'{"runner": {"name": "activebackup"}}'"'"'\nONBOOT=yes\n' > "$N/ifcfg-team0"
# The global gateway of /etc/sysconfig/network serves the VLAN's network.
printf 'NETWORKING=yes\nHOSTNAME=acme-db1\nGATEWAY=10.120.0.1\n' > "$R/etc/sysconfig/network"
# RHEL 9 keeps new profiles as NetworkManager keyfiles: one more static interface.
mkdir -p "$R/etc/NetworkManager/system-connections"
cat > "$R/etc/NetworkManager/system-connections/eth5.nmconnection" <<'EOF2'
[connection]
id=eth5
uuid=9a3c5f0e-1111-4a4a-8b8b-0123456789ab
type=ethernet
interface-name=eth5

[ipv4]
address1=10.55.0.5/24,10.55.0.1
dns=10.55.0.2;
method=manual
route1=10.66.0.0/16,10.55.0.254

[ipv6]
method=disabled

[ethtool]
feature-tso=false
EOF2
chmod 600 "$R/etc/NetworkManager/system-connections/eth5.nmconnection"
printf 'DEVICE=lo\nIPADDR=127.0.0.1\nNETMASK=255.0.0.0\nONBOOT=yes\n' > "$N/ifcfg-lo"
printf 'search corp.example\nnameserver 10.20.0.2\noptions inet6 timeout:2\n' > "$R/etc/resolv.conf"
cat > "$R/etc/sysconfig/iptables" <<'EOF2'
*filter
:INPUT ACCEPT [0:0]
-A INPUT -p tcp --dport 22 -j ACCEPT
-A INPUT -p tcp --dport 8443 -j ACCEPT
COMMIT
EOF2
# firewalld (carries over): a zone with a service, a port and a rich rule; a direct rule and two
# settings firewalld 2.x dropped or deprecated.
mkdir -p "$R/etc/firewalld/zones"
cat > "$R/etc/firewalld/firewalld.conf" <<'EOF2'
DefaultZone=public
FirewallBackend=iptables
AllowZoneDrifting=yes
EOF2
cat > "$R/etc/firewalld/zones/public.xml" <<'EOF2'
<?xml version="1.0" encoding="utf-8"?>
<zone>
  <short>Public</short>
  <service name="ssh"/>
  <port protocol="tcp" port="8443"/>
  <rule family="ipv4">
    <source address="10.0.0.0/8"/>
    <port protocol="tcp" port="5432"/>
    <accept/>
  </rule>
</zone>
EOF2
cat > "$R/etc/firewalld/direct.xml" <<'EOF2'
<?xml version="1.0" encoding="utf-8"?>
<direct>
  <rule ipv="ipv4" table="filter" chain="INPUT" priority="0">-p tcp --dport 9090 -j ACCEPT</rule>
</direct>
EOF2
# Ubuntu: netplan (cloud-init's file and one without a renderer), an ifupdown stanza file, a
# NetworkManager profile, resolv.conf from resolvconf, ufw enabled with two rules, iptables-persistent
# rules, an nftables.conf with a rule; systemd-networkd files carry over (not reported).
mkdir -p "$U/etc/netplan" "$U/etc/network" "$U/etc/NetworkManager/system-connections" \
    "$U/run/resolvconf" "$U/etc/ufw" "$U/etc/iptables" "$U/etc/systemd/network"
cat > "$U/etc/netplan/50-cloud-init.yaml" <<'EOF2'
# This file is generated from information provided by the datasource.  Changes
# to it will not persist across an instance reboot.
network:
    ethernets:
        eth0:
            dhcp4: true
    version: 2
EOF2
cat > "$U/etc/netplan/60-acme.yaml" <<'EOF2'
network:
  version: 2
  ethernets:
    ens5:
      match:
        macaddress: "00:0d:3a:00:00:05"
      set-name: ens5
      addresses:
        - 10.50.0.4/24
        - "2001:db8:50::4/64"
      routes:
        - to: default
          via: 10.50.0.1
        - to: 10.60.0.0/16
          via: 10.50.0.254
          metric: 100
      nameservers:
        addresses: [10.50.0.2]
        search: [corp.example]
      link-local: []
      mtu: 1400
    ens6: {}
    ens7: {}
  bonds:
    bond1:
      interfaces: [ens6, ens7]
      parameters:
        mode: active-backup
        mii-monitor-interval: 100
        primary: ens6
      dhcp4: true
  vlans:
    vlan20:
      id: 20
      link: ens5
      addresses: [10.30.0.4/24]
  wifis:
    wlan0:
      access-points:
        "acme-guest": {}
EOF2
cat > "$U/etc/netplan/70-lan.yaml" <<'EOF2'
network:
  version: 2
  ethernets:
    lan:
      match:
        name: "enp*"
      dhcp4: true
      dhcp4-overrides:
        hostname: acme-web1
    nic2:
      match:
        macaddress: "00:0d:3a:00:00:09"
      dhcp4: true
EOF2
cat > "$U/etc/network/interfaces" <<'EOF2'
auto lo
iface lo inet loopback

auto eth2
iface eth2 inet static
    address 10.40.0.4
    netmask 255.255.255.0
    gateway 10.40.0.1
    dns-nameservers 10.40.0.2
    up ip route add 172.20.0.0/16 via 10.40.0.254
    post-up /usr/local/sbin/acme-tune eth2

iface eth2 inet6 static
    address 2001:db8:40::4/64
    gateway 2001:db8:40::1

auto br0
iface br0 inet dhcp
    bridge_ports eth3
    bridge_stp off
    bridge_fd 0
    bridge_maxwait 0
EOF2
cat > "$U/etc/NetworkManager/system-connections/acme-vpn.nmconnection" <<'EOF2'
[connection]
id=acme-vpn
type=wireguard
EOF2
ln -s ../run/resolvconf/resolv.conf "$U/etc/resolv.conf"
printf 'nameserver 127.0.0.53\n' > "$U/run/resolvconf/resolv.conf"
printf 'ENABLED=yes\nLOGLEVEL=low\n' > "$U/etc/ufw/ufw.conf"
cat > "$U/etc/ufw/user.rules" <<'EOF2'
*filter
### tuple ### allow tcp 22 0.0.0.0/0 any 0.0.0.0/0 in
-A ufw-user-input -p tcp --dport 22 -j ACCEPT
### tuple ### allow tcp 443 0.0.0.0/0 any 10.0.0.0/8 in
-A ufw-user-input -p tcp --dport 443 -s 10.0.0.0/8 -j ACCEPT
COMMIT
EOF2
printf '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 5432 -s 10.0.0.0/8 -j ACCEPT\nCOMMIT\n' \
    > "$U/etc/iptables/rules.v4"
cat > "$U/etc/nftables.conf" <<'EOF2'
#!/usr/sbin/nft -f
flush ruleset
table inet filter {
  chain input {
    type filter hook input priority 0; policy accept;
    tcp dport 9100 ip saddr 10.0.0.0/8 accept
  }
}
EOF2
printf '[Match]\nName=eth9\n\n[Network]\nDHCP=yes\n' > "$U/etc/systemd/network/10-eth9.network"
