/* Needs libvarlink.so.0: the pack only knows `libvarlink.so.*` (a %files glob) for it. */
extern long varlink_object_new(void **obj);
int main(void) { void *o; return (int)varlink_object_new(&o); }
