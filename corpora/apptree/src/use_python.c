/* Embeds Python 3.12: needs libpython3.12.so.1.0 (python3.12-libs, sdk channel only). */
extern void Py_Initialize(void);
int main(void) { Py_Initialize(); return 0; }
