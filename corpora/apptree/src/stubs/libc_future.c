/* Link-time stand-in named libc.so.6 that defines a symbol in a glibc version from the future. */
int acme_future_fn(void) { return 0; }
