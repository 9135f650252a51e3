#!/bin/sh
# Acme control script run by acme-exec.service (ExecReload=).
case "$1" in
reload)
    cat /sys/fs/cgroup/cpu,cpuacct/acme/cpuacct.usage
    touch /run/lock/acme.lock
    telinit q
    ;;
maintenance)
    touch /forcefsck
    wall "acme maintenance"
    ;;
esac
