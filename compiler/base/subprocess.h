/* Running a helper program (genext2fs, diffoscope, livec itself) with its
 * output in a log and a bounded wait. */
#ifndef LV_SUBPROCESS_H
#define LV_SUBPROCESS_H

/* Runs argv (argv[0] a path) with stdout and stderr on log_fd.  In the
 * child, setup(arg) runs before the exec when given (its messages go to
 * the log; it may _exit on failure).
 * Returns the exit status (0..255), or a negative error when the program
 * cannot run, dies of a signal, or outlives timeout_s (> 0; the whole
 * process group is killed then). */
int lv_spawn(char *const argv[], void (*setup)(void *arg), void *arg, int log_fd, unsigned timeout_s);

/* The program `name` in the usual bin directories, into out; 1 if found. */
int lv_find_tool(const char *name, char *out, unsigned long n);

#endif
