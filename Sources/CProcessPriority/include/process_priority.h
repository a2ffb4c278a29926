// The I/O priority system call, which glibc does not wrap (and Swift cannot call `syscall`, a variadic function).
#ifndef CDSH_PROCESS_PRIORITY_H
#define CDSH_PROCESS_PRIORITY_H

/// Sets the I/O scheduling class and level of process `pid` (ioprio_set with IOPRIO_WHO_PROCESS):
/// class 2 is best-effort with level 0 (highest) to 7 (lowest); class 0 with level 0 returns
/// the process to the default, derived from its nice value. Returns 0, or -1 with errno set.
int cdsh_ioprio_set_process(int pid, int io_class, int level);

#endif
