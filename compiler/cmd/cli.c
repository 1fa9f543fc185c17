/* What every verb may say (cli.h): progress on stderr, -q and -v. */
#include <stdarg.h>
#include <stdio.h>

#include "cmd/cli.h"

static void vsay(const char *fmt, va_list ap)
{
	fputs("livec: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void lv_say(const struct lv_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	if (ctx->quiet)
		return;
	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
}

void lv_debug(const struct lv_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	if (!ctx->verbose || ctx->quiet)
		return;
	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
}
