/* Running a program (base/child.h): captured output and exit status, a
 * signal, a timeout that kills the whole process group, stdin from a
 * buffer, the environment, the working directory, the tail kept for an
 * error message, and a program that cannot run. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "files_equal.h"

#include "base/buf.h"
#include "base/child.h"
#include "base/fsutil.h"

static char dir[] = "/tmp/livec-test-child-XXXXXX";

static char *path(const char *name)
{
	return scratch_path(dir, name);
}

static void output_and_exit_status_are_captured(void **s)
{
	(void)s;
	struct lv_buf out = { 0 }, err = { 0 };
	const char *argv[] = { "sh", "-c", "echo to-out; echo to-err >&2; exit 3", NULL };
	struct lv_child c = { .argv = argv, .in = { LV_CHILD_NULL }, .out = { LV_CHILD_BUFFER, .buf = &out },
			      .err = { LV_CHILD_BUFFER, .buf = &err } };
	assert_int_equal(lv_child_run(&c), 3);
	assert_string_equal(out.p, "to-out\n");
	assert_string_equal(err.p, "to-err\n");
	assert_string_equal(lv_child_explain(&c), "exit status 3");
	lv_child_release(&c);
	lv_buf_release(&out);
	lv_buf_release(&err);
}

static void start_and_finish_are_two_steps(void **s)
{
	(void)s;
	struct lv_buf out = { 0 };
	const char *argv[] = { "sh", "-c", "echo $$", NULL };
	struct lv_child c = { .argv = argv, .in = { LV_CHILD_NULL }, .out = { LV_CHILD_BUFFER, .buf = &out } };
	assert_int_equal(lv_child_start(&c), 0);
	pid_t pid = c.pid;
	assert_true(pid > 0);
	assert_int_equal(lv_child_finish(&c), 0);
	assert_int_equal(atoi(out.p), pid);
	lv_child_release(&c);
	lv_buf_release(&out);
}

static void captured_output_is_bounded_by_the_buffer_max(void **s)
{
	(void)s;
	struct lv_buf out = { .max = 1000 };
	const char *argv[] = { "head", "-c", "100000", "/dev/zero", NULL };
	struct lv_child c = { .argv = argv, .in = { LV_CHILD_NULL }, .out = { LV_CHILD_BUFFER, .buf = &out } };
	assert_int_equal(lv_child_run(&c), 0); /* read to its end: head is not blocked */
	assert_int_equal(out.len, 1000);
	lv_buf_release(&out);
}

static void a_signal_is_128_plus_its_number(void **s)
{
	(void)s;
	const char *argv[] = { "sh", "-c", "kill -KILL $$", NULL };
	struct lv_child c = { .argv = argv, .in = { LV_CHILD_NULL } };
	assert_int_equal(lv_child_run(&c), 128 + 9);
	assert_non_null(strstr(lv_child_explain(&c), "killed by signal 9"));
	assert_false(c.timed_out);
}

static int gone(pid_t pid)
{
	char p[64], stat[512] = "";
	snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(p, "r");
	if (!f)
		return 1;
	int n = (int)fread(stat, 1, sizeof(stat) - 1, f);
	fclose(f);
	stat[n > 0 ? n : 0] = '\0';
	const char *end = strrchr(stat, ')'); /* "pid (comm) STATE ..." */
	return end && end[1] == ' ' && (end[2] == 'Z' || end[2] == 'X');
}

static void a_timeout_kills_the_whole_process_group(void **s)
{
	(void)s;
	struct lv_buf out = { 0 };
	/* a grandchild that ignores SIGTERM: only the group's SIGKILL stops it */
	const char *argv[] = { "sh", "-c", "(trap '' TERM; exec sleep 300) & echo $!; wait", NULL };
	struct lv_child c = { .argv = argv, .in = { LV_CHILD_NULL }, .out = { LV_CHILD_BUFFER, .buf = &out },
			      .timeout_s = 1 };
	time_t t0 = time(NULL);
	assert_int_equal(lv_child_run(&c), -ETIMEDOUT);
	assert_true(time(NULL) - t0 < 10);
	assert_true(c.timed_out);
	assert_string_equal(lv_child_explain(&c), "stopped after 1 s (timeout)");
	pid_t grandchild = (pid_t)atoi(out.p);
	assert_true(grandchild > 0);
	for (int i = 0; i < 50 && !gone(grandchild); i++)
		usleep(100 * 1000);
	assert_true(gone(grandchild));
	lv_buf_release(&out);
}

static void stdin_comes_from_a_buffer(void **s)
{
	(void)s;
	/* larger than a pipe holds: written while the output is read */
	size_t n = 1 << 20;
	char *data = malloc(n);
	for (size_t i = 0; i < n; i++)
		data[i] = (char)('a' + i % 26);
	struct lv_buf out = { .max = 2 << 20 };
	const char *argv[] = { "cat", NULL };
	struct lv_child c = { .argv = argv, .in = { LV_CHILD_BUFFER, .data = data, .len = n },
			      .out = { LV_CHILD_BUFFER, .buf = &out } };
	assert_int_equal(lv_child_run(&c), 0);
	assert_int_equal(out.len, n);
	assert_memory_equal(out.p, data, n);
	free(data);
	lv_buf_release(&out);
}

static void a_child_that_stops_reading_stdin_does_not_kill_us(void **s)
{
	(void)s;
	size_t n = 1 << 20;
	char *data = calloc(1, n);
	const char *argv[] = { "true", NULL };
	struct lv_child c = { .argv = argv, .in = { LV_CHILD_BUFFER, .data = data, .len = n } };
	assert_int_equal(lv_child_run(&c), 0); /* SIGPIPE would have ended this test */
	free(data);
}

static void the_environment_is_changed_or_replaced(void **s)
{
	(void)s;
	struct lv_buf out = { 0 };
	setenv("LV_TEST_GONE", "still here", 1);
	setenv("LV_TEST_KEPT", "kept", 1);
	const char *argv[] = { "sh", "-c", "echo \"$LV_TEST_ADDED ${LV_TEST_GONE-unset} $LV_TEST_KEPT\"", NULL };
	const char *env[] = { "LV_TEST_ADDED=added", "LV_TEST_GONE", NULL };
	struct lv_child c = { .argv = argv, .env = env, .in = { LV_CHILD_NULL }, .out = { LV_CHILD_BUFFER, .buf = &out } };
	assert_int_equal(lv_child_run(&c), 0);
	assert_string_equal(out.p, "added unset kept\n");
	lv_child_release(&c);
	assert_string_equal(getenv("LV_TEST_GONE"), "still here"); /* ours is untouched */

	out.len = 0;
	const char *only[] = { "PATH=/usr/bin:/bin", "ONLY=1", NULL };
	const char *env_argv[] = { "env", NULL };
	struct lv_child e = { .argv = env_argv, .env = only, .clear_env = 1, .in = { LV_CHILD_NULL },
			      .out = { LV_CHILD_BUFFER, .buf = &out } };
	assert_int_equal(lv_child_run(&e), 0);
	assert_string_equal(out.p, "PATH=/usr/bin:/bin\nONLY=1\n");
	lv_child_release(&e);
	lv_buf_release(&out);
}

static void it_runs_in_the_given_directory(void **s)
{
	(void)s;
	struct lv_buf out = { 0 };
	const char *argv[] = { "pwd", "-P", NULL };
	struct lv_child c = { .argv = argv, .dir = dir, .in = { LV_CHILD_NULL }, .out = { LV_CHILD_BUFFER, .buf = &out } };
	assert_int_equal(lv_child_run(&c), 0);
	char *real = realpath(dir, NULL), want[300];
	snprintf(want, sizeof(want), "%s\n", real);
	assert_string_equal(out.p, want);
	free(real);
	lv_buf_release(&out);
}

static void the_tail_holds_the_last_lines_of_the_log(void **s)
{
	(void)s;
	const char *argv[] = { "sh", "-c", "for i in 1 2 3 4 5 6; do echo line $i; done; echo oops >&2; exit 1", NULL };
	struct lv_child c = { .argv = argv, .in = { LV_CHILD_NULL }, .out = { LV_CHILD_FILE, .path = path("log") },
			      .err = { LV_CHILD_STDOUT }, .tail_lines = 3 };
	assert_int_equal(lv_child_run(&c), 1);
	assert_string_equal(c.tail, "line 5\nline 6\noops\n");
	struct lv_buf log = { 0 };
	assert_int_equal(lv_read_file(path("log"), &log), 0);
	assert_int_equal(strncmp(log.p, "line 1\n", 7), 0); /* the whole output is in the file */
	lv_buf_release(&log);
}

static void the_tail_is_only_what_this_child_wrote(void **s)
{
	(void)s;
	int fd = open(path("shared.log"), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "earlier step\n", 13), 13);
	const char *argv[] = { "echo", "this step", NULL };
	struct lv_child c = { .argv = argv, .in = { LV_CHILD_NULL }, .out = { LV_CHILD_FD, .fd = fd }, .tail_lines = 5 };
	assert_int_equal(lv_child_run(&c), 0);
	assert_string_equal(c.tail, "this step\n");
	assert_true(fcntl(fd, F_GETFD) >= 0); /* the caller's descriptor stays open */
	close(fd);
}

static void a_program_that_cannot_run_fails_at_the_start(void **s)
{
	(void)s;
	const char *missing[] = { "/nonexistent/livec-no-such-program", NULL };
	struct lv_child c = { .argv = missing };
	assert_int_equal(lv_child_start(&c), -ENOENT);
	assert_int_equal(lv_child_finish(&c), -ENOENT);
	assert_string_equal(lv_child_explain(&c), "cannot run: No such file or directory");

	const char *not_in_path[] = { "livec-no-such-program", NULL };
	struct lv_child p = { .argv = not_in_path };
	assert_int_equal(lv_child_run(&p), -ENOENT);

	const char *argv[] = { "true", NULL };
	struct lv_child d = { .argv = argv, .dir = "/nonexistent/dir" };
	assert_int_equal(lv_child_run(&d), -ENOENT);
}

static void tail_lines_counts_lines_from_the_end(void **s)
{
	(void)s;
	char *t = lv_tail_lines("a\nb\nc\n", 6, 2);
	assert_string_equal(t, "b\nc\n");
	free(t);
	t = lv_tail_lines("a\nb", 3, 5);
	assert_string_equal(t, "a\nb");
	free(t);
	t = lv_tail_lines("", 0, 3);
	assert_string_equal(t, "");
	free(t);
}

static void args_grow_and_end_in_null(void **s)
{
	(void)s;
	struct lv_args a = { 0 };
	for (int i = 0; i < 40; i++)
		lv_args_pushf(&a, "-%d", i);
	lv_args_push(&a, "last");
	assert_int_equal(a.err, 0);
	assert_int_equal(a.n, 41);
	assert_string_equal(a.v[39], "-39");
	assert_string_equal(a.v[40], "last");
	assert_null(a.v[41]);
	lv_args_release(&a);
}

static int setup(void **s)
{
	(void)s;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **s)
{
	(void)s;
	lv_remove_tree(dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(output_and_exit_status_are_captured),
		cmocka_unit_test(start_and_finish_are_two_steps),
		cmocka_unit_test(captured_output_is_bounded_by_the_buffer_max),
		cmocka_unit_test(a_signal_is_128_plus_its_number),
		cmocka_unit_test(a_timeout_kills_the_whole_process_group),
		cmocka_unit_test(stdin_comes_from_a_buffer),
		cmocka_unit_test(a_child_that_stops_reading_stdin_does_not_kill_us),
		cmocka_unit_test(the_environment_is_changed_or_replaced),
		cmocka_unit_test(it_runs_in_the_given_directory),
		cmocka_unit_test(the_tail_holds_the_last_lines_of_the_log),
		cmocka_unit_test(the_tail_is_only_what_this_child_wrote),
		cmocka_unit_test(a_program_that_cannot_run_fails_at_the_start),
		cmocka_unit_test(tail_lines_counts_lines_from_the_end),
		cmocka_unit_test(args_grow_and_end_in_null),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
