/* A stand-in for a Perl XS module or a Ruby native extension: its install directory is what
 * azl-compat reads for the interpreter ABI. Never loaded. */
int acme_ext_boot(void) { return 0; }
