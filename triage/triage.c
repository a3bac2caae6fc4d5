/*
 * triage.c - console log → crash verdict (see triage.h).
 *
 * Owns the algorithm; the line syntax is in triage_lines.c, the report
 * families and the frames never blamed in triage_families.c.  Must never do
 * I/O or depend on the runner: it is a pure function of the text.
 *
 * Algorithm: split the log into lines without their prefixes (timestamps,
 * caller ids, syslog levels); find every report header (a generic "BUG:"
 * only when a stack dump follows it); a die() line, BUG() or WARNING just
 * after a header of the same context, or any header inside a sanitizer's
 * "=====" frame, continues that report rather than starting one.  The
 * first crash report decides (a WARNING only if no crash is in the log);
 * every report is listed in the chain (oops, then panic).  A report ends at
 * "---[ end trace", at its closing "=====" (sanitizers), before the next
 * report of another kind in its context, or after its stack dump; a panic
 * that follows extends it to "Kernel Offset"/"---[ end Kernel panic".
 * Lines of other printk callers are skipped inside a report (except for RCU
 * stalls, whose stacks come from other CPUs).  The guilty frame is the
 * header's own function, else the first reliable frame from the report's
 * first kernel RIP (lockdep, sleep in atomic: from its "stack backtrace:" or
 * "Call Trace:") that is not kernel machinery (triage_families.c).  A
 * report the NIM contained (its fault line follows, no oops) is no report.
 */
#define _GNU_SOURCE
#include "triage.h"

#include <ctype.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "triage_impl.h"
#include "util.h"

#define PART_WINDOW	20	/* lines within which a die() line continues a header */
#define FRAME_WINDOW	400	/* lines a sanitizer's "=====" frame may hold headers */
#define CONFIRM_WINDOW	12	/* lines within which a generic header needs a stack dump */
#define TRACE_GAP	60	/* other lines after which a report without end marker is over */
#define PANIC_TAIL	200	/* lines a panic's own dump may take */

static const char panic_prefix[] = "Kernel panic - not syncing";

struct report {
	int line;	/* 0-based header line */
	int fam;
};

struct reports {
	struct report *v;
	int n, cap;
};

const char *triage_kinds(void)
{
	return family_kinds();
}

static void copy_str(char *dst, size_t size, const char *src, size_t n)
{
	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Replace addresses and numbers with placeholders so titles dedup. */
static void normalize(const char *in, char *out, size_t size)
{
	size_t o = 0;
	const char *p = in;

	while (*p && o + 8 < size) {
		int at_word = p == in || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');

		if (at_word && p[0] == '0' && p[1] == 'x' && isxdigit((unsigned char)p[2])) {
			for (p += 2; isxdigit((unsigned char)*p); p++)
				;
			o += (size_t)snprintf(out + o, size - o, "ADDR");
		} else if (at_word && isdigit((unsigned char)*p)) {
			const char *q = p;

			while (isxdigit((unsigned char)*q))
				q++;
			if (isalpha((unsigned char)*q) || *q == '_') {
				out[o++] = *p++;	/* a word starting with a digit */
				continue;
			}
			p = q;
			o += (size_t)snprintf(out + o, size - o, "NUM");
		} else {
			out[o++] = *p++;
		}
	}
	out[o] = '\0';
	while (o > 0 && isspace((unsigned char)out[o - 1]))
		out[--o] = '\0';
}

/* Line i without its indentation (a report pasted into a mail or a bug tracker). */
static const char *head(const struct tlog *l, int i)
{
	return l->v[i].text + strspn(l->v[i].text, " \t\r");
}

static bool foreign(const struct tlog *l, int a, int b, int fam)
{
	return !(families[fam].flags & F_ANYCTX) && tlog_foreign(l, a, b);
}

/* A stack dump (or the "CPU: N PID: N" line that starts one) right after line i. */
static bool confirmed(const struct tlog *l, int i)
{
	int j;

	for (j = i + 1; j < l->n && j <= i + CONFIRM_WINDOW; j++) {
		const char *s = head(l, j);

		if (tlog_foreign(l, i, j))
			continue;
		if (is_frame_line(s) || is_ip_line(s) || line_starts(s, "Call Trace:") ||
		    line_starts(s, "Hardware name:") || line_starts(s, "Pid: ") ||
		    (line_starts(s, "CPU: ") && strstr(s, " PID: ")))
			return true;
	}
	return false;
}

static bool is_rule(const char *s)
{
	return strspn(s, "=") >= 20;
}

/* Framed report r has printed its closing "=====" (one after a stack frame) before line i. */
static bool framed_closed(const struct tlog *l, const struct report *r, int i)
{
	bool frames = false;
	int j;

	for (j = r->line + 1; j < i; j++) {
		if (tlog_foreign(l, r->line, j))
			continue;
		if (is_frame_line(head(l, j)))
			frames = true;
		else if (frames && is_rule(head(l, j)))
			return true;
	}
	return false;
}

/* Header f at line i continues report r (a die() line after "BUG: unable to handle"...). */
static bool continues(const struct tlog *l, const struct report *r, int i, int f)
{
	const struct family *a = &families[r->fam], *b = &families[f];
	int j;

	if ((a->flags | b->flags) & F_PANIC || tlog_foreign(l, r->line, i) ||
	    ((b->flags & F_CRASH) && !(a->flags & F_CRASH)))
		return false;
	if ((a->flags & F_FRAMED) && i - r->line <= FRAME_WINDOW)
		return !framed_closed(l, r, i);	/* 4.4's KASAN prints a SLUB report inside */
	if (i - r->line > PART_WINDOW)
		return false;
	if (!(b->flags & F_PART) && strcmp(a->kind, b->kind) && (b->flags & F_CRASH))
		return false;	/* a WARNING may print a crash's stack ("BUG: Dentry") */
	for (j = r->line + 1; j < i; j++)	/* "IP: func+0x.." belongs to the header */
		if (!tlog_foreign(l, r->line, j) && is_frame_line(head(l, j)) &&
		    !is_ip_line(head(l, j)))
			return false;
	return true;
}

/* The report that line i may continue: the latest one of its context (of the last few). */
static const struct report *open_report(const struct tlog *l, const struct reports *rs, int i)
{
	int k;

	for (k = rs->n - 1; k >= 0 && k >= rs->n - 8; k--)
		if (!tlog_foreign(l, rs->v[k].line, i))
			return &rs->v[k];
	return NULL;
}

/*
 * A report at line i that the NIM contained: its "nooks: fault domain="
 * line follows within PART_WINDOW lines, with no oops ("[#N]"), panic or
 * end-of-trace line before it.  A BUG() or a list/fortify check hit in
 * kernel code an isolated extension called: the NIM's die notifier took
 * it, no oops was printed and the kernel went on (docs/NIM.md).
 */
static bool nim_contained(const struct tlog *l, int i)
{
	int j;

	for (j = i + 1; j < l->n && j <= i + PART_WINDOW; j++) {
		const char *s = head(l, j);

		if (line_starts(s, "nooks: fault domain="))
			return true;
		if (strstr(s, " [#") || line_starts(s, panic_prefix) ||
		    line_starts(s, "---[ end trace"))
			return false;
	}
	return false;
}

static void find_reports(const struct tlog *l, struct reports *rs)
{
	regmatch_t m[FAMILY_GROUPS];
	int i, f;

	for (i = 0; i < l->n; i++) {
		const struct report *open;

		f = family_match(head(l, i), m);
		if (f < 0 || ((families[f].flags & F_CONFIRM) && !confirmed(l, i)) ||
		    nim_contained(l, i))
			continue;
		open = open_report(l, rs, i);
		if (open && continues(l, open, i, f))
			continue;
		if (rs->n == rs->cap) {
			rs->cap = rs->cap ? 2 * rs->cap : 16;
			rs->v = xrealloc(rs->v, (size_t)rs->cap * sizeof(*rs->v));
		}
		rs->v[rs->n].line = i;
		rs->v[rs->n++].fam = f;
	}
}

/* The first report start with (want_crash) or without F_CRASH, or -1. */
static int decide(const struct reports *rs, bool want_crash)
{
	int k;

	for (k = 0; k < rs->n; k++)
		if (!!(families[rs->v[k].fam].flags & F_CRASH) == want_crash)
			return k;
	return -1;
}

/*
 * First line of the next report of another kind in k's context, else l->n.
 * Panics and reports of k's kind (a SLUB report's follow-up, the next hung
 * task) belong to the same incident.
 */
static int next_report(const struct tlog *l, const struct reports *rs, int k)
{
	const struct family *f = &families[rs->v[k].fam];
	int j;

	for (j = k + 1; j < rs->n; j++) {
		const struct family *g = &families[rs->v[j].fam];

		if (!(g->flags & F_PANIC) && strcmp(g->kind, f->kind) &&
		    !tlog_foreign(l, rs->v[k].line, rs->v[j].line))
			return rs->v[j].line;
	}
	return l->n;
}

/* An SLUB/KASAN hex dump line, "Object ffff888003a4f000: 6b 6b ...". */
static bool is_dump(const char *s)
{
	const char *c = strstr(s, ": ");

	return c && c - s < 48 && isxdigit((unsigned char)c[2]) && isxdigit((unsigned char)c[3]) &&
	       c[4] == ' ';
}

/* Last line of report r (before limit); *trace_end /out/ where its own dump ends. */
static int report_end(const struct tlog *l, const struct report *r, int limit, int *trace_end)
{
	int i, first = r->line, last = first, panic = -1, gap = 0;
	unsigned flags = families[r->fam].flags;

	if (flags & F_PANIC)
		panic = first;
	for (i = first + 1; i < limit && panic != first; i++) {
		const char *s = head(l, i);

		if (line_starts(s, panic_prefix))
			break;
		if (foreign(l, first, i, r->fam))
			continue;
		if (line_starts(s, "---[ end trace") ||
		    ((flags & F_FRAMED) && is_rule(s) && last > first)) {
			last = i;
			break;
		}
		if (is_frame_line(s)) {
			last = i;
			gap = 0;
		} else if (s == l->v[i].text && !is_dump(s) && ++gap > TRACE_GAP &&
			   last > first) {
			break;
		}
	}
	*trace_end = last;
	for (i = last + 1; i < limit && panic < 0; i++)
		if (line_starts(head(l, i), panic_prefix))
			panic = i;
	if (panic < 0)
		return last;
	if (panic > last)
		last = panic;
	for (i = panic + 1; i < l->n && i < panic + PANIC_TAIL; i++) {
		if (line_starts(head(l, i), "Kernel Offset:") || is_frame_line(head(l, i)))
			last = i;
		if (line_starts(head(l, i), "---[ end Kernel panic")) {
			last = i;
			break;
		}
	}
	if (panic == first)
		*trace_end = last;
	return last;
}

/*
 * Where the report's own stack starts: its "stack backtrace:" or "Call Trace:"
 * for F_BACKTRACE families, else the first kernel RIP line when it comes
 * before any "Call Trace:" (or anywhere in an RCU stall, which dumps the
 * grace-period kthread first), else the header.
 */
static int stack_start(const struct tlog *l, const struct report *r, int to)
{
	unsigned flags = families[r->fam].flags;
	int i;

	for (i = r->line; i <= to && i < l->n; i++) {
		const char *s = head(l, i);

		if (foreign(l, r->line, i, r->fam))
			continue;
		if ((flags & F_BACKTRACE) &&
		    (line_starts(s, "stack backtrace:") || line_starts(s, "Call Trace:")))
			return i;
		if (!(flags & F_BACKTRACE) && is_ip_line(s))
			return i;
		if (!(flags & (F_ANYCTX | F_BACKTRACE)) && line_starts(s, "Call Trace:"))
			break;
	}
	return r->line;
}

static bool blame(struct triage_verdict *v, const char *fn, const char *mod)
{
	if (frame_skipped(fn))
		return false;
	snprintf(v->guilty_function, sizeof(v->guilty_function), "%s", fn);
	snprintf(v->guilty_module, sizeof(v->guilty_module), "%s", mod);
	return true;
}

/* The first blameable reliable frame in [from, to]; stops at stack_stop() lines if stop. */
static void find_guilty(const struct tlog *l, const struct report *r, int from, int to, bool stop,
			struct triage_verdict *v)
{
	char fn[128], mod[64], first_mod[64] = "";
	bool unreliable;
	int i;

	for (i = from; i <= to && i < l->n && !v->guilty_function[0]; i++) {
		if (foreign(l, r->line, i, r->fam))
			continue;
		if (stop && i > r->line && stack_stop(head(l, i)))
			break;
		if (parse_frame(head(l, i), fn, sizeof(fn), mod, sizeof(mod), &unreliable) ||
		    unreliable)
			continue;
		if (mod[0] && !first_mod[0])
			snprintf(first_mod, sizeof(first_mod), "%s", mod);
		blame(v, fn, mod);
	}
	for (; i <= to && i < l->n && v->guilty_function[0] && !v->guilty_module[0] &&
	       !first_mod[0]; i++)
		if (!parse_frame(head(l, i), fn, sizeof(fn), mod, sizeof(mod), &unreliable) &&
		    !unreliable && mod[0])
			snprintf(first_mod, sizeof(first_mod), "%s", mod);
	if (v->guilty_function[0] && !v->guilty_module[0])
		snprintf(v->guilty_module, sizeof(v->guilty_module), "%s", first_mod);
}

/* The function a header names ("WARNING: ... at f.c:1 func+0x..", "KASAN: ... in func+0x.."). */
static void header_guilty(const char *line, const regmatch_t *m, int group,
			  struct triage_verdict *v)
{
	char fn[128], mod[64];
	bool unreliable;

	if (!group || m[group].rm_so < 0)
		return;
	if (!parse_frame(line + m[group].rm_so, fn, sizeof(fn), mod, sizeof(mod), &unreliable)) {
		blame(v, fn, mod);
	} else {
		copy_str(fn, sizeof(fn), line + m[group].rm_so,
			 (size_t)(m[group].rm_eo - m[group].rm_so));
		fn[strcspn(fn, ".")] = '\0';
		if (fn[0])
			blame(v, fn, "");
	}
}

/* A guilty function named without its module: the module of its frame, else of the first. */
static void header_module(const struct tlog *l, const struct report *r, int last,
			  struct triage_verdict *v)
{
	char fn[128], mod[64], first_mod[64] = "";
	bool unreliable;
	int i;

	for (i = r->line; i <= last && i < l->n; i++) {
		if (foreign(l, r->line, i, r->fam))
			continue;
		if (parse_frame(head(l, i), fn, sizeof(fn), mod, sizeof(mod), &unreliable) ||
		    !mod[0])
			continue;
		if (!strcmp(fn, v->guilty_function)) {
			snprintf(first_mod, sizeof(first_mod), "%s", mod);
			break;
		}
		if (!first_mod[0])
			snprintf(first_mod, sizeof(first_mod), "%s", mod);
	}
	snprintf(v->guilty_module, sizeof(v->guilty_module), "%s", first_mod);
}

static void note_panic(const struct tlog *l, int from, struct triage_verdict *v)
{
	static const char prefix[] = "Kernel panic - not syncing: ";
	int i;

	for (i = from; i < l->n; i++) {
		if (!line_starts(head(l, i), prefix))
			continue;
		v->panicked = true;
		normalize(head(l, i) + strlen(prefix), v->panic_reason, sizeof(v->panic_reason));
		v->in_interrupt = strstr(head(l, i), "Fatal exception in interrupt") != NULL;
		return;
	}
}

/*
 * A free-form header's gist, for a generic "BUG: ..." line: its words without
 * digits (addresses, counts, pids, device names), up to the first " (", " ["
 * or ": " (details), e.g. "Dentry still in use".
 */
static void gist(char *msg)
{
	char *in = xstrdup(msg), *w, *save = NULL, *o = msg;

	for (w = strtok_r(in, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		if (*w == '(' || *w == '[' || (o > msg && o[-1] == ':'))
			break;
		if (strpbrk(w, "0123456789"))
			continue;
		o += sprintf(o, "%s%s", o > msg ? " " : "", w);
	}
	if (o > msg && o[-1] == ':')
		o--;
	*o = '\0';
	free(in);
}

static void make_title(const struct family *f, const char *line, const regmatch_t *m,
		       struct triage_verdict *v)
{
	char msg[160] = "";

	if ((f->flags & F_MSG) && m[f->msg].rm_so >= 0) {
		char raw[160];

		copy_str(raw, sizeof(raw), line + m[f->msg].rm_so,
			 (size_t)(m[f->msg].rm_eo - m[f->msg].rm_so));
		if (f->flags & F_CONFIRM)
			gist(raw);
		normalize(raw, msg, sizeof(msg));
	}
	if (v->guilty_function[0])
		snprintf(v->title, sizeof(v->title), "%s%s in %s", f->title, msg,
			 v->guilty_function);
	else
		snprintf(v->title, sizeof(v->title), "%s%s", f->title, msg);
}

static void record_chain(const struct tlog *l, const struct reports *rs, struct triage_verdict *v)
{
	int k;

	for (k = 0; k < rs->n && k < TRIAGE_CHAIN_MAX; k++) {
		const struct family *f = &families[rs->v[k].fam];
		struct triage_link *c = &v->chain[k];

		snprintf(c->kind, sizeof(c->kind), "%s", f->flags & F_PANIC ? "panic" : f->kind);
		snprintf(c->report, sizeof(c->report), "%s", head(l, rs->v[k].line));
		c->line = rs->v[k].line + 1;
	}
	v->chain_len = k;
}

static void fill_verdict(const struct tlog *l, const struct reports *rs, int k,
			 struct triage_verdict *v)
{
	const struct report *r = &rs->v[k];
	const struct family *f = &families[r->fam];
	const char *line = head(l, r->line);
	regmatch_t m[FAMILY_GROUPS];
	int trace_end, last;

	family_match(line, m);
	v->crashed = f->flags & F_CRASH;
	v->lockup = f->flags & F_LOCKUP;
	snprintf(v->kind, sizeof(v->kind), "%s", f->kind);
	snprintf(v->report, sizeof(v->report), "%s", line);
	snprintf(v->caller, sizeof(v->caller), "%s", l->v[r->line].caller);
	v->first_line = r->line + 1;
	last = report_end(l, r, next_report(l, rs, k), &trace_end);
	v->last_line = last + 1;
	header_guilty(line, m, f->fn, v);
	if (v->guilty_function[0] && !v->guilty_module[0])
		header_module(l, r, last, v);
	if (!v->guilty_function[0])
		find_guilty(l, r, stack_start(l, r, trace_end), trace_end, true, v);
	if (!v->guilty_function[0])	/* e.g. a panic whose trace follows the panic line */
		find_guilty(l, r, r->line, last, false, v);
	note_panic(l, r->line, v);
	make_title(f, line, m, v);
}

void triage_console(const char *text, size_t len, struct triage_verdict *v)
{
	struct tlog l;
	struct reports rs = { 0 };
	int k;

	memset(v, 0, sizeof(*v));
	snprintf(v->kind, sizeof(v->kind), "none");
	tlog_split(text, len, &l);
	find_reports(&l, &rs);
	k = decide(&rs, true);
	if (k < 0)
		k = decide(&rs, false);
	if (k >= 0)
		fill_verdict(&l, &rs, k, v);
	record_chain(&l, &rs, v);
	free(rs.v);
	tlog_free(&l);
}

json_object *triage_to_json(const struct triage_verdict *v)
{
	json_object *o = json_object_new_object(), *chain = json_object_new_array();
	int i;

	json_object_object_add(o, "crashed", json_object_new_boolean(v->crashed));
	json_object_object_add(o, "kind", json_object_new_string(v->kind));
	json_object_object_add(o, "title", json_object_new_string(v->title));
	json_object_object_add(o, "guilty_function", json_object_new_string(v->guilty_function));
	json_object_object_add(o, "guilty_module", json_object_new_string(v->guilty_module));
	json_object_object_add(o, "lockup", json_object_new_boolean(v->lockup));
	json_object_object_add(o, "panicked", json_object_new_boolean(v->panicked));
	json_object_object_add(o, "in_interrupt", json_object_new_boolean(v->in_interrupt));
	json_object_object_add(o, "panic_reason", json_object_new_string(v->panic_reason));
	json_object_object_add(o, "report", json_object_new_string(v->report));
	json_object_object_add(o, "first_line", json_object_new_int(v->first_line));
	json_object_object_add(o, "last_line", json_object_new_int(v->last_line));
	json_object_object_add(o, "caller", json_object_new_string(v->caller));
	for (i = 0; i < v->chain_len; i++) {
		json_object *c = json_object_new_object();

		json_object_object_add(c, "kind", json_object_new_string(v->chain[i].kind));
		json_object_object_add(c, "line", json_object_new_int(v->chain[i].line));
		json_object_object_add(c, "report", json_object_new_string(v->chain[i].report));
		json_object_array_add(chain, c);
	}
	json_object_object_add(o, "chain", chain);
	return o;
}
