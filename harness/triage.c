/*
 * triage.c - console log → crash verdict (see triage.h).
 *
 * Owns the table of report patterns (one row per way the pinned kernel
 * starts a crash report), the list of frames never to blame (exception,
 * watchdog, allocator and panic machinery) and title normalization.  Must
 * never do I/O or depend on the runner: it is a pure function of the text.
 *
 * Algorithm: strip "[ seconds]" timestamps; find the first line matching a
 * crash pattern (a WARNING only if no crash follows); the report ends at
 * "---[ end trace" or, after a panic, at "Kernel Offset"/"---[ end Kernel
 * panic"; the guilty frame is the first RIP or call-trace frame of the
 * report (unreliable "? " frames excluded) that is not on the skip list.
 */
#define _GNU_SOURCE
#include "triage.h"

#include <ctype.h>
#include <json-c/json.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

enum {
	F_CRASH = 1,	/* a crash, not a warning */
	F_LOCKUP = 2,	/* a watchdog report */
	F_MSG = 4,	/* title carries the normalized capture group 1 */
};

struct report_pattern {
	const char *kind;
	const char *re;		/* matches the report's first line (timestamp stripped) */
	const char *title;	/* title prefix; " in <guilty>" is appended */
	unsigned flags;
};

/* Order matters: the first row matching a line wins. */
static const struct report_pattern patterns[] = {
	{ "stack_protector", "^Kernel panic - not syncing: stack-protector: ",
	  "stack-protector: kernel stack is corrupted", F_CRASH },
	{ "panic", "^Kernel panic - not syncing: (.*)$", "kernel panic: ", F_CRASH | F_MSG },
	{ "null_deref", "^BUG: kernel NULL pointer dereference",
	  "BUG: kernel NULL pointer dereference", F_CRASH },
	{ "page_fault", "^BUG: unable to handle (page fault|kernel paging request|kernel)",
	  "BUG: unable to handle page fault", F_CRASH },
	{ "stack_overflow", "^BUG: [A-Z]+ stack guard page was hit", "stack overflow", F_CRASH },
	{ "stack_overflow", "^(traps: PANIC: double fault|double fault: [0-9a-f]+ \\[#)",
	  "stack overflow: double fault", F_CRASH },
	{ "soft_lockup", "^(watchdog: )?BUG: soft lockup - CPU", "BUG: soft lockup", F_CRASH | F_LOCKUP },
	{ "hard_lockup", "^(NMI watchdog: )?Watchdog detected hard LOCKUP", "BUG: hard lockup",
	  F_CRASH | F_LOCKUP },
	{ "rcu_stall", "^(rcu: )?INFO: rcu_[a-z]+ (self-)?detected (expedited )?stalls?",
	  "INFO: rcu detected stall", F_CRASH | F_LOCKUP },
	{ "hung_task", "^INFO: task [^ ]+ blocked for more than", "INFO: task hung",
	  F_CRASH | F_LOCKUP },
	{ "slab_corruption", "^BUG [A-Za-z0-9_.:-]+ \\([^)]*\\): (.*)$", "slab corruption: ",
	  F_CRASH | F_MSG },
	{ "slab_corruption", "^kernel BUG at mm/sl[auo]b\\.c", "slab corruption: kernel BUG",
	  F_CRASH },
	{ "slab_corruption", "^Slab corruption", "slab corruption", F_CRASH },
	{ "buffer_overflow", "^detected buffer overflow in ([a-z_0-9]+)",
	  "detected buffer overflow in ", F_CRASH | F_MSG },
	{ "list_corruption", "^(list_add|list_del) corruption", "list corruption", F_CRASH },
	{ "bug", "^kernel BUG at ", "kernel BUG", F_CRASH },
	{ "gpf", "^general protection fault", "general protection fault", F_CRASH },
	{ "invalid_opcode", "^invalid opcode: [0-9a-f]+ \\[#", "invalid opcode", F_CRASH },
	{ "divide_error", "^divide error: [0-9a-f]+ \\[#", "divide error", F_CRASH },
	{ "bug", "^BUG: (.*)$", "BUG: ", F_CRASH | F_MSG },
	{ "oops", "^Oops: [0-9a-f]+ \\[#", "kernel oops", F_CRASH },
	{ "warning", "^WARNING: CPU: [0-9]+ PID: [0-9]+ at ", "WARNING", 0 },
};

/* Frames never blamed: exception, watchdog, allocator, scheduler and panic machinery. */
static const char skip_re[] =
	"^(dump_stack(_lvl)?|show_stack|show_regs|show_trace_log_lvl|__die(_body)?|die|"
	"oops_(begin|end)|do_trap|do_error_trap|handle_bug|report_bug|exc_[a-z_]+|"
	"asm_[a-z_]+|sysvec_[a-z_]+|__sysvec_[a-z_]+|page_fault_oops|kernelmode_fixup_or_oops|"
	"(__)?bad_area(_nosemaphore)?|do_user_addr_fault|do_kern_addr_fault|fixup_exception|"
	"panic|__warn|warn_slowpath_fmt|__stack_chk_fail|fortify_panic|"
	"watchdog_timer_fn|__hrtimer_run_queues|hrtimer_interrupt|__run_hrtimer|"
	"(__)?irq_exit_rcu|__do_softirq|do_softirq|__local_bh_enable_ip|run_timer_softirq|"
	"rcu_sched_clock_irq|rcu_pending|print_cpu_stall|check_cpu_stall|rcu_dump_cpu_stacks|"
	"nmi_cpu_backtrace|nmi_trigger_cpumask_backtrace|arch_trigger_cpumask_backtrace|"
	"update_process_times|tick_sched_handle|tick_sched_timer|tick_sched_do_timer|"
	"__schedule|schedule|schedule_timeout|schedule_preempt_disabled|io_schedule|"
	"(__)?kfree|kmem_cache_free|__kmem_cache_free|(__|do_)?slab_free|"
	"slab_free_freelist_hook|free_to_partial_list|free_debug_processing|"
	"alloc_debug_processing|check_object|check_bytes_and_report|object_err|slab_err|"
	"print_trailer|print_tracking|set_freepointer|_{0,3}slab_alloc(_node)?|"
	"__kmem_cache_alloc_node|kmalloc_trace|__kmalloc(_node)?|kmem_cache_alloc(_trace|_node)?|"
	"(__)?mem(cpy|set|move)(_erms|_orig)?|str(len|cpy|ncpy|cmp|ncmp|scpy)|"
	"__list_(add|del)_valid(_or_report)?|__might_resched|__might_sleep)$";
static regex_t pattern_rx[ARRAY_SIZE(patterns)];
static regex_t skip_rx;
static regex_t frame_rx;	/* "func+0x1/0x2 [mod]" in a call trace or RIP line */

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void compile_all(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(patterns); i++)
		if (regcomp(&pattern_rx[i], patterns[i].re, REG_EXTENDED))
			abort();	/* a bug in the table above */
	if (regcomp(&skip_rx, skip_re, REG_EXTENDED | REG_NOSUB) ||
	    regcomp(&frame_rx, "^ *(RIP: 0010:|\\? )?([A-Za-z0-9_.$]+)\\+0x[0-9a-f]+/0x[0-9a-f]+"
		    "( \\[([A-Za-z0-9_]+)\\])?", REG_EXTENDED))
		abort();
}

const char *triage_kinds(void)
{
	return "none null_deref page_fault gpf bug invalid_opcode divide_error panic oops "
	       "stack_overflow stack_protector buffer_overflow slab_corruption list_corruption "
	       "soft_lockup hard_lockup rcu_stall hung_task warning";
}

struct lines {
	char *buf;
	char **v;	/* NUL-terminated, timestamp stripped */
	int n;
};

static const char *strip_timestamp(const char *s)
{
	const char *p = s;

	if (*p != '[')
		return s;
	for (p++; *p == ' '; p++)
		;
	if (!isdigit((unsigned char)*p))
		return s;
	while (isdigit((unsigned char)*p) || *p == '.')
		p++;
	if (*p != ']')
		return s;
	p++;
	return *p == ' ' ? p + 1 : p;
}

static void split_lines(const char *text, size_t len, struct lines *l)
{
	size_t i, cap = 64;
	char *start;

	l->buf = xmalloc(len + 1);
	memcpy(l->buf, text, len);
	l->buf[len] = '\0';
	l->v = xmalloc(cap * sizeof(*l->v));
	l->n = 0;
	start = l->buf;
	for (i = 0; i <= len; i++) {
		char c = l->buf[i];

		if (c != '\n' && c != '\0' && i != len)
			continue;
		if (i == len && start == l->buf + len)
			break;
		l->buf[i] = '\0';
		if (i > 0 && l->buf[i - 1] == '\r')
			l->buf[i - 1] = '\0';
		if ((size_t)l->n == cap) {
			cap *= 2;
			l->v = xrealloc(l->v, cap * sizeof(*l->v));
		}
		l->v[l->n++] = (char *)strip_timestamp(start);
		start = l->buf + i + 1;
		if (c == '\0' && i != len)	/* NUL inside the log: treat as line end */
			continue;
	}
}

static int match_line(const char *s, regmatch_t *m /* out, 2 */)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(patterns); i++)
		if (!regexec(&pattern_rx[i], s, 2, m, 0))
			return (int)i;
	return -1;
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

/* Parse a frame line: function (suffixes like .cold/.isra.0 cut) and module. */
static int parse_frame(const char *s, char *fn, size_t fn_size, char *mod, size_t mod_size)
{
	regmatch_t m[5];
	size_t n;

	if (regexec(&frame_rx, s, 5, m, 0))
		return -1;
	if (m[1].rm_so >= 0 && s[m[1].rm_so] == '?')
		return -1;	/* unreliable frame */
	n = (size_t)(m[2].rm_eo - m[2].rm_so);
	copy_str(fn, fn_size, s + m[2].rm_so, n);
	fn[strcspn(fn, ".")] = '\0';
	if (m[4].rm_so >= 0)
		copy_str(mod, mod_size, s + m[4].rm_so, (size_t)(m[4].rm_eo - m[4].rm_so));
	else
		mod[0] = '\0';
	return fn[0] ? 0 : -1;
}

static void find_guilty(const struct lines *l, int from, int to, struct triage_verdict *v)
{
	char fn[128], mod[64], first_mod[64] = "";
	int i;

	for (i = from; i <= to && i < l->n; i++) {
		if (parse_frame(l->v[i], fn, sizeof(fn), mod, sizeof(mod)))
			continue;
		if (mod[0] && !first_mod[0])
			snprintf(first_mod, sizeof(first_mod), "%s", mod);
		if (v->guilty_function[0] || !regexec(&skip_rx, fn, 0, NULL, 0))
			continue;
		snprintf(v->guilty_function, sizeof(v->guilty_function), "%s", fn);
		snprintf(v->guilty_module, sizeof(v->guilty_module), "%s", mod);
	}
	if (v->guilty_function[0] && !v->guilty_module[0])
		snprintf(v->guilty_module, sizeof(v->guilty_module), "%s", first_mod);
}

/* Index of the first crash report at or after from, or -1; *pat /out/ its pattern. */
static int find_report(const struct lines *l, int from, int want_crash, int *pat, regmatch_t *m)
{
	int i, p;

	for (i = from; i < l->n; i++) {
		p = match_line(l->v[i], m);
		if (p < 0 || !!(patterns[p].flags & F_CRASH) != want_crash)
			continue;
		*pat = p;
		return i;
	}
	return -1;
}

static int line_starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static int is_frame(const char *s)
{
	char fn[128], mod[64];

	return !parse_frame(s, fn, sizeof(fn), mod, sizeof(mod)) || strstr(s, "</TASK>") ||
	       strstr(s, "</IRQ>") || line_starts(s, "Modules linked in");
}

/* Last line of the report starting at first; *trace_end /out/ where its trace ends. */
static int report_end(const struct lines *l, int first, int *trace_end)
{
	int i, last = first, panic = -1;

	if (line_starts(l->v[first], "Kernel panic - not syncing"))
		panic = first;
	for (i = first + 1; i < l->n && panic != first; i++) {
		if (line_starts(l->v[i], "---[ end trace")) {
			last = i;
			break;
		}
		if (line_starts(l->v[i], "Kernel panic - not syncing"))
			break;
		if (is_frame(l->v[i]))
			last = i;
	}
	*trace_end = last;
	for (i = last + 1; i < l->n && panic < 0; i++)
		if (line_starts(l->v[i], "Kernel panic - not syncing"))
			panic = i;
	if (panic < 0)
		return last;
	if (panic > last)
		last = panic;
	for (i = panic + 1; i < l->n && i < panic + 200; i++) {
		if (line_starts(l->v[i], "Kernel Offset:") || is_frame(l->v[i]))
			last = i;
		if (line_starts(l->v[i], "---[ end Kernel panic")) {
			last = i;
			break;
		}
	}
	if (panic == first)
		*trace_end = last;
	return last;
}

/*
 * The report's first kernel RIP line, else first.  Frames before it belong to
 * other tasks (an RCU stall dumps the grace-period kthread first).
 */
static int first_rip(const struct lines *l, int first, int to)
{
	int i;

	for (i = first; i <= to && i < l->n; i++)
		if (line_starts(l->v[i], "RIP: 0010:"))
			return i;
	return first;
}

static void note_panic(const struct lines *l, int from, struct triage_verdict *v)
{
	static const char prefix[] = "Kernel panic - not syncing: ";
	int i;

	for (i = from; i < l->n; i++) {
		if (!line_starts(l->v[i], prefix))
			continue;
		v->panicked = true;
		normalize(l->v[i] + strlen(prefix), v->panic_reason, sizeof(v->panic_reason));
		v->in_interrupt = strstr(l->v[i], "Fatal exception in interrupt") != NULL;
		return;
	}
}

static void make_title(const struct report_pattern *p, const char *line, const regmatch_t *m,
		       struct triage_verdict *v)
{
	char msg[160] = "";

	if ((p->flags & F_MSG) && m[1].rm_so >= 0) {
		char raw[160];

		copy_str(raw, sizeof(raw), line + m[1].rm_so, (size_t)(m[1].rm_eo - m[1].rm_so));
		normalize(raw, msg, sizeof(msg));
	}
	if (v->guilty_function[0])
		snprintf(v->title, sizeof(v->title), "%s%s in %s", p->title, msg, v->guilty_function);
	else
		snprintf(v->title, sizeof(v->title), "%s%s", p->title, msg);
}

void triage_console(const char *text, size_t len, struct triage_verdict *v)
{
	struct lines l;
	regmatch_t m[2];
	int first, pat, trace_end, crash_pat, warn_pat;

	pthread_once(&once, compile_all);
	memset(v, 0, sizeof(*v));
	snprintf(v->kind, sizeof(v->kind), "none");
	split_lines(text, len, &l);
	first = find_report(&l, 0, 1, &crash_pat, m);
	pat = crash_pat;
	if (first < 0) {
		first = find_report(&l, 0, 0, &warn_pat, m);
		pat = warn_pat;
	}
	if (first >= 0) {
		const struct report_pattern *p = &patterns[pat];

		regexec(&pattern_rx[pat], l.v[first], 2, m, 0);
		v->crashed = p->flags & F_CRASH;
		v->lockup = p->flags & F_LOCKUP;
		snprintf(v->kind, sizeof(v->kind), "%s", p->kind);
		snprintf(v->report, sizeof(v->report), "%s", l.v[first]);
		v->first_line = first + 1;
		v->last_line = report_end(&l, first, &trace_end) + 1;
		find_guilty(&l, first_rip(&l, first, trace_end), trace_end, v);
		if (!v->guilty_function[0])	/* e.g. a panic whose trace follows the panic line */
			find_guilty(&l, first, v->last_line - 1, v);
		if (v->crashed)
			note_panic(&l, first, v);
		make_title(p, l.v[first], m, v);
	}
	free(l.v);
	free(l.buf);
}

json_object *triage_to_json(const struct triage_verdict *v)
{
	json_object *o = json_object_new_object();

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
	return o;
}
