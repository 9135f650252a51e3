/* A 32-bit i386 program (compiled with -m32, linked by ld -m elf_i386 against a 32-bit stub
 * libc.so.6, PT_INTERP /lib/ld-linux.so.2). Azure Linux 4.0 has no i386 runtime. Never run. */
extern int acme_i386_fn(void);
void _start(void) {
    acme_i386_fn();
    for (;;) {}
}
