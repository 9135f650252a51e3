/* Needs OPENSSL_init_ssl@OPENSSL_1_1_0 from libssl.so.1.1: OpenSSL 1.1 is not in Azure Linux 4.0. */
extern int OPENSSL_init_ssl(unsigned long opts, const void *settings);
int main(void) { return OPENSSL_init_ssl(0, 0); }
