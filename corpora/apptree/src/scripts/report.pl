#!/usr/bin/perl
print "acme report\n";
