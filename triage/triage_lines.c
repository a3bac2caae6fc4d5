/*
 * triage_lines.c - the console's line syntax for triage (see triage_impl.h).
 *
 * A console line may carry, before the kernel's text, any of: a syslog
 * level "<4>", a timestamp "[   39.549363]", a printk caller id "[ T5855]"
 * or "[    C1]", a dmesg -T clock "[Mon Jan  1 12:00:00 2024]", a syslog or
 * journal header "Jan  1 12:00:00 host kernel: " (or "host kernel: " after
 * a journal's own timestamp) and dmesg -x columns "kern  :warn  : ".  They
 * are removed (the caller id is kept aside) so the report patterns see the
 * kernel's text; so is the indentation of a report pasted into a mail.  Two records glued on one line
 * (one CPU's output without its newline, then another's timestamp) are cut
 * apart.  Stack frames are parsed in every format x86 kernels have printed:
 * "func+0x1/0x2 [mod]", "[<ffffffff81000000>] ? func+0x1/0x2",
 * "RIP: 0010:[<...>]  [<...>] func+0x1/0x2", "EIP is at func+0x1/0x2",
 * "IP: func+0x1/0x2", 2.6's ":mod:func+0x1/0x2", build ids "[mod 0123abcd]",
 * and symbolized frames "func+0x1/0x2 file.c:12" or "func file.c:12 [inline]".
 */
#define _GNU_SOURCE
#include "triage_impl.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static regex_t frame_rx, inline_rx;
static pthread_once_t once = PTHREAD_ONCE_INIT;

#define SYM "[A-Za-z_.$][A-Za-z0-9_.$]*"
/* group 1: a register name, or an old trace's "<IRQ>  ", "<<EOE>>  " marker before the frame */
#define IP_REG "(RIP: [0-9a-f]{4}:|RIP +|EIP: [0-9a-f]{4}:|EIP: |EIP is at |IP: |<<?[A-Z#]+>>? +)?"

static void compile_frames(void)
{
	/* 3: "? ", 5: 2.6's ":module:" prefix, 6: function, 8: module */
	if (regcomp(&frame_rx,
		    "^[ \t]*" IP_REG "(\\[<[0-9a-f]+>\\] *)*(\\? )?(:([A-Za-z0-9_]+):)?(" SYM ")"
		    "\\+0x[0-9a-f]+/0x[0-9a-f]+( \\[([A-Za-z0-9_]+)( [0-9a-f]+)?\\])?",
		    REG_EXTENDED) ||
	    regcomp(&inline_rx, "^[ \t]*" IP_REG "(\\[<[0-9a-f]+>\\] *)*(\\? )?(" SYM ")"
		    " [^ ]+:[0-9]+ \\[inline\\]", REG_EXTENDED))
		abort();	/* a bug in the patterns above */
}

bool line_starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static void copy_group(char *dst, size_t size, const char *s, const regmatch_t *m)
{
	size_t n = m->rm_so < 0 ? 0 : (size_t)(m->rm_eo - m->rm_so);

	if (n >= size)
		n = size - 1;
	memcpy(dst, s + (m->rm_so < 0 ? 0 : m->rm_so), n);
	dst[n] = '\0';
}

int parse_frame(const char *s, char *fn, size_t fn_size, char *mod, size_t mod_size,
		bool *unreliable)
{
	regmatch_t m[10];

	pthread_once(&once, compile_frames);
	mod[0] = '\0';
	if (!regexec(&frame_rx, s, 10, m, 0)) {
		*unreliable = m[3].rm_so >= 0;
		copy_group(fn, fn_size, s, &m[6]);
		copy_group(mod, mod_size, s, &m[m[5].rm_so >= 0 ? 5 : 8]);
	} else if (!regexec(&inline_rx, s, 5, m, 0)) {
		*unreliable = m[3].rm_so >= 0;
		copy_group(fn, fn_size, s, &m[4]);
	} else {
		return -1;
	}
	fn[strcspn(fn, ".")] = '\0';	/* .cold, .isra.0, .part.1, .constprop.0 */
	return fn[0] ? 0 : -1;
}

bool is_frame_line(const char *s)
{
	char fn[128], mod[64];
	bool unreliable;

	return !parse_frame(s, fn, sizeof(fn), mod, sizeof(mod), &unreliable) ||
	       strstr(s, "</TASK>") || strstr(s, "</IRQ>") || line_starts(s, "Modules linked in");
}

bool is_ip_line(const char *s)
{
	char fn[128], mod[64];
	bool unreliable;

	return (line_starts(s, "RIP: ") || line_starts(s, "EIP") || line_starts(s, "IP: ")) &&
	       !parse_frame(s, fn, sizeof(fn), mod, sizeof(mod), &unreliable);
}

/* "[   12.345678]" (a '.' required); the length with one space after it, else 0. */
static size_t skip_stamp(const char *s)
{
	const char *p = s + 1;

	if (*s != '[')
		return 0;
	p += strspn(p, " ");
	if (!isdigit((unsigned char)*p))
		return 0;
	p += strspn(p, "0123456789");
	if (*p++ != '.' || !isdigit((unsigned char)*p))
		return 0;
	p += strspn(p, "0123456789");
	if (*p++ != ']')
		return 0;
	return (size_t)(p - s) + (*p == ' ');
}

/* "<4>" */
static size_t skip_level(const char *s)
{
	size_t n = s[0] == '<' ? strspn(s + 1, "0123456789") : 0;

	return n && n <= 3 && s[n + 1] == '>' ? n + 2 + (s[n + 2] == ' ') : 0;
}

/* "[ T123]", "[    C1]": the caller id into caller. */
static size_t skip_caller(const char *s, char *caller, size_t size)
{
	const char *p = s + 1, *id;
	size_t n;

	if (*s != '[')
		return 0;
	p += strspn(p, " ");
	id = p;
	if (*p != 'T' && *p != 'C')
		return 0;
	n = strspn(p + 1, "0123456789");
	if (!n || p[1 + n] != ']' || n + 2 > size)
		return 0;
	memcpy(caller, id, n + 1);
	caller[n + 1] = '\0';
	p += n + 2;
	return (size_t)(p - s) + (*p == ' ');
}

/* dmesg -T: "[Mon Jan  1 12:00:00 2024]" */
static size_t skip_clock(const char *s)
{
	const char *end;

	if (s[0] != '[' || !isupper((unsigned char)s[1]) || !islower((unsigned char)s[2]) ||
	    !islower((unsigned char)s[3]) || s[4] != ' ')
		return 0;
	end = memchr(s, ']', strnlen(s, 32));	/* s may end before 32 bytes */
	if (!end || !memchr(s, ':', (size_t)(end - s)))
		return 0;
	return (size_t)(end + 1 - s) + (end[1] == ' ');
}

/*
 * syslog / journal: "Jan  1 12:00:00 host kernel: ", "2024-01-01T12:00:00+00:00
 * host kernel: ", or after a journal's own timestamp just "host kernel: ".
 */
static size_t skip_syslog(const char *s)
{
	const char *k = strstr(s, " kernel: ");
	size_t n = k ? (size_t)(k - s) : 0;

	if (!k || n > 80)
		return 0;
	if (strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") != n &&
	    !(isupper((unsigned char)s[0]) && islower((unsigned char)s[1]) &&
	      islower((unsigned char)s[2]) && s[3] == ' ' && memchr(s, ':', n)) &&
	    !(isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[3]) && s[4] == '-'))
		return 0;
	return n + strlen(" kernel: ");
}

/* dmesg -x: "kern  :warn  : " */
static size_t skip_facility(const char *s)
{
	static const char *const facilities[] = { "kern ", "user ", "daemon", "syslog" };
	const char *p;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(facilities); i++)
		if (line_starts(s, facilities[i]))
			break;
	if (i == ARRAY_SIZE(facilities))
		return 0;
	p = s + strcspn(s, ": ");
	p += strspn(p, " ");
	if (*p++ != ':')
		return 0;
	p += strspn(p, "abcdefghijklmnopqrstuvwxyz");
	p += strspn(p, " ");
	if (p[0] != ':' || p[1] != ' ')
		return 0;
	return (size_t)(p + 2 - s);
}

/* s without its prefixes; caller /out/ the printk caller id, if any. */
static const char *strip_prefixes(const char *s, char *caller, size_t size)
{
	for (;;) {
		const char *t = s + strspn(s, " \t\r");
		size_t n;

		if (!(n = skip_level(t)) && !(n = skip_stamp(t)) &&
		    !(n = skip_caller(t, caller, size)) && !(n = skip_clock(t)) &&
		    !(n = skip_syslog(t)) && !(n = skip_facility(t)))
			return s;
		s = t + n;
	}
}

/* Offset of a second record's "[ 12.345678]" timestamp inside t (6 decimals), else 0. */
static size_t glued_stamp(const char *t)
{
	const char *p;

	for (p = strchr(t + (*t != '\0'), '['); p; p = strchr(p + 1, '[')) {
		const char *q = p + 1 + strspn(p + 1, " ");
		size_t d = strspn(q, "0123456789");

		if (d && q[d] == '.' && strspn(q + d + 1, "0123456789") == 6 && q[d + 7] == ']')
			return (size_t)(p - t);
	}
	return 0;
}

static void push_line(struct tlog *l, size_t *cap, const char *text, const char *caller)
{
	if ((size_t)l->n == *cap) {
		*cap *= 2;
		l->v = xrealloc(l->v, *cap * sizeof(*l->v));
	}
	l->v[l->n].text = text;
	snprintf(l->v[l->n].caller, sizeof(l->v[l->n].caller), "%s", caller);
	l->n++;
}

/* One raw line s of n bytes: its records, copied to l->buf at *o. */
static void add_record(struct tlog *l, size_t *cap, const char *s, size_t n, size_t *o)
{
	for (;;) {
		char *line = l->buf + *o, caller[12] = "";
		const char *t;
		size_t pre, k;

		memcpy(line, s, n);
		line[n] = '\0';
		t = strip_prefixes(line, caller, sizeof(caller));
		pre = (size_t)(t - line);
		k = glued_stamp(t);
		if (k)
			line[pre + k] = '\0';
		push_line(l, cap, t, caller);
		if (!k) {
			*o += n + 1;
			return;
		}
		*o += pre + k + 1;
		s += pre + k;
		n -= pre + k;
	}
}

void tlog_split(const char *text, size_t len, struct tlog *l)
{
	size_t i = 0, o = 0, cap = 64;

	l->buf = xmalloc(2 * len + 2);
	l->v = xmalloc(cap * sizeof(*l->v));
	l->n = 0;
	while (i < len) {
		size_t e = i, end;

		while (e < len && text[e] != '\n' && text[e] != '\0')
			e++;
		end = e;
		while (end > i && text[end - 1] == '\r')	/* CRLF, CR CR LF */
			end--;
		add_record(l, &cap, text + i, end - i, &o);
		i = e + 1;
	}
}

void tlog_free(struct tlog *l)
{
	free(l->v);
	free(l->buf);
}

bool tlog_foreign(const struct tlog *l, int a, int b)
{
	return l->v[a].caller[0] && l->v[b].caller[0] && strcmp(l->v[a].caller, l->v[b].caller);
}
