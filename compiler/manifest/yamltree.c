/* libyaml event stream -> lv_ynode tree (yamltree.h).
 *
 * Duplicate keys are an error here rather than in each schema: YAML says a
 * mapping's keys are unique, and silently keeping the last one would hide
 * mistakes.  Anchors and aliases are refused: a manifest should say what it
 * means where it says it. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/fsutil.h"
#include "manifest/yamltree.h"

#define LV_YAML_MAX_DEPTH 64
#define LV_YAML_MAX_FILE (16u << 20)

struct ybuilder {
	const char *name;
	struct lv_diags *d;
	yaml_parser_t parser;
	int failed;
};

static struct lv_ynode *node_new(const char *file, enum lv_ykind kind, const yaml_mark_t *m)
{
	struct lv_ynode *n = calloc(1, sizeof(*n));
	if (!n)
		abort();
	n->file = file;
	n->kind = kind;
	n->line = (int)m->line + 1;
	n->col = (int)m->column + 1;
	return n;
}

static void node_push(struct lv_ynode *parent, struct lv_ynode *kid)
{
	if ((parent->n & (parent->n - 1)) == 0) { /* grow at powers of two */
		size_t cap = parent->n ? 2 * parent->n : 4;
		struct lv_ynode **k = realloc(parent->kids, cap * sizeof(*k));
		if (!k)
			abort();
		parent->kids = k;
	}
	parent->kids[parent->n++] = kid;
}

void lv_ynode_free(struct lv_ynode *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++)
		lv_ynode_free(n->kids[i]);
	free(n->kids);
	free(n->value);
	free(n);
}

static void syntax_error(struct ybuilder *b)
{
	const yaml_parser_t *p = &b->parser;
	const yaml_mark_t *m = &p->problem_mark;
	char ctx[256] = "";

	if (p->context)
		snprintf(ctx, sizeof(ctx), " %s", p->context);
	lv_diag_at(b->d, LV_ERROR, b->name, (int)m->line + 1, (int)m->column + 1, NULL,
		   "invalid YAML: %s%s", p->problem ? p->problem : "syntax error", ctx);
	b->failed = 1;
}

/* Parses one node whose first event is ev; returns NULL on error. */
static struct lv_ynode *parse_node(struct ybuilder *b, yaml_event_t *ev, int depth)
{
	struct lv_ynode *n = NULL;

	if (depth > LV_YAML_MAX_DEPTH) {
		lv_diag_at(b->d, LV_ERROR, b->name, (int)ev->start_mark.line + 1,
			   (int)ev->start_mark.column + 1, NULL, "nesting is deeper than %d levels",
			   LV_YAML_MAX_DEPTH);
		b->failed = 1;
		return NULL;
	}
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		n = node_new(b->name, LV_YSCALAR, &ev->start_mark);
		n->value = strndup((const char *)ev->data.scalar.value, ev->data.scalar.length);
		n->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
		return n;
	case YAML_ALIAS_EVENT:
		lv_diag_at(b->d, LV_ERROR, b->name, (int)ev->start_mark.line + 1,
			   (int)ev->start_mark.column + 1, NULL,
			   "YAML aliases are not supported in livec files; write the value out");
		b->failed = 1;
		return NULL;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT: {
		int is_map = ev->type == YAML_MAPPING_START_EVENT;
		yaml_event_type_t end = is_map ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT;
		n = node_new(b->name, is_map ? LV_YMAP : LV_YSEQ, &ev->start_mark);
		for (;;) {
			yaml_event_t kid;
			if (!yaml_parser_parse(&b->parser, &kid)) {
				syntax_error(b);
				lv_ynode_free(n);
				return NULL;
			}
			if (kid.type == end) {
				yaml_event_delete(&kid);
				break;
			}
			struct lv_ynode *k = parse_node(b, &kid, depth + 1);
			yaml_event_delete(&kid);
			if (!k) {
				lv_ynode_free(n);
				return NULL;
			}
			if (is_map && n->n % 2 == 0) {
				if (k->kind != LV_YSCALAR) {
					lv_diag_at(b->d, LV_ERROR, b->name, k->line, k->col, NULL,
						   "mapping keys must be plain words");
					b->failed = 1;
				} else {
					for (size_t i = 0; i < n->n; i += 2)
						if (n->kids[i]->value && !strcmp(n->kids[i]->value, k->value)) {
							char hint[128];
							snprintf(hint, sizeof(hint),
								 "'%s' was first given at line %d",
								 k->value, n->kids[i]->line);
							lv_diag_at(b->d, LV_ERROR, b->name, k->line, k->col,
								   hint, "duplicate key '%s'", k->value);
							b->failed = 1;
							break;
						}
				}
			}
			node_push(n, k);
		}
		return n;
	}
	default:
		lv_diag_at(b->d, LV_ERROR, b->name, (int)ev->start_mark.line + 1,
			   (int)ev->start_mark.column + 1, NULL, "unexpected YAML event");
		b->failed = 1;
		return NULL;
	}
}

struct lv_ynode *lv_yaml_load_mem(const char *name, const char *data, size_t len, struct lv_diags *d)
{
	struct ybuilder b = { .name = name, .d = d };
	struct lv_ynode *root = NULL;
	yaml_event_t ev;
	int done = 0;

	if (!yaml_parser_initialize(&b.parser))
		abort();
	yaml_parser_set_input_string(&b.parser, (const unsigned char *)data, len);
	while (!done) {
		if (!yaml_parser_parse(&b.parser, &ev)) {
			syntax_error(&b);
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_START_EVENT:
		case YAML_DOCUMENT_END_EVENT:
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (root) {
				lv_diag_at(d, LV_ERROR, name, (int)ev.start_mark.line + 1,
					   (int)ev.start_mark.column + 1, NULL,
					   "only one YAML document is allowed per file");
				b.failed = 1;
				done = 1;
			}
			break;
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		default:
			root = parse_node(&b, &ev, 0);
			if (!root)
				done = 1;
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&b.parser);
	if (b.failed) {
		lv_ynode_free(root);
		return NULL;
	}
	if (!root) {
		yaml_mark_t m = { 0, 0, 0 };
		root = node_new(name, LV_YMAP, &m);
	}
	return root;
}

struct lv_ynode *lv_yaml_load(const char *path, struct lv_diags *d)
{
	struct lv_buf b = { .max = LV_YAML_MAX_FILE };
	int r = lv_read_file(path, &b);

	if (r < 0) {
		lv_diag_at(d, LV_ERROR, path, 0, 0, NULL, "cannot read: %s", lv_strerror(r));
		lv_buf_release(&b);
		return NULL;
	}
	struct lv_ynode *root = lv_yaml_load_mem(path, b.p, b.len, d);
	lv_buf_release(&b);
	return root;
}

const struct lv_ynode *lv_ymap_get(const struct lv_ynode *map, const char *key)
{
	if (!map || map->kind != LV_YMAP)
		return NULL;
	for (size_t i = 0; i + 1 < map->n; i += 2)
		if (!strcmp(map->kids[i]->value, key))
			return map->kids[i + 1];
	return NULL;
}

struct lv_ynode *lv_ynode_copy(const struct lv_ynode *n)
{
	struct lv_ynode *c = malloc(sizeof(*c));
	if (!c)
		abort();
	*c = *n;
	c->value = n->value ? strdup(n->value) : NULL;
	c->kids = n->n ? calloc(n->n, sizeof(*c->kids)) : NULL;
	for (size_t i = 0; i < n->n; i++)
		c->kids[i] = lv_ynode_copy(n->kids[i]);
	return c;
}

int lv_ynode_equal(const struct lv_ynode *a, const struct lv_ynode *b)
{
	if (a->kind != b->kind || a->n != b->n || (a->value && strcmp(a->value, b->value)))
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (!lv_ynode_equal(a->kids[i], b->kids[i]))
			return 0;
	return 1;
}

/* The code point of the UTF-8 sequence at p (its length in *len), or -1
 * for a byte that does not start a valid, shortest sequence. */
static long utf8_next(const unsigned char *p, size_t *len)
{
	int n = p[0] < 0xc2 ? 0 : p[0] < 0xe0 ? 2 : p[0] < 0xf0 ? 3 : p[0] < 0xf5 ? 4 : 0;
	long cp = n == 2 ? p[0] & 0x1f : n == 3 ? p[0] & 0x0f : p[0] & 0x07;
	static const long least[] = { 0, 0, 0x80, 0x800, 0x10000 };
	for (int i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return -1;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (!n || cp < least[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	*len = (size_t)n;
	return cp;
}

void lv_yaml_quote(struct lv_buf *b, const char *s)
{
	lv_buf_puts(b, "\"");
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p;) {
		size_t len = 1;
		long cp = *p < 0x80 ? *p : utf8_next(p, &len);
		if (cp == '"' || cp == '\\')
			lv_buf_printf(b, "\\%c", (int)cp);
		else if (cp >= 0 && (cp < 0x20 || cp == 0x7f))
			lv_buf_printf(b, "\\x%02lx", cp);
		else if (cp < 0 || (cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 || cp == 0xfeff ||
			 cp == 0xfffe || cp == 0xffff)
			/* what YAML folds or refuses in a document: escaped; a byte
			 * that is not UTF-8 becomes U+FFFD */
			lv_buf_printf(b, "\\u%04lx", cp < 0 ? 0xfffdL : cp);
		else
			lv_buf_append(b, p, len);
		p += len;
	}
	lv_buf_puts(b, "\"");
}

int lv_ynull(const struct lv_ynode *n)
{
	return n && n->kind == LV_YSCALAR && !n->quoted &&
	       (!*n->value || !strcmp(n->value, "~") || !strcmp(n->value, "null") || !strcmp(n->value, "Null") ||
		!strcmp(n->value, "NULL"));
}

const char *lv_yscalar(const struct lv_ynode *n)
{
	return n && n->kind == LV_YSCALAR ? n->value : NULL;
}

const char *lv_ykind_name(enum lv_ykind k)
{
	return k == LV_YSCALAR ? "a scalar" : k == LV_YSEQ ? "a list" : "a mapping";
}
