/* Link-time stand-in for libpython3.12.so.1.0 (not shipped). Unversioned, like CPython's. */
void Py_Initialize(void) {}
