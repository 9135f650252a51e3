/* Link-time stand-ins (never shipped): libc.so.6 with a GLIBC_2.99 symbol, and a library the
 * target lacks. */
int acme_future_fn(void) { return 0; }
int acme_gone_fn(void) { return 0; }
