/* libb: a leaf library. */
int inh_b(void) { return 41; }
