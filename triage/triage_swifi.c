/*
 * triage_swifi.c - kmod/swifi's console lines (formats: kmod/swifi/
 * swifi_rt.c, swifi_text.c): "swifi: event=armed|fired ..." (runtime-fault
 * activation), "swifi: event=code_armed|code_fired ..." (transient code
 * fault sites written into the live text / executed)
 * and "swifi: event=calls sym=S count=N" ... "swifi: event=calls_done
 * fired=F" (a profiling run's call counts), see triage.h.  Pure text in,
 * facts out; no I/O.  Lines may carry the kernel's "[   t.ttt] " prefix
 * and end in "\r\n"; the log need not end in a newline or a NUL.
 */
#define _GNU_SOURCE
#include "triage.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

#define SWIFI_EVENT "swifi: event="
#define SWIFI_SYM_LEN 56	/* a wrapped function's name, as a __versions name */

/* Call fn on the text after "swifi: event=" of each line that has it (rest bytes). */
static int each_event(const char *console, size_t len,
		      int (*fn)(void *ctx, const char *ev, size_t rest), void *ctx)
{
	const char *p = console, *end = console + len;
	const size_t mark = sizeof(SWIFI_EVENT) - 1;
	int r;

	while (p && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *e = nl ? nl : end;
		const char *m = memmem(p, (size_t)(e - p), SWIFI_EVENT, mark);

		if (e > p && e[-1] == '\r')
			e--;
		if (m && m + mark <= e && (r = fn(ctx, m + mark, (size_t)(e - m) - mark)))
			return r;
		p = nl ? nl + 1 : NULL;
	}
	return 0;
}

/* Whether the event text ev (rest bytes) starts with word w. */
static int is_event(const char *ev, size_t rest, const char *w)
{
	size_t n = strlen(w);

	return rest >= n && !memcmp(ev, w, n);
}

static int count_activation(void *ctx, const char *ev, size_t rest)
{
	int *n = ctx;	/* armed, fired */

	/* runtime faults armed/fired (swifi_rt.c), code sites written/executed (swifi_text.c) */
	if (is_event(ev, rest, "armed ") || is_event(ev, rest, "code_armed "))
		n[0]++;
	else if (is_event(ev, rest, "fired ") || is_event(ev, rest, "code_fired "))
		n[1]++;
	return 0;
}

void swifi_activation_scan(const char *console, size_t len, int *armed, int *fired)
{
	int n[2] = { 0, 0 };

	each_event(console, len, count_activation, n);
	*armed = n[0] ? n[0] : -1;
	*fired = n[0] ? n[1] : -1;
}

struct calls_scan {
	struct json_object *calls;
	long long max;
	int done;
};

/* One "sym=S count=N" tail into calls; -1 if malformed. */
static int calls_line(const char *p, size_t n, struct calls_scan *cs)
{
	char sym[SWIFI_SYM_LEN], line[160];
	long long c;
	int used = 0;

	if (n >= sizeof(line))
		return -1;
	memcpy(line, p, n);
	line[n] = '\0';
	if (sscanf(line, "sym=%55s count=%lld%n", sym, &c, &used) != 2 || c < 0 ||
	    c > cs->max || line[used] != '\0')
		return -1;
	json_object_object_add(cs->calls, sym, json_object_new_int64(c));
	return 0;
}

static int scan_calls(void *ctx, const char *ev, size_t rest)
{
	struct calls_scan *cs = ctx;

	if (!is_event(ev, rest, "calls"))
		return 0;
	ev += 5;
	rest -= 5;
	if (rest && *ev == ' ' && calls_line(ev + 1, rest - 1, cs))
		return error("malformed swifi calls line 'swifi: event=calls%.*s'", (int)rest, ev);
	if (is_event(ev, rest, "_done"))
		cs->done = 1;
	return 0;
}

int swifi_calls_scan(const char *console, size_t len, long long max_count,
		     struct json_object **calls)
{
	struct calls_scan cs = { json_object_new_object(), max_count, 0 };

	if (each_event(console, len, scan_calls, &cs)) {
		json_object_put(cs.calls);
		*calls = NULL;
		return -1;
	}
	*calls = cs.calls;
	return cs.done ? 0 : 1;
}
