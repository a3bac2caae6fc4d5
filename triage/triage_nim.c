/*
 * triage_nim.c - the NIM's console and kmsg lines ("nooks: WORD key=value
 * ..."): which event a line is, its key values, and how the NIM detected a
 * trial's first fault (triage.h).  Pure text in, facts out; no I/O.
 */
#define _GNU_SOURCE
#include "triage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/*
 * The NIM's event lines (kmod/nooks) read "nooks: WORD key=value ...".  The
 * kernel's own lines about the module named nooks ("nooks: loading
 * out-of-tree module taints kernel.") start the same way but carry no
 * key=value pairs after a known word, so only the words below count.
 */
static const char *nim_event_word(const char *msg, size_t *len /* out */)
{
	if (strncmp(msg, "nooks:", 6))
		return NULL;
	msg += 6;
	while (*msg == ' ')
		msg++;
	*len = strcspn(msg, " \t");
	return msg;
}

enum nim_event_kind nim_event_classify(const char *msg)
{
	static const struct { const char *word; enum nim_event_kind kind; } words[] = {
		{ "fault", NIM_DETECTED },
		{ "detected", NIM_DETECTED },
		{ "recovered", NIM_RECOVERED },
		{ "recovery_failed", NIM_RECOVERY_FAILED },
		{ "unrecovered", NIM_RECOVERY_FAILED },
	};
	const char *w;
	size_t i, n;

	w = nim_event_word(msg, &n);
	if (!w)
		return NIM_OTHER;
	for (i = 0; i < ARRAY_SIZE(words); i++)
		if (strlen(words[i].word) == n && !strncmp(w, words[i].word, n))
			return words[i].kind;
	return NIM_OTHER;
}

long long nim_event_value(const char *msg, const char *key)
{
	size_t n, klen = strlen(key);
	const char *p;
	char *end;
	long long v;

	if (!nim_event_word(msg, &n))
		return -1;
	for (p = strchr(msg, ' '); p; p = strchr(p + 1, ' ')) {
		if (strncmp(p + 1, key, klen) || p[1 + klen] != '=')
			continue;
		v = strtoll(p + 2 + klen, &end, 10);
		if (end == p + 2 + klen || v < 0 || (*end && *end != ' '))
			return -1;
		return v;
	}
	return -1;
}

/* Copy the value of " key=" in a NIM line (up to the next space) into buf; 0 if absent. */
static int nim_event_str(const char *msg, const char *key, char *buf, size_t len)
{
	size_t klen = strlen(key), n;
	const char *p;

	for (p = strchr(msg, ' '); p; p = strchr(p + 1, ' ')) {
		if (strncmp(p + 1, key, klen) || p[1 + klen] != '=')
			continue;
		p += 2 + klen;
		n = strcspn(p, " \t\r\n");
		if (n >= len)
			n = len - 1;
		memcpy(buf, p, n);
		buf[n] = '\0';
		return 1;
	}
	return 0;
}

void nim_detection_feed(struct nim_detection *d, const char *line)
{
	const char *w;
	size_t n;

	if (d->mechanism[0])
		return;
	if (*line == '[' && strchr(line, ']'))	/* console timestamp "[    5.1] " */
		line = strchr(line, ']') + 1;
	while (*line == ' ')
		line++;
	w = nim_event_word(line, &n);
	if (!w)
		return;
	if (n == 6 && !strncmp(w, "detail", 6) && strstr(w, " write_protect=")) {
		snprintf(d->mechanism, sizeof(d->mechanism), "write_protect");
		if (!nim_event_str(w, "target", d->target, sizeof(d->target)))
			d->target[0] = '\0';
	} else if (nim_event_classify(line) == NIM_DETECTED &&
		   !nim_event_str(w, "kind", d->mechanism, sizeof(d->mechanism))) {
		snprintf(d->mechanism, sizeof(d->mechanism), "unknown");
	}
}

void nim_detection_scan(struct nim_detection *d, const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	char line[512];

	while (p < end && !d->mechanism[0]) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);

		if (memmem(p, n, "nooks:", 6)) {
			if (n >= sizeof(line))
				n = sizeof(line) - 1;
			memcpy(line, p, n);
			line[n] = '\0';
			nim_detection_feed(d, line);
		}
		p = nl ? nl + 1 : end;
	}
}

