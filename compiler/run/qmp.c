/* The QMP client (qmp.h).  QMP is line-oriented JSON: a greeting
 * ({"QMP": ...}), then for each command a {"return": ...} or an
 * {"error": ...}, with asynchronous {"event": ...} lines in between. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/json.h"
#include "run/qmp.h"

/* Reads lines until the reply: a "return" (or, for the greeting, the
 * "QMP" banner), or an "error". */
static int reply(struct lv_qmp *q, int greeting)
{
	char line[8192];
	while (fgets(line, sizeof(line), q->f)) {
		if (strstr(line, "\"return\"") || (greeting && strstr(line, "\"QMP\"")))
			return 0;
		if (strstr(line, "\"error\"")) {
			line[strcspn(line, "\r\n")] = '\0';
			snprintf(q->why, sizeof(q->why), "%.500s", line);
			return -1;
		}
	}
	snprintf(q->why, sizeof(q->why), "the QMP socket closed");
	return -1;
}

int lv_qmp_open(struct lv_qmp *q, const char *sock)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
	q->f = NULL;
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || !(q->f = fdopen(fd, "r+"))) {
		snprintf(q->why, sizeof(q->why), "cannot reach QEMU's QMP socket '%s': %s", sock, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return reply(q, 1) == 0 && lv_qmp_execute(q, "{\"execute\": \"qmp_capabilities\"}") == 0 ? 0 : -1;
}

int lv_qmp_execute(struct lv_qmp *q, const char *json)
{
	if (fputs(json, q->f) < 0 || fputs("\n", q->f) < 0 || fflush(q->f) < 0) {
		snprintf(q->why, sizeof(q->why), "the QMP socket closed");
		return -1;
	}
	return reply(q, 0);
}

void lv_qmp_close(struct lv_qmp *q)
{
	if (q->f)
		fclose(q->f);
	q->f = NULL;
}

int lv_qmp_screendump(const char *sock, const char *png, struct lv_diags *d)
{
	struct lv_qmp q;
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof(tmp), "%s.tmp", png);
	struct lv_buf cmd = { 0 };
	struct lv_json j;
	lv_json_init(&j, &cmd);
	lv_json_obj(&j, NULL);
	lv_json_str(&j, "execute", "screendump");
	lv_json_obj(&j, "arguments");
	lv_json_str(&j, "filename", tmp);
	lv_json_str(&j, "format", "png");
	lv_json_end(&j, '}');
	lv_json_end(&j, '}');
	int r = lv_qmp_open(&q, sock) == 0 && lv_qmp_execute(&q, cmd.p) == 0 ? 0 : -LVE_BUILD;
	lv_buf_release(&cmd);
	if (r == 0 && rename(tmp, png) < 0) {
		snprintf(q.why, sizeof(q.why), "cannot rename '%.400s': %.80s", tmp, strerror(errno));
		r = -LVE_BUILD;
	}
	if (r < 0) {
		unlink(tmp);
		lv_error(d, "no screenshot: %s", q.why);
	}
	if (q.f)
		lv_qmp_execute(&q, "{\"execute\": \"quit\"}");
	lv_qmp_close(&q);
	return r;
}
