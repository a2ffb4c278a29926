#!/usr/bin/env bash
# Makes Tests/Fixtures/release-state: a project's git history (repo.bundle) and the state folder a released cdsh
# left beside it (state.tar.gz), for the upgrade test. Run once with the release's binary; never regenerate with a
# newer one, or the test no longer proves that an old state folder upgrades.
#   Tests/Fixtures/make-release-state.sh PATH/TO/OLD/cdsh
set -euo pipefail
cdsh=$(realpath "$1")
out=$(cd "$(dirname "$0")" && pwd)/release-state
work=$(mktemp -d /tmp/cdsh-release-XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/project/scripts" "$work/project/config" "$work/deployed"
cd "$work/project"
git init -q -b main
git config user.email fixture@example.com
git config user.name fixture
cat > cdsh.yml <<'YML'
name: release
deploy: ./scripts/deploy.sh
environments:
  sandbox: {config: config/sandbox.env}
  production: {config: config/production.env}
stages:
  - name: commit
    jobs:
      build:
        run: [./scripts/build.sh]
        artifacts: [dist/app.txt]
  - name: sandbox
    environment: sandbox
    jobs:
      smoke: echo "smoke ok in $CDSH_ENVIRONMENT"
  - name: production
    environment: production
    approval: manual
    jobs:
      smoke: echo "smoke ok in $CDSH_ENVIRONMENT"
YML
printf '#!/bin/sh\nset -eu\ntest ! -f broken\nmkdir -p dist\necho "app $(cat VERSION)" > dist/app.txt\necho built\n' > scripts/build.sh
printf '#!/bin/sh\nset -eu\nmkdir -p "$DEPLOY_ROOT/$CDSH_ENVIRONMENT"\ncp "$CDSH_ARTIFACTS/dist/app.txt" "$DEPLOY_ROOT/$CDSH_ENVIRONMENT/"\necho "deployed $CDSH_VERSION"\n' > scripts/deploy.sh
chmod +x scripts/*.sh
echo "NAME=sandbox" > config/sandbox.env
echo "NAME=production" > config/production.env
export DEPLOY_ROOT="$work/deployed" CDSH_USER=alice NO_COLOR=1 CDSH_ENGINE_IDLE=1
commit() { echo "$1" > VERSION; git add -A; git commit -q -m "release $1"; }
commit 1.0
"$cdsh" -c 'submit --note "first release"' -c 'wait v1 --timeout 60s' || true
CDSH_USER=bob "$cdsh" -c "approve v1 --reason 'looks good'" -c 'wait v1 --timeout 60s'
commit 1.1
"$cdsh" -c 'submit' -c 'wait v2 --timeout 60s' || true
CDSH_USER=bob "$cdsh" -c "approve v2 --reason 'second'" -c 'wait v2 --timeout 60s'
commit 1.2
touch broken; git add broken; git commit -q -m "a broken build"
"$cdsh" -c 'submit' -c 'wait v3 --timeout 60s' || true
git rm -q broken; commit 1.3
"$cdsh" -c 'submit --note "waits for approval"' -c 'wait v4 --timeout 60s' || true
"$cdsh" -c 'status'
sleep 2  # the idle engine exits
rm -f .cdsh/engine.lock .cdsh/engine.sock
rm -rf "$out"; mkdir -p "$out"
git bundle create -q "$out/repo.bundle" --all
sqlite3 .cdsh/state.sqlite 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null 2>&1 || true
tar -C "$work/project" -czf "$out/state.tar.gz" .cdsh
echo "$work/project" > "$out/made-at"
"$cdsh" --version 2>/dev/null > "$out/made-by" || git -C "$(dirname "$cdsh")" rev-parse HEAD > "$out/made-by" 2>/dev/null || true
ls -la "$out"
