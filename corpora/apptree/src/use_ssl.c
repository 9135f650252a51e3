/* Needs SSL_new@OPENSSL_3.0.0 from libssl.so.3 (linked against a stub; the stub is not shipped). */
extern void *SSL_new(void *ctx);
int main(void) { return SSL_new(0) != 0; }
