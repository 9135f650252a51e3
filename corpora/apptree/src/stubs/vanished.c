/* Link-time stand-in for libacme-vanished.so.4 (not shipped, exists nowhere). */
int acme_vanished(void) { return 0; }
