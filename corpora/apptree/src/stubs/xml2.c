/* Link-time stand-in for libxml2.so.2 (not shipped). */
void *xmlReadMemory(const char *buf, int size, const char *url, const char *enc, int opts) {
    (void)size; (void)url; (void)enc; (void)opts; return (void *)buf;
}
