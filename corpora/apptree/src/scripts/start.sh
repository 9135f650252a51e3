#!/bin/bash
set -eu
echo "acme start"
