/* Link-time stand-in named libc.so.6 with one public (GLIBC_2.2.5) and one GLIBC_PRIVATE symbol. */
int getpid(void) { return 1; }
int __libc_acme_private(void) { return 0; }
