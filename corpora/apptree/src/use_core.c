/* Calls into the bundled libacme-core.so.1. */
extern int acme_core_version(void);
int main(void) { return acme_core_version() == 1 ? 0 : 1; }
