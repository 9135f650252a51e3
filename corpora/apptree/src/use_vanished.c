/* Needs libacme-vanished.so.4: a made-up soname that nothing provides. */
extern int acme_vanished(void);
int main(void) { return acme_vanished(); }
