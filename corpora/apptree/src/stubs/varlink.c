/* Link-time stand-in for libvarlink.so.0 (not shipped). Unversioned on purpose. */
long varlink_object_new(void **obj) { *obj = 0; return 0; }
