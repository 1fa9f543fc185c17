/* Signature verification of InRelease files with gpgv.
 *
 * gpgv's exit code is not the answer: Debian's InRelease carries several
 * signatures, and with a keyring holding only some keys gpgv reports a good
 * one and still exits 2.  livec parses gpgv's status lines and accepts the
 * file only on a VALIDSIG whose primary key fingerprint is allowed (and which
 * is not from an expired or revoked key).  Only gpgv's --output, the signed
 * text, is used afterwards: nothing outside the signature can sneak in. */
#ifndef LV_VERIFY_H
#define LV_VERIFY_H

#include <stddef.h>

#include "base/diag.h"

/* The Debian archive keys livec trusts by default (primary fingerprints). */
extern const char *const lv_debian_keys[];
extern const size_t lv_debian_nkeys;
#define LV_DEBIAN_KEYRING "/usr/share/keyrings/debian-archive-keyring.gpg"

struct lv_sigcheck {
	const char *keyring;           /* binary OpenPGP keyring file */
	const char *const *allowed;    /* primary fingerprints, 40 hex digits */
	size_t nallowed;
};

/* Verifies `in` (a clearsigned InRelease) and writes the signed text to
 * `out`.  On success stores the accepting key's primary fingerprint in
 * signer (41 bytes).  `what` names the file in diagnostics (a URL). */
int lv_gpgv_inrelease(const struct lv_sigcheck *c, const char *in, const char *out,
			char signer[41], const char *what, struct lv_diags *d);

/* Parses gpgv --status-fd output (exposed for unit tests): returns 1 and the
 * accepted primary fingerprint, or 0 and a reason in why. */
int lv_gpgv_status(const char *status, const struct lv_sigcheck *c, char signer[41], char *why,
		     size_t whylen);

#endif
