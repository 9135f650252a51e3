/* Link-time stand-in for libssl.so.1.1 (not shipped). */
int OPENSSL_init_ssl(unsigned long opts, const void *settings) { (void)settings; return (int)opts; }
