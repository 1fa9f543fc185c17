/* InRelease signature checking through gpgv's status protocol (gpgv.h).
 * The status lines are documented in GnuPG's doc/DETAILS. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/child.h"
#include "base/cleanup.h"
#include "base/err.h"
#include "repo/gpgv.h"

const char *const lv_debian_keys[] = {
	"1F89983E0081FDE018F3CC9673A4F27B8DD47936", /* archive, 11/bullseye */
	"AC530D520F2F3269F5E98313A48449044AAD5C5D", /* security, 11/bullseye */
	"A4285295FC7B1A81600062A9605C66F00D6C9793", /* stable release, 11/bullseye */
	"B8B80B5B623EAB6AD8775C45B7C5D7D6350947F8", /* archive, 12/bookworm */
	"05AB90340C0C5E797F44A8C8254CF3B5AEC0A8F0", /* security, 12/bookworm */
	"4D64FEC119C2029067D6E791F8D2585B8783D481", /* stable release, 12/bookworm */
	"04B54C3CDCA79751B16BC6B5225629DF75B188BD", /* archive, 13/trixie */
	"5E04A1E3223A19A20706E20F9904613D4CCE68C6", /* security, 13/trixie */
	"41587F7DB8C774BCCF131416762F67A0B2C39DE4", /* stable release, 13/trixie */
};
const size_t lv_debian_nkeys = LV_ARRAY_SIZE(lv_debian_keys);

static int allowed(const struct lv_sigcheck *c, const char *fpr)
{
	for (size_t i = 0; i < c->nallowed; i++)
		if (!strcasecmp(c->allowed[i], fpr))
			return 1;
	return 0;
}

/* "[GNUPG:] KEYWORD args..." -> pointer to args if the line is KEYWORD. */
static const char *status_args(const char *line, const char *kw)
{
	static const char prefix[] = "[GNUPG:] ";
	size_t kl = strlen(kw);
	if (strncmp(line, prefix, sizeof(prefix) - 1))
		return NULL;
	line += sizeof(prefix) - 1;
	if (strncmp(line, kw, kl) || (line[kl] != ' ' && line[kl] != '\0'))
		return NULL;
	return line + kl + (line[kl] == ' ');
}

int lv_gpgv_status(const char *status, const struct lv_sigcheck *c, char signer[41], char *why,
		     size_t whylen)
{
	_cleanup_free_ char *copy = strdup(status);
	char bad_keyids[16][17];
	size_t nbad = 0;
	char seen[512] = "";
	int nvalid = 0;

	/* First pass: key ids whose signatures are good but unusable. */
	for (char *save = NULL, *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		const char *a;
		if ((a = status_args(l, "EXPKEYSIG")) || (a = status_args(l, "REVKEYSIG")) ||
		    (a = status_args(l, "EXPSIG")) || (a = status_args(l, "BADSIG")))
			if (nbad < LV_ARRAY_SIZE(bad_keyids))
				snprintf(bad_keyids[nbad++], 17, "%.16s", a);
	}
	free(copy);
	copy = strdup(status);
	for (char *save = NULL, *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		const char *a = status_args(l, "VALIDSIG");
		if (!a)
			continue;
		/* VALIDSIG <fpr> <date> <ts> <expire> <ver> <res> <pkalgo> <hashalgo> <class> <primary-fpr> */
		char fpr[64] = "", primary[64] = "";
		char f[10][64];
		int nf = sscanf(a, "%63s %63s %63s %63s %63s %63s %63s %63s %63s %63s", fpr, f[0], f[1],
				f[2], f[3], f[4], f[5], f[6], f[7], primary);
		if (nf < 1)
			continue;
		if (nf < 10)
			strcpy(primary, fpr);
		int unusable = 0;
		size_t fl = strlen(fpr);
		for (size_t i = 0; i < nbad && fl >= 16; i++)
			unusable |= !strcasecmp(bad_keyids[i], fpr + fl - 16);
		nvalid++;
		if (!unusable && allowed(c, primary)) {
			snprintf(signer, 41, "%s", primary);
			return 1;
		}
		size_t used = strlen(seen);
		snprintf(seen + used, sizeof(seen) - used, "%s%s%s", used ? ", " : "", primary,
			 unusable ? " (expired or revoked)" : "");
	}
	if (nvalid)
		snprintf(why, whylen, "signed only by keys that are not allowed: %s", seen);
	else if (strstr(status, "NO_PUBKEY") || strstr(status, "ERRSIG"))
		snprintf(why, whylen, "signed by a key that is not in the keyring");
	else if (strstr(status, "BADSIG"))
		snprintf(why, whylen, "bad signature: the content was changed after signing");
	else
		snprintf(why, whylen, "no valid signature found");
	return 0;
}

int lv_gpgv_inrelease(const struct lv_sigcheck *c, const char *in, const char *out,
			char signer[41], const char *what, struct lv_diags *d)
{
	struct lv_buf status = { .max = 1 << 20 };
	char why[600];

	if (access(c->keyring, R_OK) < 0) {
		lv_error(d, "cannot read keyring '%s': %s", c->keyring, strerror(errno));
		return -LVE_SIGNATURE;
	}
	unlink(out);
	const char *argv[] = { "gpgv", "--status-fd", "1", "--keyring", c->keyring, "--output", out,
			       "--", in, NULL };
	struct lv_child gpgv = { .argv = argv, .in = { LV_CHILD_NULL },
				 .out = { LV_CHILD_BUFFER, .buf = &status }, .err = { LV_CHILD_NULL } };
	int r = lv_child_run(&gpgv);
	lv_child_release(&gpgv);
	if (r < 0) {
		lv_buf_release(&status);
		lv_error(d, "cannot run gpgv: %s (install the gpgv package)", strerror(-r));
		return -LVE_GPGV;
	}
	/* the exit status is not the answer (gpgv.h): the status lines are */
	int ok = lv_gpgv_status(status.p ? status.p : "", c, signer, why, sizeof(why));
	lv_buf_release(&status);
	if (!ok || access(out, R_OK) < 0) {
		unlink(out);
		lv_error(d, "InRelease '%s': %s", what, ok ? "gpgv wrote no signed text" : why);
		return -LVE_SIGNATURE;
	}
	return 0;
}
