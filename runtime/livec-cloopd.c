/* livec-cloopd: serves a cloop image to the kernel's own nbd driver.
 *
 * The cloop kernel module no longer builds against Debian's kernels and an
 * unsigned module is refused under Secure Boot.  The nbd module is signed
 * and always there, so the live system's initramfs runs this small static
 * server instead: one end of a socketpair goes to the kernel with
 * NBD_SET_SOCK, a child sits in NBD_DO_IT, and this process answers read
 * requests by decompressing cloop blocks (with a small cache).  The
 * device is read-only.  argv[0] starts with '@' so systemd's shutdown
 * leaves it running while the root file system still needs it.
 *
 *   livec-cloopd IMAGE.cloop /dev/nbd0
 *
 * Format: compiler/cloop.h; block decoding is compiler/cloopfmt.c. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/nbd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "image/cloopfmt.h"

#define CACHE_SLOTS 8

static int img = -1;
static struct lv_cloop_index ix;
static uint32_t bs, nblocks;
static unsigned char *zbuf;
static struct lv_cloop_decoder dec; /* one thread: kept for the life of the server */

static struct slot {
	uint64_t block;
	unsigned char *data;
	unsigned long used;
} cache[CACHE_SLOTS];
static unsigned long tick;

static void die(const char *what)
{
	fprintf(stderr, "livec-cloopd: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint64_t be64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void load(const char *path)
{
	struct stat st;
	const char *why = "";
	uint64_t bad = 0;
	img = open(path, O_RDONLY | O_CLOEXEC);
	if (img < 0 || fstat(img, &st) < 0)
		die(path);
	if (lv_cloop_index_read(img, (uint64_t)st.st_size, &ix, &why, &bad) < 0) {
		fprintf(stderr, "livec-cloopd: %s: %s\n", path, why);
		exit(1);
	}
	bs = ix.block_size;
	nblocks = ix.num_blocks;
	zbuf = malloc(lv_cloop_max_block(bs));
	for (int i = 0; i < CACHE_SLOTS; i++) {
		cache[i].block = UINT64_MAX;
		cache[i].data = malloc(bs);
	}
	if (!zbuf || !cache[CACHE_SLOTS - 1].data)
		die("out of memory");
}

/* The decompressed block, from the cache or the image; NULL on error. */
static const unsigned char *block(uint64_t b)
{
	struct slot *victim = &cache[0];
	for (int i = 0; i < CACHE_SLOTS; i++) {
		if (cache[i].block == b) {
			cache[i].used = ++tick;
			return cache[i].data;
		}
		if (cache[i].used < victim->used)
			victim = &cache[i];
	}
	if (b >= nblocks)
		return NULL;
	size_t clen = (size_t)(ix.off[b + 1] - ix.off[b]);
	if (pread(img, zbuf, clen, (off_t)ix.off[b]) != (ssize_t)clen ||
	    lv_cloop_decode(&dec, ix.kind[b], zbuf, clen, victim->data, bs) < 0)
		return NULL;
	victim->block = b;
	victim->used = ++tick;
	return victim->data;
}

static int full_write(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n) {
		ssize_t w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static int full_read(int fd, void *p, size_t n)
{
	char *c = p;
	while (n) {
		ssize_t r = read(fd, c, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

static void serve(int sock)
{
	struct nbd_request rq;
	struct nbd_reply rp = { .magic = htonl(NBD_REPLY_MAGIC) };
	unsigned char *buf = NULL;
	size_t cap = 0;
	uint64_t size = (uint64_t)bs * nblocks;

	while (full_read(sock, &rq, sizeof(rq)) == 0) {
		if (ntohl(rq.magic) != NBD_REQUEST_MAGIC)
			break;
		uint32_t type = ntohl(rq.type) & 0xffff, len = ntohl(rq.len);
		uint64_t from = be64((const unsigned char *)&rq.from);
		memcpy(rp.handle, rq.handle, sizeof(rp.handle));
		if (type == NBD_CMD_DISC)
			break;
		if (type != NBD_CMD_READ) {
			rp.error = htonl(type == NBD_CMD_FLUSH ? 0 : EPERM);
			if (full_write(sock, &rp, sizeof(rp)) < 0)
				break;
			continue;
		}
		if (len > cap) {
			free(buf);
			cap = len;
			buf = malloc(cap);
		}
		int err = !buf || from > size || len > size - from;
		for (uint64_t pos = from; !err && pos < from + len;) {
			uint64_t b = pos / bs, in = pos % bs;
			size_t n = (size_t)(bs - in) < from + len - pos ? (size_t)(bs - in) : (size_t)(from + len - pos);
			const unsigned char *data = block(b);
			if (!data) {
				err = 1;
				break;
			}
			memcpy(buf + (pos - from), data + in, n);
			pos += n;
		}
		rp.error = htonl(err ? EIO : 0);
		if (full_write(sock, &rp, sizeof(rp)) < 0 || (!err && full_write(sock, buf, len) < 0))
			break;
	}
}

int main(int argc, char **argv)
{
	int sv[2];

	if (argc != 3) {
		fprintf(stderr, "usage: livec-cloopd IMAGE.cloop /dev/nbdN\n");
		return 2;
	}
	argv[0][0] = '@'; /* systemd: keep running through shutdown */
	load(argv[1]);
	int nbd = open(argv[2], O_RDWR | O_CLOEXEC);
	if (nbd < 0)
		die(argv[2]);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		die("socketpair");
	if (ioctl(nbd, NBD_SET_BLKSIZE, 512UL) < 0 ||
	    ioctl(nbd, NBD_SET_SIZE, (unsigned long)((uint64_t)bs * nblocks)) < 0)
		die("NBD_SET_SIZE");
	ioctl(nbd, NBD_CLEAR_SOCK);
	if (ioctl(nbd, NBD_SET_FLAGS, (unsigned long)(NBD_FLAG_HAS_FLAGS | NBD_FLAG_READ_ONLY)) < 0)
		die("NBD_SET_FLAGS");
	if (ioctl(nbd, NBD_SET_SOCK, (unsigned long)sv[0]) < 0)
		die("NBD_SET_SOCK");
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) { /* the kernel's side: returns when the device is disconnected */
		close(sv[1]);
		ioctl(nbd, NBD_DO_IT);
		ioctl(nbd, NBD_CLEAR_QUE);
		ioctl(nbd, NBD_CLEAR_SOCK);
		_exit(0);
	}
	close(sv[0]);
	/* detach from the initramfs' session: this outlives it */
	setsid();
	int null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	serve(sv[1]);
	return 0;
}
