/* libacme-sys.so.1, shipped in /opt/acme/syslib (a directory listed in /etc/ld.so.conf.d). */
int acme_sys_fn(void) { return 0; }
