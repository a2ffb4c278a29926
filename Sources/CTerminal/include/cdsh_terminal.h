// Terminal state and signal plumbing that must live in C: handlers that restore the terminal
// on crash signals, and a SIGINT self-pipe for cancelling the running command.
#ifndef CDSH_TERMINAL_H
#define CDSH_TERMINAL_H

/// Saves the terminal settings of `fd` and installs handlers that restore them on fatal signals.
/// Returns 0 on success, -1 when `fd` is not a terminal.
int cdsh_terminal_save(int fd);

/// Restores the saved terminal settings (no-op when none were saved).
void cdsh_terminal_restore(void);

/// Installs a SIGINT handler that writes one byte to a pipe; returns the pipe's read end, or -1.
int cdsh_sigint_pipe(void);

#endif
