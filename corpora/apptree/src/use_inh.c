/* Loads liba (RPATH or RUNPATH variant), which loads libb from the same directory. */
extern int inh_a(void);
int main(void) { return inh_a(); }
