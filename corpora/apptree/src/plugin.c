/* A plugin that nothing in the tree links to (dlopen'ed at run time); it needs
 * libacme-plugin-rt.so.2, which exists nowhere. */
extern int acme_plugin_rt_init(void);
int acme_plugin_entry(void) { return acme_plugin_rt_init(); }
