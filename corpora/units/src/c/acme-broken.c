/* A program that breaks on the target: it needs libacme_gone.so.1, which the tree does not
 * carry and no Azure Linux package ships. */
extern int acme_gone(void);
int main(void) { return acme_gone(); }
