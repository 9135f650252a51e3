/* acme-interp: the interpreter of a bundled script; needs libacme-interp-rt.so.1 (nowhere). */
extern int acme_interp_run(int argc, char **argv);
int main(int argc, char **argv) { return acme_interp_run(argc, argv); }
