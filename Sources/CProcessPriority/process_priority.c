#include "process_priority.h"

#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

int cdsh_ioprio_set_process(int pid, int io_class, int level) {
#ifdef SYS_ioprio_set
    const int who_process = 1;
    const int class_shift = 13;
    return (int)syscall(SYS_ioprio_set, who_process, pid, (io_class << class_shift) | level);
#else
    errno = ENOSYS;
    return -1;
#endif
}
