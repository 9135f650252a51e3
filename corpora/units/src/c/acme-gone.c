/* Link-time stub for libacme_gone.so.1 (kept outside the scan root). */
int acme_gone(void) { return 0; }
