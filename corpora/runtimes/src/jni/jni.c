/* A JNI library stand-in (never run): one exported function, the libraries it needs come
 * from the link line. */
int Java_acme_Native_ping(void) { return 0; }
