/* Bundled libbroken.so.1: needs libacme-gone.so.3 (stub at build time, shipped nowhere). */
extern int acme_gone_fn(void);
int broken_fn(void) { return acme_gone_fn(); }
