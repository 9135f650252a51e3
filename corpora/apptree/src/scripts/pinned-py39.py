#!/usr/bin/env python3.9
print("acme pinned to 3.9")
