"""Tamper torture: damage stored artifacts, or the copy a job sees, in many ways; every deploy must refuse or see
only the verified bytes."""
import json
import os
import shutil

from project_fixture import Project

PIPELINE = """\
name: tamper
deploy: ./deploy.sh
environments: {sandbox: {}, production: {}}
stages:
  - name: commit
    jobs:
      build:
        run: ['mkdir -p dist/conf', 'head -c 4096 /dev/zero | tr "\\\\0" a > dist/app.bin', 'echo "{\\\\"k\\\\": 1}" > dist/conf/settings.json']
        artifacts: [dist/app.bin, dist/conf/settings.json]
  - name: sandbox
    environment: sandbox
    approval: manual
    jobs: {meddle: ./meddle.sh}
  - name: production
    environment: production
    jobs: {smoke: 'true'}
"""
DEPLOY = """#!/bin/sh
cd "$CDSH_ARTIFACTS" && { find . | sort; find . -type f | sort | xargs sha256sum; } > "$OUT/deployed-$CDSH_VERSION-$CDSH_ENVIRONMENT"
"""
MEDDLE = """#!/bin/sh
action=$(cat "$OUT/meddle" 2>/dev/null)
target="$CDSH_ARTIFACTS/$(cat "$OUT/meddle-target" 2>/dev/null)"
case "$action" in
  flip) printf 'X' | dd of="$target" bs=1 seek=0 conv=notrunc status=none ;;
  truncate) : > "$target" ;;
  delete) rm -f "$target" ;;
  symlink) rm -f "$target"; ln -s /etc/passwd "$target" ;;
  add) echo extra > "$CDSH_ARTIFACTS/dist/extra.bin" ;;
esac
exit 0
"""
ARTIFACTS = ["dist/app.bin", "dist/conf/settings.json"]


def blob_damages():
    def flip(offset):
        def damage(path, other, scratch):
            data = bytearray(open(path, "rb").read())
            index = {"first": 0, "middle": len(data) // 2, "last": len(data) - 1}[offset]
            data[index] ^= 0xFF
            write(path, data)
        return damage

    def write(path, data):
        os.chmod(path, 0o644)
        with open(path, "wb") as handle:
            handle.write(data)

    def replace(path, maker):
        os.remove(path)
        maker(path)

    def copy_to_scratch(path, scratch, flip_it=False):
        copy = os.path.join(scratch, os.path.basename(path) + (".flipped" if flip_it else ".copy"))
        data = bytearray(open(path, "rb").read())
        if flip_it:
            data[0] ^= 0xFF
        with open(copy, "wb") as handle:
            handle.write(data)
        return copy

    return {
        "flip first byte": flip("first"), "flip middle byte": flip("middle"), "flip last byte": flip("last"),
        "truncate to empty": lambda p, o, s: write(p, b""),
        "truncate by one byte": lambda p, o, s: write(p, open(p, "rb").read()[:-1]),
        "truncate to half": lambda p, o, s: write(p, open(p, "rb").read()[: os.path.getsize(p) // 2]),
        "append a byte": lambda p, o, s: write(p, open(p, "rb").read() + b"\n"),
        "prepend a byte": lambda p, o, s: write(p, b"#" + open(p, "rb").read()),
        "same size, other bytes": lambda p, o, s: write(p, os.urandom(os.path.getsize(p))),
        "the other artifact's bytes": lambda p, o, s: write(p, open(o, "rb").read()),
        "delete": lambda p, o, s: os.remove(p),
        "move away": lambda p, o, s: os.rename(p, p + ".moved"),
        "symlink to an identical copy": lambda p, o, s: (lambda c: replace(p, lambda q: os.symlink(c, q)))(copy_to_scratch(p, s)),
        "symlink to another file": lambda p, o, s: replace(p, lambda q: os.symlink("/etc/passwd", q)),
        "symlink to a device": lambda p, o, s: replace(p, lambda q: os.symlink("/dev/zero", q)),
        "hard link to another file": lambda p, o, s: replace(p, lambda q: os.link(copy_to_scratch(o, s), q)),
        "a folder in its place": lambda p, o, s: replace(p, os.mkdir),
        "a FIFO in its place": lambda p, o, s: replace(p, lambda q: os.mkfifo(q, 0o600)),
    }, copy_to_scratch


def run(binary):
    project = Project(binary, {"cdsh.yml": PIPELINE, "deploy.sh": DEPLOY, "meddle.sh": MEDDLE},
                      executables={"deploy.sh", "meddle.sh"})
    results = []
    try:
        first = project.cdsh("submit", "wait v1 --timeout 60s", "approve v1 --reason clean", "wait v1 --timeout 60s")
        if first.returncode != 0:
            raise RuntimeError(f"the clean run failed: {first.stderr}")
        expected = open(os.path.join(project.out, "deployed-v1-production")).read()
        store = os.path.join(project.state, "artifacts", "sha256")
        pristine = os.path.join(project.out, "pristine")
        shutil.copytree(store, pristine, symlinks=True)
        digests = {artifact["path"]: artifact["sha256"] for artifact in project.json("artifacts v1")["artifacts"]}
        blob = {path: os.path.join(store, digests[path][:2], digests[path]) for path in ARTIFACTS}
        scratch = os.path.join(project.out, "scratch")
        os.makedirs(scratch)
        damages, copy_to_scratch = blob_damages()
        number = [1]

        def restore():
            if os.path.islink(store) or os.path.isfile(store):
                os.remove(store)
            else:
                shutil.rmtree(store, ignore_errors=True)
            shutil.copytree(pristine, store, symlinks=True)
            for path in blob.values():
                os.chmod(path, 0o444)
            for name in ("meddle", "meddle-target"):
                if os.path.exists(os.path.join(project.out, name)):
                    os.remove(os.path.join(project.out, name))

        def case(name, damage, visible_only=False):
            number[0] += 1
            version = f"v{number[0]}"
            ready = project.cdsh("submit", f"wait {version} --timeout 60s")
            damage()
            finished = project.cdsh(f"approve {version} --reason tampered", f"wait {version} --timeout 60s")
            deployed = {env: os.path.join(project.out, f"deployed-{version}-{env}") for env in ("sandbox", "production")}
            if visible_only:
                ok = finished.returncode == 0 and all(os.path.exists(path) and open(path).read() == expected
                                                      for path in deployed.values())
            else:
                ok = ready.returncode == 0 and finished.returncode != 0 and not os.path.exists(deployed["sandbox"])
            results.append({"case": name, "blocked": ok, "detail": (finished.stderr or finished.stdout).strip()[-160:]})
            restore()

        for path in ARTIFACTS:
            other = blob[ARTIFACTS[1 - ARTIFACTS.index(path)]]
            for kind, damage in damages.items():
                case(f"{path}: {kind}", lambda d=damage, p=blob[path], o=other: d(p, o, scratch))
        app, settings = blob[ARTIFACTS[0]], blob[ARTIFACTS[1]]

        def swap():
            os.rename(app, app + ".tmp"); os.rename(settings, app); os.rename(app + ".tmp", settings)
        case("both: swapped", swap)
        case("both: deleted", lambda: (os.remove(app), os.remove(settings)))
        case("both: truncated", lambda: [open(p, "wb").close() for p in (app, settings)])
        for path in ARTIFACTS:
            case(f"{path}: its prefix folder deleted", lambda p=blob[path]: shutil.rmtree(os.path.dirname(p)))

            def linked_prefix(p=blob[path]):
                folder = os.path.join(scratch, "prefix-" + os.path.basename(p))
                shutil.copytree(os.path.dirname(p), folder)
                os.chmod(os.path.join(folder, os.path.basename(p)), 0o644)
                data = bytearray(open(os.path.join(folder, os.path.basename(p)), "rb").read())
                data[0] ^= 0xFF
                open(os.path.join(folder, os.path.basename(p)), "wb").write(data)
                shutil.rmtree(os.path.dirname(p))
                os.symlink(folder, os.path.dirname(p))
            case(f"{path}: prefix folder a symlink to damaged copies", linked_prefix)
        case("store: sha256 folder deleted", lambda: shutil.rmtree(store))

        def linked_store():
            copy = os.path.join(scratch, "store-copy")
            shutil.copytree(store, copy)
            target = os.path.join(copy, digests[ARTIFACTS[0]][:2], digests[ARTIFACTS[0]])
            os.chmod(target, 0o644)
            open(target, "ab").write(b"!")
            shutil.rmtree(store)
            os.symlink(copy, store)
        case("store: a symlink to a damaged copy", linked_store)
        case("store: a stray file beside a blob (not visible)",
             lambda: open(os.path.join(os.path.dirname(app), "stray"), "w").write("x"), visible_only=True)
        case("store: a stray blob-like file (not visible)",
             lambda: open(os.path.join(store, "ff" * 32), "w").write("x"), visible_only=True)
        for action in ("flip", "truncate", "delete", "symlink"):
            for path in ARTIFACTS:
                def meddle(a=action, p=path):
                    open(os.path.join(project.out, "meddle"), "w").write(a)
                    open(os.path.join(project.out, "meddle-target"), "w").write(p)
                case(f"job's copy of {path}: {action} (later deploy sees the original)", meddle, visible_only=True)
        case("job's copy: a file added (later deploy does not see it)",
             lambda: open(os.path.join(project.out, "meddle"), "w").write("add"), visible_only=True)
        return {"ways": len(results), "blocked": sum(1 for r in results if r["blocked"]),
                "not_blocked": [r for r in results if not r["blocked"]]}
    finally:
        project.close()


if __name__ == "__main__":
    import sys
    print(json.dumps(run(sys.argv[1]), indent=1))
