#!/bin/sh
# build.sh: the commit stage. Runs the unit tests, then packs the service into
# dist/shop.tar.gz with a VERSION file (VERSION=$CDSH_VERSION, COMMIT=$CDSH_COMMIT).
# The tarball is reproducible: same sources and version -> same bytes.
set -eu
. "$(dirname "$0")/lib.sh"
cd "$SCRIPTS_DIR/.."

version=${CDSH_VERSION:-dev}
commit=${CDSH_COMMIT:-$(git rev-parse HEAD 2>/dev/null || echo unknown)}
check_name version "$version"
check_name commit "$commit"

export PYTHONDONTWRITEBYTECODE=1
say "unit tests"
"$PYTHON" -m unittest discover -s tests -t . || die "unit tests failed: no artifact built"

say "packing dist/shop.tar.gz ($version, $commit)"
rm -rf dist
mkdir dist
"$PYTHON" - "$version" "$commit" <<'PY'
import gzip, hashlib, io, os, sys, tarfile

version, commit = sys.argv[1], sys.argv[2]
files = []
for folder, dirs, names in os.walk("shop"):
    dirs[:] = sorted(d for d in dirs if d != "__pycache__")
    files += [os.path.join(folder, n) for n in sorted(names) if not n.endswith((".pyc", ".pyo"))]

def entry(name, data, mode=0o644):
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), mode, 0
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info, io.BytesIO(data)

raw = io.BytesIO()
with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
    tar.addfile(*entry("VERSION", f"VERSION={version}\nCOMMIT={commit}\n".encode()))
    for path in sorted(files):
        with open(path, "rb") as f:
            tar.addfile(*entry(path, f.read()))
with open("dist/shop.tar.gz", "wb") as out:
    with gzip.GzipFile(filename="", fileobj=out, mode="wb", mtime=0) as gz:
        gz.write(raw.getvalue())
with open("dist/shop.tar.gz", "rb") as f:
    digest = hashlib.sha256(f.read()).hexdigest()
print(f"dist/shop.tar.gz  {os.path.getsize('dist/shop.tar.gz')} bytes  {len(files) + 1} files  sha256 {digest}")
PY
