"""Acme billing app (a fixture of azl-compat: corpora/runtimes/build.sh)."""
# import cgi  -- a comment is not an import
__version__ = "1.0"
