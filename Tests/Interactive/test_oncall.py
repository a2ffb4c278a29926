"""The on-call shell at a real terminal: keys typed at awkward moments, a resize, notices at an idle prompt,
completion that knows what changed elsewhere — checked on the screen (tmux) or the byte stream (pexpect)."""
import os
import subprocess
import time

import pexpect

from conftest import BINARY, PIPELINE, PROMPT, cdsh, leave, shell

# The demo pipeline with a commit stage that takes two seconds and a sandbox smoke test that takes a minute where
# the commit holds a file `slow`: versions stay in flight while a patch goes ahead.
ONCALL_PIPELINE = PIPELINE.replace('{run: "mkdir -p', '{run: "sleep 2 && mkdir -p').replace(
    'environment: sandbox\n    jobs:\n      smoke: "true"',
    'environment: sandbox\n    jobs:\n      smoke: "if [ -f slow ]; then sleep 60; fi"')


def git(project, *args):
    subprocess.run(["git", *args], cwd=project["repo"], env=project["env"], check=True, capture_output=True)


def commit(project, message, **files):
    for name, text in files.items():
        with open(f"{project['repo']}/{name}", "w") as handle:
            handle.write(text)
    git(project, "add", "-A")
    git(project, "commit", "-qm", message)


def test_ctrl_d_typed_while_the_shell_starts_ends_it(project):
    for _ in range(5):
        child = pexpect.spawn(BINARY, cwd=project["repo"], env=project["env"], encoding="utf-8", timeout=15)
        child.expect("Ctrl-D leaves")
        child.sendcontrol("d")
        child.expect(pexpect.EOF, timeout=5)
        child.close()
        assert child.exitstatus == 0


def test_ctrl_c_is_written_after_the_line_not_over_the_cursor(project):
    child = shell(project)
    child.send("status")
    child.send("\x1b[D\x1b[D")
    child.sendcontrol("c")
    child.expect_exact("us^C")
    child.expect_exact(PROMPT)
    assert leave(child) == 0


def test_a_resize_redraws_the_line_being_edited(project, screen):
    terminal = screen(width=100)
    text = "show v1 --json and a line long enough to wrap once the window is narrower"
    terminal.type(text)
    terminal.resize(40)
    terminal.press("C-a")
    terminal.type("X")
    # The keys reach cdsh after tmux returns: wait for the edit to show, then look for what it left behind.
    deadline = time.time() + 10
    screen_text = terminal.text()
    while "demo › X" + text not in "".join(screen_text.split("\n")) and time.time() < deadline:
        time.sleep(0.05)
        screen_text = terminal.text()
    assert "demo › X" + text in "".join(screen_text.split("\n")), screen_text
    assert "".join(screen_text.split("\n")).count("enough to wrap") == 1, "no stale rows:\n" + screen_text


def test_a_wait_narrowed_while_it_runs_leaves_no_stale_progress_line(project, screen):
    with open(f"{project['repo']}/cdsh.yml", "w") as handle:
        handle.write(ONCALL_PIPELINE)
    commit(project, "slow sandbox", slow="")
    terminal = screen(width=120)
    terminal.type("submit; wait v1 --timeout 4s")
    terminal.press("Enter")
    terminal.wait_for(r"v1 sandbox")
    terminal.resize(30)
    terminal.wait_for(r"timed out")
    progress = [line for line in terminal.lines() if "v1 sandbox" in line or "v1 commit" in line]
    assert progress == [], "the progress line is cleared, whatever its width was:\n" + terminal.text()


def test_a_progress_line_drawn_wider_than_the_screen_is_still_cleared(project, screen):
    with open(f"{project['repo']}/cdsh.yml", "w") as handle:
        handle.write(ONCALL_PIPELINE)
    commit(project, "slow sandbox", slow="")
    terminal = screen(width=30, reported_width=120)
    terminal.type("submit; wait v1 --timeout 4s")
    terminal.press("Enter")
    terminal.wait_for(r"timed out")
    progress = [line for line in terminal.lines() if "v1 sandbox" in line or "v1 commit" in line]
    assert progress == [], "every redraw and the clear leave nothing behind:\n" + terminal.text()


def test_the_on_call_path(project, screen):
    with open(f"{project['repo']}/cdsh.yml", "w") as handle:
        handle.write(ONCALL_PIPELINE)
    commit(project, "slow sandbox", slow="")
    commit(project, "more", more="1")
    assert cdsh(project, "submit HEAD~1", "submit").returncode == 0
    terminal = screen(width=120)

    # The hotfix branch is made in another terminal while this shell waits at its prompt.
    git(project, "checkout", "-q", "-b", "hotfix-cve")
    git(project, "rm", "-q", "slow")
    git(project, "commit", "-qm", "fix CVE-2026-1")
    git(project, "checkout", "-q", "main")

    terminal.type("patch hot")
    terminal.press("Tab")
    terminal.wait_for(r"› patch hotfix-cve$")
    terminal.type("--reason 'CVE-2026-1' --preempt")
    terminal.press("Enter")
    terminal.wait_for(r"\nv3")

    # Half a command typed; the patch's stages end meanwhile and are noticed above it.
    terminal.type("approve ")
    screen_text = terminal.wait_for(r"v3 production awaiting-approval.*\n.*› approve$")
    assert screen_text.count("› approve") == 1, screen_text
    terminal.press("Tab")
    terminal.wait_for(r"› approve v3$")
    terminal.type("--reason 'ship the fix'")
    terminal.press("Enter")
    terminal.type("wait v3 --timeout 60s")
    terminal.press("Enter")
    terminal.wait_for(r"v3 passed every stage")
    terminal.press("C-d")
    shown = cdsh(project, "show v2").stdout
    assert "sandbox" in shown


def test_a_version_submitted_in_another_shell_completes_at_once(project):
    child = shell(project)
    child.send("show v\t")
    assert cdsh(project, "submit").returncode == 0
    child.sendcontrol("u")
    child.send("show v\t\r")
    child.expect(r"v1  demo")
    child.expect_exact(PROMPT)
    assert leave(child) == 0


def test_a_broken_pipeline_file_is_named_at_start(project):
    with open(f"{project['repo']}/cdsh.yml", "a") as handle:
        handle.write("  - nam: extra\n")
    child = pexpect.spawn(BINARY, cwd=project["repo"], env=project["env"], encoding="utf-8", timeout=15)
    child.expect(r"warning: cdsh.yml has 3 errors \(`check` lists them\)")
    child.expect_exact(PROMPT)
    child.send("check\r")
    child.expect(r"cdsh.yml:\d+:\d+: error: unknown key `nam`")
    child.expect_exact(PROMPT)
    assert leave(child) == 0


def test_output_taller_than_the_screen_goes_through_the_pager(project):
    paged = f"{project['repo']}/../paged.txt"
    project["env"]["CDSH_PAGER"] = f"cat > {paged}; echo paged-by-the-test"
    child = shell(project, dimensions=(10, 80))
    child.send("help\r")
    child.expect("paged-by-the-test")
    child.expect_exact(PROMPT)
    child.send("help exit\r")  # fits the screen: printed straight
    child.expect("usage: exit")
    child.expect_exact(PROMPT)
    child.send("help --json\r")  # JSON is never paged
    child.expect(r'\{"commands":')
    child.expect_exact(PROMPT)
    assert leave(child) == 0
    with open(paged) as handle:
        text = handle.read()
    assert text.startswith("commands:\n") and "`help COMMAND` explains one" in text
    assert all(len(line) <= 80 for line in text.splitlines()), "help is wrapped to the terminal's width"

    child = pexpect.spawn(BINARY, ["--no-pager", "-c", "help"], cwd=project["repo"], env=project["env"],
                          encoding="utf-8", timeout=15, dimensions=(10, 80))
    child.expect("`help COMMAND` explains one")
    child.expect(pexpect.EOF)
    assert "paged-by-the-test" not in child.before


def test_less_pages_by_default_and_q_returns_to_the_prompt(project):
    project["env"].pop("PAGER", None)
    child = shell(project, dimensions=(10, 80))
    child.send("help\r")
    child.expect("commands:")
    held = child.expect([r"explains one", pexpect.TIMEOUT], timeout=2)
    assert held == 1, "less shows one screenful and waits: the end of the help is not printed yet"
    child.send("G")  # to the end
    child.expect("explains one")
    child.send("q")
    child.expect_exact(PROMPT)
    child.send("status\r")
    child.expect("no versions yet")
    child.expect_exact(PROMPT)
    assert leave(child) == 0


def test_wait_says_why_a_version_is_queued(project, screen):
    with open(f"{project['repo']}/cdsh.yml", "w") as handle:
        handle.write(ONCALL_PIPELINE)
    commit(project, "slow sandbox", slow="")
    assert cdsh(project, "submit", "wait v1 commit --timeout 30s", "submit").returncode == 0  # v1 takes sandbox
    terminal = screen(width=120)
    terminal.type("wait v2 sandbox --timeout 20s")
    terminal.press("Enter")
    seen = []
    deadline = time.time() + 20
    while time.time() < deadline:
        line = terminal.lines()[-1]
        if not seen or seen[-1] != line[2:]:
            seen.append(line[2:])
        if "v2 sandbox queued — waits for environment sandbox (held by v1 sandbox)" in line:
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the reason never showed:\n" + "\n".join(seen))
    terminal.press("C-c")
    terminal.wait_for(r"interrupted")


def test_a_version_approved_here_is_noticed_when_it_goes_live(project):
    assert cdsh(project, "submit", "wait v1 --timeout 60s").returncode == 0  # submitted elsewhere
    child = shell(project)
    child.send("approve v1 --reason 'ship it'\r")
    child.expect("v1 approved for production")
    child.expect_exact(PROMPT)
    child.expect(r"v1 production passed after", timeout=30)  # at the idle prompt, nothing typed
    assert leave(child) == 0


def test_a_byte_that_is_not_utf8_never_swallows_the_enter_after_it(project):
    child = shell(project)
    child.send("st")
    os.write(child.child_fd, b"\xe9\r")
    child.expect("unknown command", timeout=5)
    child.expect_exact(PROMPT)
    assert leave(child) == 0


def test_a_pager_that_is_not_installed_means_none(project):
    project["env"]["PAGER"] = "no-such-pager -R"
    project["env"].pop("CDSH_PAGER", None)
    child = shell(project, dimensions=(10, 80))
    child.send("help\r")
    child.expect("explains one")
    child.expect_exact(PROMPT)
    assert "not found" not in child.before
    assert leave(child) == 0


def test_a_longer_prompt_redrawn_at_the_idle_prompt_erases_nothing_above_it(project, screen):
    terminal = screen(width=40)
    terminal.type("help exit")
    terminal.press("Enter")
    terminal.wait_for(r"document on\n.*stdout\ndemo ›$")
    above = [line for line in terminal.lines() if line.strip()][-2]
    terminal.type("x" * 30)  # `demo › ` and 30 more: one row; with `demo ?1 › ` two
    assert cdsh(project, "submit", "wait v1 --timeout 60s").returncode == 0  # another shell
    terminal.wait_for(r"demo \?1 › x+$")
    lines = [line for line in terminal.lines() if line.strip()]
    assert above in lines, f"the output above the prompt is intact:\n{terminal.text()}"
    assert "".join(lines[-2:]).endswith("demo ?1 › " + "x" * 30), terminal.text()


# A commit stage whose job ignores TERM: when its engine dies, the engine's watcher needs its grace period (5 s)
# and KILL to stop it, and whoever settles the dead engine's work waits for that.
STUBBORN_PIPELINE = PIPELINE.replace('{run: "mkdir -p', '{run: "trap \'\' TERM; echo $$ > $HOME/job.pid; sleep 30; mkdir -p')


def stubborn_job_running(project):
    with open(f"{project['repo']}/cdsh.yml", "w") as handle:
        handle.write(STUBBORN_PIPELINE)
    commit(project, "a build that ignores TERM")
    assert cdsh(project, "submit").returncode == 0
    pid_file = os.path.join(project["env"]["HOME"], "job.pid")
    deadline = time.time() + 30
    job = None
    while job is None and time.time() < deadline:  # the file may exist before its line is written
        try:
            with open(pid_file) as handle:
                job = int(handle.read())
        except (FileNotFoundError, ValueError):
            time.sleep(0.05)
    assert job, "the build started"
    with open(f"{project['repo']}/.cdsh/engine.lock") as handle:
        engine = int(handle.read())
    return job, engine


def kill_and_wait(pid):
    """SIGKILLs `pid` and returns once it is gone (a kill is delivered asynchronously)."""
    os.kill(pid, 9)
    deadline = time.time() + 10
    while running(pid) and time.time() < deadline:
        time.sleep(0.01)


def running(pid):
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return ") Z " not in handle.read()
    except FileNotFoundError:
        return False


def test_a_command_after_an_engine_crash_says_why_it_waits_then_shows_the_work_stopped(project, screen):
    terminal = screen(width=120)
    job, engine = stubborn_job_running(project)
    kill_and_wait(engine)
    terminal.type("status")
    terminal.press("Enter")
    text = terminal.wait_for(r"interrupted at commit", timeout=30)
    assert "the engine stopped unexpectedly; waiting for its jobs to stop" in text, text
    assert not running(job), "status answered while the job still ran"


def test_an_engine_crash_settled_at_the_idle_prompt_leaves_the_line_being_typed_intact(project, screen):
    terminal = screen(width=120)
    terminal.type("sta")
    job, engine = stubborn_job_running(project)
    kill_and_wait(engine)
    text = terminal.wait_for(r"✗1 › sta$", timeout=30)  # the prompt counts the stopped version
    assert "waiting for its jobs" not in text, "nothing is written under the line editor:\n" + text
    assert not running(job)
