/* gpgv status parsing: what livec accepts as a valid InRelease signature. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "repo/gpgv.h"

static const char *const allowed[] = { "B8B80B5B623EAB6AD8775C45B7C5D7D6350947F8" };
static const struct lv_sigcheck sc = { .keyring = "unused", .allowed = allowed, .nallowed = 1 };

/* Debian's InRelease with three signatures, as gpgv reports it. */
static const char three_sigs[] =
	"[GNUPG:] NEWSIG\n"
	"[GNUPG:] GOODSIG 6ED0E7B82643E131 Debian Archive Automatic Signing Key (12/bookworm)\n"
	"[GNUPG:] VALIDSIG 4CB50190207B4758A3F73A796ED0E7B82643E131 2026-07-11 1783765031 0 4 0 1 8 01 "
	"B8B80B5B623EAB6AD8775C45B7C5D7D6350947F8\n"
	"[GNUPG:] NEWSIG\n"
	"[GNUPG:] ERRSIG 78DBA3BC47EF2265 1 8 01 1783765032 9 -\n"
	"[GNUPG:] NO_PUBKEY 78DBA3BC47EF2265\n";

static void validsig_from_allowed_primary_key_is_accepted(void **s)
{
	(void)s;
	char signer[41], why[256];
	assert_int_equal(lv_gpgv_status(three_sigs, &sc, signer, why, sizeof(why)), 1);
	assert_string_equal(signer, "B8B80B5B623EAB6AD8775C45B7C5D7D6350947F8");
}

static void good_signature_from_another_key_is_refused(void **s)
{
	(void)s;
	char signer[41], why[256];
	const char *other = "[GNUPG:] GOODSIG 1111111111111111 Someone\n"
			    "[GNUPG:] VALIDSIG AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA 2026-07-11 1 0 4 0 1 8 01 "
			    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n";
	assert_int_equal(lv_gpgv_status(other, &sc, signer, why, sizeof(why)), 0);
	assert_non_null(strstr(why, "not allowed"));
	assert_non_null(strstr(why, "AAAAAAAA"));
}

static void missing_key_and_bad_signature_are_refused(void **s)
{
	(void)s;
	char signer[41], why[256];
	assert_int_equal(lv_gpgv_status("[GNUPG:] ERRSIG 1 1 8 01 1 9 -\n[GNUPG:] NO_PUBKEY 1\n", &sc,
					  signer, why, sizeof(why)), 0);
	assert_non_null(strstr(why, "not in the keyring"));
	assert_int_equal(lv_gpgv_status("[GNUPG:] BADSIG 6ED0E7B82643E131 Debian\n", &sc, signer, why,
					  sizeof(why)), 0);
	assert_non_null(strstr(why, "changed after signing"));
	assert_int_equal(lv_gpgv_status("", &sc, signer, why, sizeof(why)), 0);
}

static void expired_key_signature_is_refused(void **s)
{
	(void)s;
	char signer[41], why[256];
	const char *expired =
		"[GNUPG:] EXPKEYSIG 6ED0E7B82643E131 Debian\n"
		"[GNUPG:] VALIDSIG 4CB50190207B4758A3F73A796ED0E7B82643E131 2026-07-11 1 0 4 0 1 8 01 "
		"B8B80B5B623EAB6AD8775C45B7C5D7D6350947F8\n";
	assert_int_equal(lv_gpgv_status(expired, &sc, signer, why, sizeof(why)), 0);
	assert_non_null(strstr(why, "expired or revoked"));
}

static void status_keywords_must_match_whole(void **s)
{
	(void)s;
	char signer[41], why[256];
	/* a forged keyword prefix must not count as VALIDSIG */
	const char *forged = "[GNUPG:] VALIDSIGX B8B80B5B623EAB6AD8775C45B7C5D7D6350947F8\n"
			     "VALIDSIG B8B80B5B623EAB6AD8775C45B7C5D7D6350947F8\n";
	assert_int_equal(lv_gpgv_status(forged, &sc, signer, why, sizeof(why)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(validsig_from_allowed_primary_key_is_accepted),
		cmocka_unit_test(good_signature_from_another_key_is_refused),
		cmocka_unit_test(missing_key_and_bad_signature_are_refused),
		cmocka_unit_test(expired_key_signature_is_refused),
		cmocka_unit_test(status_keywords_must_match_whole),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
