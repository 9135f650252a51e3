/* libacme-ver.so.1. Built twice: with -DACME_VER_2 as the link-time stub (ACME_1.0 + ACME_2.0,
 * not shipped), and without it as the shipped library (ACME_1.0 only). */
int acme_ver_old(void) { return 1; }
#ifdef ACME_VER_2
int acme_ver_new(void) { return 2; }
#endif
