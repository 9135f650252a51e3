/* Link-time stand-in for libacme-gone.so.3 (not shipped, exists nowhere). */
int acme_gone_fn(void) { return 0; }
