/* liba: no RPATH/RUNPATH of its own; needs libb. */
extern int inh_b(void);
int inh_a(void) { return inh_b() + 1; }
