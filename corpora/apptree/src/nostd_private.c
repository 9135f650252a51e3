/* Built with -nostdlib against a stub named libc.so.6 whose symbols are in GLIBC_2.2.5 and
 * GLIBC_PRIVATE: the program needs libc.so.6 -> {GLIBC_2.2.5, GLIBC_PRIVATE}. Never run. */
extern int getpid(void);
extern int __libc_acme_private(void);
void _start(void) {
    int r = getpid() + __libc_acme_private();
    __asm__ volatile("mov $60, %%eax\n\tsyscall" : : "D"(r) : "rax", "rcx", "r11", "memory");
    for (;;) {}
}
