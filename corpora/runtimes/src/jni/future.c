/* A JNI library needing libc.so.6 -> GLIBC_2.99 (linked against a stub libc that defines the
 * symbol in that version; no glibc has it). Never run. */
extern int acme_future_fn(void);
int Java_acme_Native_future(void) { return acme_future_fn(); }
