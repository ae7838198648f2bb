#!/bin/sh
# autogen.sh: generates ./configure from configure.ac (run once in a fresh clone).
set -e
cd "$(dirname "$0")"
mkdir -p m4
autoreconf -fi
