/* livec-cloopd: serves a cloop image to the kernel's own nbd driver.
 *
 * The cloop kernel module no longer builds against Debian's kernels and an
 * unsigned module is refused under Secure Boot.  The nbd module is signed
 * and always there, so the live system's initramfs runs this small static
 * server instead: one end of a socketpair goes to the kernel through nbd's
 * generic netlink interface, and this process answers read requests by
 * decompressing cloop blocks (with a small cache).  The device is
 * read-only.  argv[0] starts with '@' so systemd's shutdown leaves it
 * running while the root file system still needs it.  (Not the older
 * ioctl interface: its NBD_DO_IT must sit in the kernel for the life of
 * the device, and the SIGSTOP that systemd-shutdown sends every process,
 * '@' or not, makes the kernel drop the device there.)
 *
 * A verified medium: given the image's hash list (LIVEC/LIVEC.sha256) and
 * the list's own SHA-256 (from the initramfs, which the boot loader
 * loaded), it checks the header and offsets before serving and each block
 * every time it reads it from the medium, before decompressing it.  A
 * block that does not match is answered with an I/O error and named once
 * on the console.  The other modes check a whole medium (livec.check).
 *
 *   livec-cloopd IMAGE.cloop /dev/nbd0 [HASHES SHA256]   serve
 *   livec-cloopd --check IMAGE.cloop HASHES SHA256       every block, then a summary
 *   livec-cloopd --check-file FILE SHA256                one file (root_fs.tgz): says
 *                                                        only what is wrong
 *   livec-cloopd --read IMAGE.cloop [HASHES SHA256]      the image to stdout, through
 *                                                        the server's block path (tests)
 *   livec-cloopd --disconnect /dev/nbdN                  ends the serving (at shutdown,
 *                                                        once nothing is mounted from it)
 *
 * Format: compiler/image/cloop.h; block decoding is cloopfmt.c, the hash
 * list cloopsum.c. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/genetlink.h>
#include <linux/nbd-netlink.h>
#include <linux/nbd.h>
#include <linux/netlink.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/sha256.h"
#include "image/cloopfmt.h"
#include "image/cloopsum.h"

#define CACHE_SLOTS 8
#define CHECK_LINES 20 /* --check names at most this many damaged blocks */

static int img = -1;
static const char *img_path;
static struct lv_cloop_index ix;
static struct lv_cloopsum sums;     /* the hash list, when given */
static int verify;
static unsigned char *reported;     /* a bit per block: said on the console already */
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

/* Opens the image and reads its index; with `hashes`, loads the hash list
 * (its SHA-256 must be `want`) and checks the header and offsets. */
static void load(const char *path, const char *hashes, const char *want)
{
	struct stat st;
	const char *why = "";
	uint64_t bad = 0;
	img_path = path;
	img = open(path, O_RDONLY | O_CLOEXEC);
	if (img < 0 || fstat(img, &st) < 0)
		die(path);
	if (lv_cloop_index_read(img, (uint64_t)st.st_size, &ix, &why, &bad) < 0) {
		fprintf(stderr, "livec-cloopd: %s: %s\n", path, why);
		exit(1);
	}
	bs = ix.block_size;
	nblocks = ix.num_blocks;
	if (hashes) {
		if (lv_cloopsum_load(hashes, want, &sums, &why) < 0) {
			fprintf(stderr, "livec-cloopd: %s: %s\n", hashes, why);
			exit(1);
		}
		if (lv_cloopsum_check_index(&sums, img, &ix, &why) < 0) {
			fprintf(stderr, "livec-cloopd: %s: %s\n", path, why);
			exit(1);
		}
		verify = 1;
	}
	zbuf = malloc(lv_cloop_max_block(bs));
	reported = calloc((size_t)nblocks / 8 + 1, 1);
	for (int i = 0; i < CACHE_SLOTS; i++) {
		cache[i].block = UINT64_MAX;
		cache[i].data = malloc(bs);
	}
	if (!zbuf || !reported || !cache[CACHE_SLOTS - 1].data)
		die("out of memory");
}

/* One console line for a block that cannot be served, the first time. */
static void report(uint64_t b, const char *what)
{
	if (reported[b / 8] & (1u << (b % 8)))
		return;
	reported[b / 8] |= (unsigned char)(1u << (b % 8));
	fprintf(stderr, "livec-cloopd: %s: block %llu %s: reading it fails (I/O error)\n", img_path,
		(unsigned long long)b, what);
}

/* The decompressed block, from the cache or the image; NULL on error.
 * What comes from the medium is checked against the hash list (when
 * there is one) every time, before it is decompressed. */
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
	if (pread(img, zbuf, clen, (off_t)ix.off[b]) != (ssize_t)clen) {
		report(b, "cannot be read from the medium");
		return NULL;
	}
	if (verify && lv_cloopsum_check_block(&sums, b, zbuf, clen) < 0) {
		report(b, "is damaged (its SHA-256 is not the one in the hash list)");
		return NULL;
	}
	victim->block = UINT64_MAX; /* its data is about to change: no longer the old block's */
	if (lv_cloop_decode(&dec, ix.kind[b], zbuf, clen, victim->data, bs) < 0) {
		report(b, "does not decompress");
		return NULL;
	}
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

/* --check: every block against the hash list, each damaged one named (up
 * to CHECK_LINES), then one line with the result. */
static void check_bad(void *arg, uint64_t b)
{
	uint64_t *n = arg;
	if (++*n <= CHECK_LINES)
		fprintf(stderr, "livec-cloopd: %s: block %llu is damaged (its SHA-256 is not the one in the hash list)\n",
			img_path, (unsigned long long)b);
}

static int check_image(void)
{
	uint64_t n = 0;
	int64_t bad = lv_cloopsum_check_all(&sums, img, &ix, check_bad, &n);
	if (bad < 0)
		die("out of memory");
	if (bad > CHECK_LINES)
		fprintf(stderr, "livec-cloopd: %s: and %lld more damaged blocks\n", img_path,
			(long long)bad - CHECK_LINES);
	if (bad)
		fprintf(stderr, "livec-cloopd: %s: %lld of %u blocks damaged\n", img_path, (long long)bad, nblocks);
	else
		fprintf(stderr, "livec-cloopd: %s: all %u blocks intact\n", img_path, nblocks);
	return bad ? 1 : 0;
}

/* --check-file: one file's SHA-256; silent when it matches */
static int check_file(const char *path, const char *want)
{
	char got[LV_SHA256_HEX];
	int r = lv_sha256_file(path, got, NULL);
	if (r < 0) {
		fprintf(stderr, "livec-cloopd: %s: %s\n", path, strerror(-r));
		return 1;
	}
	if (strcmp(got, want)) {
		fprintf(stderr, "livec-cloopd: %s: damaged (its SHA-256 is not the one in the initramfs)\n", path);
		return 1;
	}
	return 0;
}

/* --read: the whole image through block(), as the server reads it */
static int read_image(void)
{
	for (uint64_t b = 0; b < nblocks; b++) {
		const unsigned char *data = block(b);
		if (!data || full_write(1, data, bs) < 0)
			return 1;
	}
	return 0;
}

/* ---- the kernel's nbd devices, over generic netlink ---- */

static int usage(void);

struct nlmsg {
	union {
		struct nlmsghdr h;
		char b[512];
	} u;
	size_t len;
};

static void nl_start(struct nlmsg *m, uint16_t type, uint8_t cmd, uint8_t version)
{
	memset(m, 0, sizeof(*m));
	m->u.h.nlmsg_type = type;
	m->u.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	struct genlmsghdr *g = NLMSG_DATA(&m->u.h);
	g->cmd = cmd;
	g->version = version;
	m->len = NLMSG_HDRLEN + GENL_HDRLEN;
}

/* appends an attribute (a nested one: data NULL, its length set by
 * nl_end); returns where it starts */
static size_t nl_put(struct nlmsg *m, uint16_t type, const void *data, size_t n)
{
	size_t at = m->len;
	struct nlattr *a = (struct nlattr *)(m->u.b + at);
	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + n);
	if (data)
		memcpy(m->u.b + at + NLA_HDRLEN, data, n);
	m->len += NLA_ALIGN(a->nla_len);
	return at;
}

static void nl_end(struct nlmsg *m, size_t nest)
{
	((struct nlattr *)(m->u.b + nest))->nla_len = (uint16_t)(m->len - nest);
}

static void nl_u32(struct nlmsg *m, uint16_t type, uint32_t v) { nl_put(m, type, &v, sizeof(v)); }
static void nl_u64(struct nlmsg *m, uint16_t type, uint64_t v) { nl_put(m, type, &v, sizeof(v)); }

/* Sends m and reads the answers up to the acknowledgement: 0, or a
 * negative errno.  want_type: an attribute of a reply to keep (a u16, into
 * *value), or 0. */
static int nl_call(int fd, struct nlmsg *m, uint16_t want_type, uint16_t *value)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	static char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
	m->u.h.nlmsg_len = (uint32_t)m->len;
	if (sendto(fd, m->u.b, m->len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0)
			return -errno;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
			if (!want_type || h->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN))
				continue;
			char *p = (char *)NLMSG_DATA(h) + GENL_HDRLEN, *end = (char *)h + h->nlmsg_len;
			while (p + NLA_HDRLEN <= end) {
				struct nlattr *a = (struct nlattr *)p;
				if (a->nla_len < NLA_HDRLEN || p + a->nla_len > end)
					break;
				if ((a->nla_type & NLA_TYPE_MASK) == want_type && a->nla_len >= NLA_HDRLEN + 2)
					memcpy(value, p + NLA_HDRLEN, 2);
				p += NLA_ALIGN(a->nla_len);
			}
		}
	}
}

/* N of /dev/nbdN, or -1 */
static int nbd_index(const char *dev)
{
	unsigned n;
	char end;
	return sscanf(dev, "/dev/nbd%u%c", &n, &end) == 1 && n < 1024 ? (int)n : -1;
}

/* Opens a netlink socket into *fd, looks up the nbd family and starts m
 * as its command cmd for /dev/nbd<index>: 0, or a negative errno (and no
 * socket left open). */
static int nbd_start(int *fd, struct nlmsg *m, uint8_t cmd, int index)
{
	uint16_t family = 0;
	*fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (*fd < 0)
		return -errno;
	nl_start(m, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1);
	nl_put(m, CTRL_ATTR_FAMILY_NAME, NBD_GENL_FAMILY_NAME, sizeof(NBD_GENL_FAMILY_NAME));
	int r = nl_call(*fd, m, CTRL_ATTR_FAMILY_ID, &family);
	if (r == 0 && !family)
		r = -ENOENT;
	if (r < 0) {
		close(*fd);
		return r;
	}
	nl_start(m, family, cmd, NBD_GENL_VERSION);
	nl_u32(m, NBD_ATTR_INDEX, (uint32_t)index);
	return 0;
}

/* sends what nbd_start began and closes its socket: 0, or a negative errno */
static int nbd_send(int fd, struct nlmsg *m)
{
	int r = nl_call(fd, m, 0, NULL);
	close(fd);
	return r;
}

/* Gives the kernel's nbd device dev the socket sock, read-only, of size
 * bytes in 512-byte sectors. */
static int nbd_connect(const char *dev, int sock, uint64_t size)
{
	struct nlmsg m;
	int fd, index = nbd_index(dev);
	if (index < 0)
		return -EINVAL;
	int r = nbd_start(&fd, &m, NBD_CMD_CONNECT, index);
	if (r < 0)
		return r;
	nl_u64(&m, NBD_ATTR_SIZE_BYTES, size);
	nl_u64(&m, NBD_ATTR_BLOCK_SIZE_BYTES, 512);
	nl_u64(&m, NBD_ATTR_SERVER_FLAGS, NBD_FLAG_HAS_FLAGS | NBD_FLAG_READ_ONLY);
	size_t socks = nl_put(&m, NBD_ATTR_SOCKETS | NLA_F_NESTED, NULL, 0);
	size_t item = nl_put(&m, NBD_SOCK_ITEM | NLA_F_NESTED, NULL, 0);
	nl_u32(&m, NBD_SOCK_FD, (uint32_t)sock);
	nl_end(&m, item);
	nl_end(&m, socks);
	return nbd_send(fd, &m);
}

/* The kernel sends the server its disconnect request, and the server
 * ends.  Waits (at most 5 s) until it has. */
static int disconnect(const char *dev)
{
	struct nlmsg m;
	char path[64];
	unsigned server = 0;
	int fd, index = nbd_index(dev);
	if (index < 0)
		return usage();
	snprintf(path, sizeof(path), "/sys/block/nbd%d/pid", index);
	FILE *f = fopen(path, "re");
	if (!f || fscanf(f, "%u", &server) != 1)
		server = 0;
	if (f)
		fclose(f);
	int r = nbd_start(&fd, &m, NBD_CMD_DISCONNECT, index);
	if (r == 0)
		r = nbd_send(fd, &m);
	if (r < 0) {
		fprintf(stderr, "livec-cloopd: cannot disconnect %s: %s\n", dev, strerror(-r));
		return 1;
	}
	snprintf(path, sizeof(path), "/proc/%u", server);
	for (int i = 0; server && i < 50 && access(path, F_OK) == 0; i++)
		usleep(100000);
	if (server && access(path, F_OK) == 0) {
		fprintf(stderr, "livec-cloopd: the server of %s (pid %u) still runs after 5 s\n", dev, server);
		return 1;
	}
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: livec-cloopd IMAGE.cloop /dev/nbdN [HASHES SHA256]\n"
			"       livec-cloopd --check IMAGE.cloop HASHES SHA256\n"
			"       livec-cloopd --check-file FILE SHA256\n"
			"       livec-cloopd --read IMAGE.cloop [HASHES SHA256]\n"
			"       livec-cloopd --disconnect /dev/nbdN\n");
	return 2;
}

int main(int argc, char **argv)
{
	int sv[2];

	if (argc == 5 && !strcmp(argv[1], "--check")) {
		load(argv[2], argv[3], argv[4]);
		return check_image();
	}
	if (argc == 4 && !strcmp(argv[1], "--check-file"))
		return check_file(argv[2], argv[3]);
	if ((argc == 3 || argc == 5) && !strcmp(argv[1], "--read")) {
		load(argv[2], argc == 5 ? argv[3] : NULL, argc == 5 ? argv[4] : NULL);
		return read_image();
	}
	if (argc == 3 && !strcmp(argv[1], "--disconnect"))
		return disconnect(argv[2]);
	if ((argc != 3 && argc != 5) || argv[1][0] == '-')
		return usage();
	argv[0][0] = '@'; /* systemd: keep running through shutdown */
	load(argv[1], argc == 5 ? argv[3] : NULL, argc == 5 ? argv[4] : NULL);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		die("socketpair");
	int r = nbd_connect(argv[2], sv[0], (uint64_t)bs * nblocks);
	if (r < 0) {
		fprintf(stderr, "livec-cloopd: cannot connect %s: %s\n", argv[2], strerror(-r));
		return 1;
	}
	close(sv[0]); /* the kernel holds its end */
	/* this outlives the initramfs and systemd: out of its session (a
	 * hangup of the console at shutdown must not reach it), ignoring the
	 * signals a live system sends around; the '@' keeps it out of
	 * systemd's last killing spree.  livec's shutdown (runtime/shutdown)
	 * ends it with --disconnect. */
	setsid();
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	/* nothing of the initramfs's /dev (a devtmpfs the shutdown must
	 * unmount) stays open here: stdin and stdout become the console that
	 * stderr already is */
	dup2(2, 0);
	dup2(2, 1);
	serve(sv[1]);
	return 0;
}
