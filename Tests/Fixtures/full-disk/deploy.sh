#!/bin/sh
# $FLAGS/fill names a file to fill the disk with before the deploy is recorded as passed.
if [ -f "$FLAGS/fill" ]; then head -c 64000000 /dev/zero > "$(cat "$FLAGS/fill")" 2>/dev/null; fi
exit 0
