/* Link-time stand-in for libacme-plugin-rt.so.2 (not shipped, exists nowhere). */
int acme_plugin_rt_init(void) { return 0; }
