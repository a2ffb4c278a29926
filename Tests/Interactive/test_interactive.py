"""The interactive shell driven through a real pseudo-terminal (pexpect), as a person would use it."""
import json
import os
import signal
import stat
import subprocess
import tempfile
import termios
import time

import pexpect
import pytest

from conftest import BINARY, PROMPT, cdsh, leave, ready_version, shell


def test_tab_completes_a_command_a_flag_and_a_version(project):
    ready_version(project)
    child = shell(project)
    child.send("statu\t")  # `sta` is also `stats`
    child.send("--li\t")
    child.send("5\r")
    child.expect("ver +commit +commit +sandbox")
    child.expect_exact(PROMPT)
    child.send("show v\t\r")
    child.expect(r"v1  demo  awaiting-approval at production")
    child.expect_exact(PROMPT)
    assert leave(child) == 0


def test_an_ambiguous_prefix_lists_the_candidates(project):
    child = shell(project)
    child.send("re\t")
    child.expect(r"rerun +reject +report")
    child.sendcontrol("u")
    child.send("help reject\r")
    child.expect("usage: reject")
    child.expect_exact(PROMPT)
    assert leave(child) == 0


def test_up_and_ctrl_r_recall_history_after_a_restart(project):
    child = shell(project)
    child.send("help wait\r")
    child.expect("usage: wait")
    child.expect_exact(PROMPT)
    child.send(" help rerun\r")
    child.expect("usage: rerun")
    child.expect_exact(PROMPT)
    child.send("help wait\r")
    child.expect("usage: wait")
    child.expect_exact(PROMPT)
    assert leave(child) == 0

    with open(project["history"]) as handle:
        assert handle.read() == "help wait\n", "no consecutive duplicate, nothing that starts with a space"
    assert stat.S_IMODE(os.stat(project["history"]).st_mode) == 0o600

    child = shell(project)
    child.send("\x1b[A\r")
    child.expect("usage: wait")
    child.expect_exact(PROMPT)
    child.sendcontrol("r")
    child.send("help w")
    child.send("\r")
    child.expect("usage: wait")
    child.expect_exact(PROMPT)
    child.send("history\r")
    child.expect(r"1  help wait")
    child.expect_exact(PROMPT)
    assert leave(child) == 0


def test_ctrl_c_discards_a_half_typed_line(project):
    ready_version(project)
    child = shell(project)
    child.send("approve v1 --reason 'half a thought")
    child.sendcontrol("c")
    child.expect_exact(PROMPT)
    child.send("status\r")
    child.expect("awaiting-approval at production")
    child.expect_exact(PROMPT)
    assert leave(child) == 0
    assert "approve" not in cdsh(project, "audit").stdout


def test_ctrl_c_at_an_empty_prompt_keeps_the_shell(project):
    child = shell(project)
    for _ in range(3):
        child.sendcontrol("c")
        child.expect_exact(PROMPT)
    child.send("status\r")
    child.expect("no versions yet")
    child.expect_exact(PROMPT)
    assert child.isalive(), "Ctrl-C at an empty prompt must not end the shell"
    assert leave(child) == 0


def test_ctrl_c_stops_a_long_wait_and_returns_to_the_prompt(project):
    ready_version(project)
    child = shell(project)
    child.send("wait v1 production\r")
    time.sleep(1.0)
    child.sendcontrol("c")
    child.expect("interrupted")
    child.expect_exact(PROMPT)
    child.send("status\r")
    child.expect("awaiting-approval at production")
    child.expect_exact(PROMPT)
    assert leave(child) == 0


def test_ctrl_d_on_an_empty_line_exits_zero(project):
    child = shell(project)
    assert leave(child) == 0


def test_the_shell_warns_at_start_when_the_engine_would_lack_a_declared_secret(project):
    with open(os.path.join(project["repo"], "cdsh.yml"), "a") as handle:
        handle.write("secrets: [PTY_DEPLOY_TOKEN]\n")
    project["env"].pop("PTY_DEPLOY_TOKEN", None)
    child = pexpect.spawn(BINARY, cwd=project["repo"], env=project["env"], encoding="utf-8", timeout=15)
    child.expect_exact("secret PTY_DEPLOY_TOKEN is not set in this shell's environment")
    child.expect_exact(PROMPT)
    assert leave(child) == 0


def test_a_utf8_note_arrives_intact(project):
    child = shell(project)
    note = "café ✓ 東京"
    child.send(f"submit --note '{note}'\r")
    child.expect(r"v1\r\n")
    child.expect_exact(PROMPT)
    assert leave(child) == 0
    shown = json.loads(cdsh(project, "show v1 --json").stdout)
    assert shown["note"] == note


def test_a_notice_tells_when_a_stage_of_a_version_submitted_here_ends(project):
    child = shell(project)
    child.send("submit\r")
    child.expect(r"v1\r\n")
    child.expect_exact(PROMPT)
    deadline = time.time() + 30
    while time.time() < deadline:
        child.send("\r")
        index = child.expect([r"v1 production awaiting-approval", pexpect.TIMEOUT], timeout=1)
        if index == 0:
            break
    else:
        pytest.fail("no notice arrived")
    child.expect_exact(PROMPT)
    assert leave(child) == 0


def test_the_prompt_shows_what_awaits_approval(project):
    ready_version(project)
    child = shell(project)
    child.send("\r")
    child.expect_exact("demo ?1 › ")
    assert leave(child) == 0


@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGSEGV])
def test_the_terminal_is_restored_when_the_shell_dies(project, signal_number):
    child = shell(project)
    editing = termios.tcgetattr(child.child_fd)
    assert not editing[3] & termios.ICANON, "libedit edits in non-canonical mode"
    os.kill(child.pid, signal_number)
    child.expect(pexpect.EOF)
    restored = termios.tcgetattr(child.child_fd)
    assert restored[3] & termios.ICANON and restored[3] & termios.ECHO, "canonical mode and echo are back"
    child.close()
    assert child.signalstatus == signal_number


def test_ctrl_d_after_exit_status_and_the_terminal_is_sane(project):
    child = shell(project)
    child.send("exit\r")
    child.expect(pexpect.EOF)
    restored = termios.tcgetattr(child.child_fd)
    assert restored[3] & termios.ICANON and restored[3] & termios.ECHO
    child.close()
    assert child.exitstatus == 0


def test_the_users_editrc_is_honoured_and_can_bind_completion(project):
    editrc = os.path.join(project["repo"], "..", "editrc")
    with open(editrc, "w") as handle:
        handle.write("bind ^B rl_complete\n")
    project["env"]["EDITRC"] = editrc
    child = shell(project)
    child.send("statu\x02\r")
    child.expect("no versions yet")
    child.expect_exact(PROMPT)
    assert leave(child) == 0


def test_an_ascii_prompt_without_a_utf8_locale(project):
    ready_version(project)
    project["env"].update({"LANG": "C", "LC_ALL": "C"})
    child = pexpect.spawn(BINARY, cwd=project["repo"], env=project["env"], encoding="utf-8", timeout=15)
    child.expect_exact("demo approve:1> ")
    child.send("status\r")
    child.expect(r"v1 +\w+ +\+ +\+\* +\? +awaiting-approval")
    child.expect_exact("> ")
    assert leave(child) == 0


def test_an_approval_in_another_shell_shows_at_once_in_this_prompt_and_status(team):
    result = cdsh(team, "submit", "wait v1 --timeout 60s")
    assert result.returncode == 0, result.stderr
    child = shell(team)
    child.send("\r")
    child.expect_exact("demo ?1 › ")
    other = dict(team["env"], CDSH_USER="reviewer")
    approved = subprocess.run([BINARY, "-c", "approve v1 --reason 'looks good'"], cwd=team["repo"], env=other,
                              capture_output=True, text=True, timeout=60)
    assert approved.returncode == 0, approved.stderr
    child.send("\r")
    child.expect(r"demo (▶1 )?› ")  # no `?1`: the approval shows at once, production may be deploying
    child.send("wait v1 --timeout 60s\r")
    child.expect("v1 passed every stage")
    child.send("status\r")
    child.expect(r"v1 +\w+ +✓ +✓● +✓● +passed")
    child.expect_exact(PROMPT)
    assert leave(child) == 0
