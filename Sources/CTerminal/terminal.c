#include "cdsh_terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static struct termios saved_settings;
static int saved_fd = -1;

void cdsh_terminal_restore(void) {
    if (saved_fd >= 0) tcsetattr(saved_fd, TCSANOW, &saved_settings);
}

static void restore_and_reraise(int signal_number) {
    cdsh_terminal_restore();
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = SIG_DFL;
    sigemptyset(&action.sa_mask);
    sigaction(signal_number, &action, NULL);
    raise(signal_number);
}

int cdsh_terminal_save(int fd) {
    if (tcgetattr(fd, &saved_settings) != 0) return -1;
    saved_fd = fd;
    int fatal[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTERM, SIGHUP, SIGQUIT, SIGTRAP};
    for (unsigned i = 0; i < sizeof fatal / sizeof fatal[0]; i++) {
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_handler = restore_and_reraise;
        sigemptyset(&action.sa_mask);
        action.sa_flags = SA_RESETHAND;
        sigaction(fatal[i], &action, NULL);
    }
    return 0;
}

static int signal_write_ends[65];

static void on_signal(int signal_number) {
    int saved_errno = errno;
    if (signal_number > 0 && signal_number < 65 && signal_write_ends[signal_number] > 0) {
        char byte = (char)signal_number;
        ssize_t ignored = write(signal_write_ends[signal_number], &byte, 1);
        (void)ignored;
    }
    errno = saved_errno;
}

int cdsh_signal_pipe(int signal_number) {
    if (signal_number <= 0 || signal_number >= 65) return -1;
    int ends[2];
    if (pipe(ends) != 0) return -1;
    fcntl(ends[0], F_SETFD, FD_CLOEXEC);
    fcntl(ends[1], F_SETFD, FD_CLOEXEC);
    fcntl(ends[1], F_SETFL, O_NONBLOCK);
    signal_write_ends[signal_number] = ends[1];
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(signal_number, &action, NULL);
    return ends[0];
}

int cdsh_terminal_keys_unbuffered(int fd) {
    struct termios settings;
    if (tcgetattr(fd, &settings) != 0) return -1;
    settings.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ISIG | IEXTEN);
    settings.c_cc[VMIN] = 1;
    settings.c_cc[VTIME] = 0;
    return tcsetattr(fd, TCSANOW, &settings);
}

/* Before main, and before the Swift runtime opens anything: a standard descriptor the process started with closed
   (`cdsh >&-`) gets /dev/null, so no file or event descriptor opened later takes 0, 1 or 2 and receives what
   cdsh prints for the user. */
__attribute__((constructor)) static void reserve_standard_descriptors(void) {
    for (int descriptor = 0; descriptor <= 2; descriptor++) {
        if (fcntl(descriptor, F_GETFD) != -1 || errno != EBADF) continue;
        int opened = open("/dev/null", O_RDWR);
        if (opened >= 0 && opened != descriptor) {
            dup2(opened, descriptor);
            close(opened);
        }
    }
}
