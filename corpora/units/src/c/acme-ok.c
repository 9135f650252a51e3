/* A program that runs on the target: needs only libc. */
int main(void) { return 0; }
