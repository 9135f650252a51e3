"""Command line of the fixture app: what a RHEL 9 (Python 3.9) application looks like.

import asyncore   <- inside a docstring: not an import
"""
import os
import sys
import imp  # removed in Python 3.12: this line breaks on Python 3.14

try:
    import telnetlib  # guarded: the code survives its absence
except ImportError:
    telnetlib = None

from markupsafe import escape


def main():
    banner = "import pipes"  # a string, not an import
    mod = imp.new_module("plugins")
    print(escape(banner), mod, os.getcwd(), telnetlib, file=sys.stderr)
    return 0
