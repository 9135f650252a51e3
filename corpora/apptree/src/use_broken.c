/* Loads the bundled libbroken.so.1, which itself needs a library that exists nowhere. */
extern int broken_fn(void);
int main(void) { return broken_fn(); }
