/* A plain program: needs only libc.so.6 (always on the target). GREETING tells copies apart. */
#include <stdio.h>
#ifndef GREETING
#define GREETING "acme"
#endif
int main(void) { puts(GREETING); return 0; }
