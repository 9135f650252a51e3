/* A stand-in for a JDK's bin/java launcher (the JDK is recognised by its release file). */
int main(void) { return 0; }
