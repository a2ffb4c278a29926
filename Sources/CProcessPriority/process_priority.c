#include "process_priority.h"

#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

static const int who_process = 1;
static const int class_shift = 13;

int cdsh_ioprio_set_process(int pid, int io_class, int level) {
#ifdef SYS_ioprio_set
    return (int)syscall(SYS_ioprio_set, who_process, pid, (io_class << class_shift) | level);
#else
    errno = ENOSYS;
    return -1;
#endif
}

int cdsh_ioprio_get_process(int pid) {
#ifdef SYS_ioprio_get
    return (int)syscall(SYS_ioprio_get, who_process, pid);
#else
    errno = ENOSYS;
    return -1;
#endif
}
