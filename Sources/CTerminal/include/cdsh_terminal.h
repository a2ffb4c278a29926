// Terminal state and signal plumbing that must live in C: handlers that restore the terminal
// on crash signals, and signal self-pipes: SIGINT cancels the running command, SIGWINCH redraws the line being edited.
#ifndef CDSH_TERMINAL_H
#define CDSH_TERMINAL_H

/// Saves the terminal settings of `fd` and installs handlers that restore them on fatal signals.
/// Returns 0 on success, -1 when `fd` is not a terminal.
int cdsh_terminal_save(int fd);

/// Restores the saved terminal settings (no-op when none were saved).
void cdsh_terminal_restore(void);

/// Installs a handler for `signal_number` that writes one byte to a pipe; returns the pipe's read end, or -1.
int cdsh_signal_pipe(int signal_number);

/// Turns off line mode, echo and signal keys on `fd` at once, as libedit's editing mode does. libedit itself
/// switches only when it first reads a key, after it has drawn the prompt: a Ctrl-D typed as the prompt appears
/// would otherwise be taken by the line discipline as end-of-file and reach libedit as a NUL byte.
int cdsh_terminal_keys_unbuffered(int fd);

#endif
