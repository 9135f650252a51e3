/* Needs xmlReadMemory@LIBXML2_2.6.0 from libxml2.so.2 (package libxml2, base); the pack has no
 * version-node list for libxml2.so.2. */
extern void *xmlReadMemory(const char *buf, int size, const char *url, const char *enc, int opts);
int main(void) { return xmlReadMemory("<a/>", 4, 0, 0, 0) != 0; }
