#!/usr/bin/python2
print "acme legacy report"
