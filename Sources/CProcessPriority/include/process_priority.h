// The I/O priority system calls, which glibc does not wrap (and Swift cannot call `syscall`, a variadic function).
#ifndef CDSH_PROCESS_PRIORITY_H
#define CDSH_PROCESS_PRIORITY_H

/// Sets the I/O priority of process `pid` (ioprio_set with IOPRIO_WHO_PROCESS): `io_class` 1 realtime,
/// 2 best-effort, 3 idle, with `level` 0 (highest) to 7 (lowest); class 0 with level 0 returns the process to the
/// default, derived from its nice value. Returns 0, or -1 with errno set.
int cdsh_ioprio_set_process(int pid, int io_class, int level);

/// The I/O priority of process `pid` as the kernel encodes it (class << 13 | level), or -1 with errno set.
int cdsh_ioprio_get_process(int pid);

#endif
