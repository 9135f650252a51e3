/* A plugin (dlopen'ed by a program of the tree) that needs libacme-core.so.1 without any
 * RPATH/RUNPATH: the host program has already loaded it, so the loader finds it by soname. */
extern int acme_core_version(void);
int acme_plugin_host_entry(void) { return acme_core_version(); }
