/* The bundled library libacme-core.so.1 (shipped in /opt/acme/lib as libacme-core.so.1.2.3). */
int acme_core_version(void) { return 1; }
