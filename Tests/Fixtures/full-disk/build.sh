#!/bin/sh
# Flags in $FLAGS say how to misbehave: a loud log, a big artifact, a slow build.
if [ -f "$FLAGS/loud" ]; then head -c 6000000 /dev/zero | tr '\0' x; fi
if [ -f "$FLAGS/big" ]; then head -c 6000000 /dev/urandom > out.bin; else echo small > out.bin; fi
if [ -f "$FLAGS/slow" ]; then echo started > "$FLAGS/started"; sleep 30; fi
