/* Parallel verified downloads with libcurl's multi interface (net.h). */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"
#include "repo/net.h"
#include "base/progress.h"

#define LV_NET_TRIES 4
#define LV_NET_DEFAULT_MAX (64u << 20)

struct xfer {
	struct lv_dl *dl;
	CURL *h;
	FILE *f;
	char *tmp;
	struct lv_sha256 sha;
	uint64_t bytes;
	int tries;
	int too_big;
	struct timespec not_before;  /* backoff */
};

static size_t on_data(char *p, size_t sz, size_t nm, void *ud)
{
	struct xfer *x = ud;
	size_t n = sz * nm;
	uint64_t limit = x->dl->size ? x->dl->size : (x->dl->max ? x->dl->max : LV_NET_DEFAULT_MAX);

	if (x->bytes + n > limit) {
		x->too_big = 1;
		return 0; /* abort the transfer: more bytes than expected */
	}
	lv_sha256_update(&x->sha, p, n);
	x->bytes += n;
	return fwrite(p, 1, n, x->f) == n ? n : 0;
}

static int start(CURLM *m, struct xfer *x)
{
	x->bytes = 0;
	x->too_big = 0;
	lv_sha256_init(&x->sha);
	free(x->tmp);
	if (asprintf(&x->tmp, "%s.part.%ld.%p", x->dl->dest, (long)getpid(), (void *)x) < 0)
		return -ENOMEM;
	x->f = fopen(x->tmp, "wbe");
	if (!x->f) {
		snprintf(x->dl->error, sizeof(x->dl->error), "cannot create '%s': %s", x->tmp,
			 strerror(errno));
		return -errno;
	}
	x->h = curl_easy_init();
	if (!x->h)
		return -ENOMEM;
	curl_easy_setopt(x->h, CURLOPT_URL, x->dl->url);
	curl_easy_setopt(x->h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(x->h, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(x->h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(x->h, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(x->h, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(x->h, CURLOPT_CONNECTTIMEOUT, 30L);
	/* abort a stalled transfer: less than 1 KiB/s for 60 s */
	curl_easy_setopt(x->h, CURLOPT_LOW_SPEED_LIMIT, 1024L);
	curl_easy_setopt(x->h, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(x->h, CURLOPT_USERAGENT, "livec/" LIVEC_VERSION);
	curl_easy_setopt(x->h, CURLOPT_PROTOCOLS_STR, "http,https,file");
	curl_easy_setopt(x->h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(x->h, CURLOPT_PRIVATE, x);
	curl_multi_add_handle(m, x->h);
	return 0;
}

/* Finishes a transfer; returns 1 if it should be retried. */
static int finish(CURLM *m, struct xfer *x, CURLcode rc)
{
	struct lv_dl *d = x->dl;
	long code = 0;
	int retry = 0;

	curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &code);
	curl_multi_remove_handle(m, x->h);
	curl_easy_cleanup(x->h);
	x->h = NULL;
	int wok = fclose(x->f) == 0;
	x->f = NULL;
	d->got_size = x->bytes;
	lv_sha256_hex(&x->sha, d->got_sha256);

	if (rc == CURLE_OK && !wok) {
		d->status = -EIO;
		snprintf(d->error, sizeof(d->error), "cannot write '%s'", x->tmp);
	} else if (x->too_big) {
		d->status = d->size ? -LVE_HASH : -LVE_TOOBIG;
		snprintf(d->error, sizeof(d->error), "%s: more data than the expected %llu bytes",
			 d->url, (unsigned long long)(d->size ? d->size : d->max));
	} else if (rc == CURLE_HTTP_RETURNED_ERROR && (code == 404 || code == 410)) {
		d->status = -LVE_MISSING;
		snprintf(d->error, sizeof(d->error), "%s: not found (HTTP %ld)", d->url, code);
	} else if (rc == CURLE_FILE_COULDNT_READ_FILE) {
		d->status = -LVE_MISSING;
		snprintf(d->error, sizeof(d->error), "%s: no such file", d->url);
	} else if (rc != CURLE_OK) {
		d->status = -LVE_NET;
		if (rc == CURLE_HTTP_RETURNED_ERROR)
			snprintf(d->error, sizeof(d->error), "%s: HTTP %ld", d->url, code);
		else
			snprintf(d->error, sizeof(d->error), "%s: %s", d->url, curl_easy_strerror(rc));
		retry = rc != CURLE_HTTP_RETURNED_ERROR || code >= 500 || code == 429;
	} else if (d->size && x->bytes != d->size) {
		d->status = -LVE_HASH;
		snprintf(d->error, sizeof(d->error), "%s: truncated: got %llu of %llu bytes", d->url,
			 (unsigned long long)x->bytes, (unsigned long long)d->size);
		retry = 1;
	} else if (d->sha256 && strcmp(d->sha256, d->got_sha256)) {
		d->status = -LVE_HASH;
		snprintf(d->error, sizeof(d->error), "%s: SHA256 mismatch: expected %s, got %s", d->url,
			 d->sha256, d->got_sha256);
	} else if (rename(x->tmp, d->dest) < 0) {
		d->status = -errno;
		snprintf(d->error, sizeof(d->error), "cannot rename into '%s': %s", d->dest,
			 strerror(errno));
	} else {
		d->status = 0;
		d->error[0] = '\0';
		return 0;
	}
	unlink(x->tmp);
	return retry && ++x->tries < LV_NET_TRIES;
}

static int due(const struct timespec *t)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > t->tv_sec || (now.tv_sec == t->tv_sec && now.tv_nsec >= t->tv_nsec);
}

/* The state of one lv_net_fetch: which transfers run, wait or are done. */
struct fetch {
	CURLM *m;
	struct xfer *xs;
	size_t n, next, done, active;
	unsigned parallel;
	size_t *waiting, nwait;  /* retry queue: indices whose backoff has not expired yet */
	uint64_t got;            /* bytes of the finished downloads */
	int first_err;
};

/* Starts new or retried transfers up to the parallel limit. */
static void start_more(struct fetch *f)
{
	for (size_t w = 0; w < f->nwait && f->active < f->parallel;) {
		struct xfer *x = &f->xs[f->waiting[w]];
		if (!due(&x->not_before)) {
			w++;
			continue;
		}
		f->waiting[w] = f->waiting[--f->nwait];
		if (start(f->m, x) < 0) {
			x->dl->status = x->dl->status ? x->dl->status : -LVE_NET;
			f->done++;
			continue;
		}
		f->active++;
	}
	while (f->next < f->n && f->active < f->parallel) {
		struct xfer *x = &f->xs[f->next++];
		if (start(f->m, x) < 0) {
			x->dl->status = -EIO;
			f->done++;
			continue;
		}
		f->active++;
	}
}

/* Takes in the transfers curl has finished: done, or queued for a retry
 * after a backoff of 1, 2, 4 s. */
static void reap(struct fetch *f)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(f->m, &left))) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		struct xfer *x;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
		f->active--;
		if (finish(f->m, x, msg->data.result)) {
			clock_gettime(CLOCK_MONOTONIC, &x->not_before);
			x->not_before.tv_sec += 1 << (x->tries - 1); /* 1, 2, 4 s */
			f->waiting[f->nwait++] = (size_t)(x - f->xs);
			continue;
		}
		f->done++;
		f->got += x->dl->got_size;
		if (x->dl->status && !f->first_err)
			f->first_err = x->dl->status;
	}
}

int lv_net_fetch(struct lv_dl *v, size_t n, unsigned parallel, const char *label)
{
	static int inited;
	struct fetch f = { .xs = calloc(n ? n : 1, sizeof(*f.xs)), .n = n, .parallel = parallel ? parallel : 1 };
	uint64_t total = 0;

	if (!f.xs)
		return -ENOMEM;
	if (!inited++)
		curl_global_init(CURL_GLOBAL_DEFAULT);
	f.m = curl_multi_init();
	for (size_t i = 0; i < n; i++) {
		f.xs[i].dl = &v[i];
		total += v[i].size;
	}
	f.waiting = calloc(n ? n : 1, sizeof(size_t));

	while (f.done < n) {
		start_more(&f);
		int running = 0;
		curl_multi_perform(f.m, &running);
		reap(&f);
		uint64_t inflight = 0;
		for (size_t i = 0; i < n; i++)
			if (f.xs[i].h)
				inflight += f.xs[i].bytes;
		lv_progress_bytes(label, f.got + inflight, total, (unsigned)f.done, (unsigned)n);
		if (f.done < n)
			curl_multi_poll(f.m, NULL, 0, 100, NULL);
	}
	lv_progress_done();
	curl_multi_cleanup(f.m);
	for (size_t i = 0; i < n; i++)
		free(f.xs[i].tmp);
	free(f.xs);
	free(f.waiting);
	return f.first_err;
}
