/* 32-bit link-time stand-in named libc.so.6 for the i386 program (not shipped). */
int acme_i386_fn(void) { return 0; }
