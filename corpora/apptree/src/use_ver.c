/* Needs acme_ver_new@ACME_2.0 from libacme-ver.so.1; the bundled copy only defines ACME_1.0. */
extern int acme_ver_new(void);
int main(void) { return acme_ver_new(); }
