/* Built with -nostdlib against a stub named libc.so.6, so its only version need is
 * libc.so.6 -> GLIBC_2.99, which no glibc (2.42 on the target) defines. Never run. */
extern int acme_future_fn(void);
void _start(void) {
    int r = acme_future_fn();
    __asm__ volatile("mov $60, %%eax\n\tsyscall" : : "D"(r) : "rax", "rcx", "r11", "memory");
    for (;;) {}
}
