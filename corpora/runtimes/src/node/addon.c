/* A stand-in for a native Node.js addon built with the V8 API (NAN, node-gyp): what matters to
 * azl-compat is the registration symbol it exports, node_register_module_v<NODE_MODULE_VERSION>.
 * Built twice by build.sh: NMV=93 (Node.js 16) and NMV=127 (Node.js 22). Never loaded. */
#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
void CAT(node_register_module_v, NMV)(void *exports, void *module, void *context)
{
    (void)exports;
    (void)module;
    (void)context;
}
