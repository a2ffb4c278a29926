// Fixed-arity wrappers over libedit's variadic el_set/el_get/history, which Swift cannot call,
// and accessors for the C standard streams (Swift 6 rejects the globals as not concurrency-safe).
#ifndef CDSH_CLIBEDIT_SHIM_H
#define CDSH_CLIBEDIT_SHIM_H

#include <histedit.h>
#include <stdio.h>

typedef unsigned char (*cdsh_el_function)(EditLine *, int);
typedef char *(*cdsh_el_prompt)(EditLine *);

static inline FILE *cdsh_stdin(void) { return stdin; }
static inline FILE *cdsh_stdout(void) { return stdout; }
static inline FILE *cdsh_stderr(void) { return stderr; }

static inline int cdsh_el_set_prompt_esc(EditLine *el, cdsh_el_prompt prompt, char delimiter) {
    return el_set(el, EL_PROMPT_ESC, prompt, delimiter);
}
static inline int cdsh_el_set_editor(EditLine *el, const char *mode) { return el_set(el, EL_EDITOR, mode); }
static inline int cdsh_el_set_signal(EditLine *el, int on) { return el_set(el, EL_SIGNAL, on); }
static inline int cdsh_el_set_clientdata(EditLine *el, void *data) { return el_set(el, EL_CLIENTDATA, data); }
static inline void *cdsh_el_get_clientdata(EditLine *el) {
    void *data = NULL;
    el_get(el, EL_CLIENTDATA, &data);
    return data;
}
static inline int cdsh_el_addfn(EditLine *el, const char *name, const char *help, cdsh_el_function function) {
    return el_set(el, EL_ADDFN, name, help, function);
}
static inline int cdsh_el_bind(EditLine *el, const char *key, const char *function) {
    return el_set(el, EL_BIND, key, function, NULL);
}
static inline int cdsh_el_set_history(EditLine *el, History *history_) { return el_set(el, EL_HIST, history, history_); }
static inline int cdsh_el_setty(EditLine *el, const char *first, const char *second) {
    return el_set(el, EL_SETTY, first, second, NULL);
}
static inline int cdsh_el_set_getcfn(EditLine *el, el_rfunc_t function) { return el_set(el, EL_GETCFN, function); }
/// Redraws the prompt and the line from the cursor's row, as after the screen was cleared.
static inline int cdsh_el_refresh(EditLine *el) { return el_set(el, EL_REFRESH); }
static inline int cdsh_libedit_major(void) { return LIBEDIT_MAJOR; }
static inline int cdsh_libedit_minor(void) { return LIBEDIT_MINOR; }
static inline int cdsh_history_setsize(History *h, HistEvent *event, int size) { return history(h, event, H_SETSIZE, size); }
static inline int cdsh_history_setunique(History *h, HistEvent *event, int on) { return history(h, event, H_SETUNIQUE, on); }
static inline int cdsh_history_enter(History *h, HistEvent *event, const char *line) { return history(h, event, H_ENTER, line); }

#endif
