/* Needs libacme-sys.so.1, found only through the tree's /etc/ld.so.conf.d/acme.conf. */
extern int acme_sys_fn(void);
int main(void) { return acme_sys_fn(); }
