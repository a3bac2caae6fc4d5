// SPDX-License-Identifier: GPL-2.0
/*
 * swifi_text.c - transient code faults: the mutation bytes of a fault
 * descriptor written into the live text of a module that was loaded
 * pristine, at a moment the trial chooses, and a one-shot breakpoint that
 * says whether the mutated instruction ever ran.
 *
 * Write "MODULE SITE [SITE...]" to /sys/module/swifi/parameters/patch,
 * SITE = "BASE+OFF:BYTES": BASE is the address of the section in the live
 * module (/sys/module/MODULE/sections/.text), OFF the instruction's offset
 * in it (decimal or 0x..), BYTES the instruction's new bytes as hex pairs,
 * ".." for a byte the mutation leaves as it is (a relocated field keeps
 * its relocated value).  `nooks inject --describe` prints each mutation's
 * "live" field in this form.  All sites are written at once under
 * stop_machine (text_poke.c), each with int3 in place of its first byte;
 * the first CPU that reaches one puts the mutant's first byte back and
 * logs "swifi: event=code_fired"; CPUs that trapped meanwhile re-execute.
 *
 * Read /sys/module/swifi/parameters/code_sites: one line per site, "SITE
 * MODULE +OFF armed|fired TEXT" with TEXT what the site's bytes are now
 * (armed: int3 + mutant, mutant, pristine: as loaded, before any site
 * covered them, or other; the NIM restores the pristine text at recovery).
 *
 * Never: writes outside MODULE's core text or more than one instruction
 * per site (len <= 15); sites are never reused within one boot.
 */
#include <linux/kdebug.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/ptrace.h>
#include <linux/string.h>
#include "swifi.h"
#include "text_poke.h"

#define SWIFI_MAX_SITES		32
#define SWIFI_SITE_MAX		15		/* longest x86 instruction */
#define INT3			0xcc

enum { SITE_FREE, SITE_ARMED, SITE_FIRED };

struct swifi_site {
	struct module *mod;
	unsigned long addr, off;
	unsigned int len;
	u8 pristine[SWIFI_SITE_MAX], mutant[SWIFI_SITE_MAX];
	struct nk_alias alias;		/* writes byte 0 back at the first hit */
	atomic_t state;
	int written;			/* byte 0 written back (after FIRED) */
};

static struct swifi_site sites[SWIFI_MAX_SITES];
static int nr_sites;			/* used slots, never reused */
static DEFINE_MUTEX(text_lock);

static int parse_site(char *tok, struct swifi_site *s)
{
	char *colon = strchr(tok, ':'), *plus = strchr(tok, '+');
	unsigned long base;
	unsigned int i;
	char *hex;

	if (!colon || !plus || plus > colon)
		return -EINVAL;
	*plus = *colon = '\0';
	hex = colon + 1;
	if (kstrtoul(tok, 16, &base) || kstrtoul(plus + 1, 0, &s->off))
		return -EINVAL;
	s->addr = base + s->off;
	s->len = strlen(hex) / 2;
	if (strlen(hex) % 2 || !s->len || s->len > SWIFI_SITE_MAX || s->addr < base)
		return -EINVAL;
	for (i = 0; i < s->len; i++) {
		char b[3] = { hex[2 * i], hex[2 * i + 1], 0 };

		if (!strcmp(b, ".."))
			continue;	/* filled from the live text later */
		if (kstrtou8(b, 16, &s->mutant[i]))
			return -EINVAL;
	}
	return 0;
}

/*
 * Fill the ".." bytes of mutant from the live text, and pristine with the
 * bytes as loaded: the live text, except where an older site of the module
 * changed it (the oldest one that covers a byte knows what was loaded).
 */
static void read_site(struct swifi_site *s, const char *hex)
{
	unsigned long a;
	unsigned int i;
	int k;

	memcpy(s->pristine, (void *)s->addr, s->len);
	for (i = 0; i < s->len; i++)
		if (hex[2 * i] == '.')
			s->mutant[i] = s->pristine[i];
	for (k = nr_sites - 1; k >= 0; k--) {
		const struct swifi_site *o = &sites[k];

		if (o->mod != s->mod || atomic_read(&o->state) == SITE_FREE)
			continue;
		for (a = max(o->addr, s->addr); a < min(o->addr + o->len, s->addr + s->len); a++)
			s->pristine[a - s->addr] = o->pristine[a - o->addr];
	}
}

struct patch_batch {
	struct swifi_site *first;
	int n;
	unsigned long lo;		/* lowest site address: the alias base */
};

static void write_sites(void *alias, void *arg)
{
	struct patch_batch *b = arg;
	int i;

	for (i = 0; i < b->n; i++) {
		struct swifi_site *s = &b->first[i];
		u8 *p = (u8 *)alias + (s->addr - b->lo);

		memcpy(p + 1, s->mutant + 1, s->len - 1);
		p[0] = INT3;
	}
}

static int do_patch(char *buf)
{
	char *name = strsep(&buf, " \t\n"), *tok;
	char *hexes[SWIFI_MAX_SITES];
	struct patch_batch b = { .first = &sites[nr_sites] };
	unsigned long text, text_end, hi = 0;
	struct module *mod;
	int i, err = 0;

	if (!name || !*name)
		return -EINVAL;
	mod = swifi_get_live(name);
	if (!mod) {
		pr_warn("swifi: patch: module %s not live or loaded before swifi\n", name);
		return -ENOENT;
	}
	text = (unsigned long)mod->core_layout.base;
	text_end = text + mod->core_layout.text_size;
	b.lo = text_end;
	while ((tok = strsep(&buf, " \t\n"))) {
		struct swifi_site *s;

		if (!*tok)
			continue;
		if (nr_sites + b.n >= SWIFI_MAX_SITES) {
			err = -ENOSPC;
			break;
		}
		s = &b.first[b.n];
		memset(s, 0, sizeof(*s));
		hexes[b.n] = strchr(tok, ':');
		err = parse_site(tok, s);	/* cuts tok at '+' and ':' */
		if (!err && (s->addr < text || s->addr + s->len > text_end))
			err = -ERANGE;
		if (err) {
			pr_warn("swifi: patch: site %d of %s: %s\n", b.n, name,
				err == -ERANGE ? "outside the module's core text" : "malformed (BASE+OFF:HEX)");
			break;
		}
		s->mod = mod;
		read_site(s, hexes[b.n] + 1);
		b.lo = min(b.lo, s->addr);
		hi = max(hi, s->addr + s->len);
		b.n++;
	}
	if (!err && !b.n)
		err = -EINVAL;
	for (i = 0; !err && i < b.n; i++)
		err = nk_alias_map(&b.first[i].alias, b.first[i].addr, 1);
	if (!err) {
		/* published before any int3 is written: the handler finds them */
		for (i = 0; i < b.n; i++)
			atomic_set(&b.first[i].state, SITE_ARMED);
		smp_wmb();
		WRITE_ONCE(nr_sites, nr_sites + b.n);
		err = nk_text_patch(b.lo, hi - b.lo, write_sites, &b);
		if (err)
			WRITE_ONCE(nr_sites, nr_sites - b.n);	/* nothing written */
	}
	if (err) {
		for (i = 0; i < b.n; i++) {
			atomic_set(&b.first[i].state, SITE_FREE);
			nk_alias_unmap(&b.first[i].alias);
		}
		module_put(mod);
		return err;
	}
	for (i = 0; i < b.n; i++) {
		struct swifi_site *s = &b.first[i];

		pr_info("swifi: event=code_armed module=%s site=%d off=%#lx len=%u at=%pS old=%*phN new=%*phN\n",
			name, nr_sites - b.n + i, s->off, s->len, (void *)s->addr,
			s->len, s->pristine, s->len, s->mutant);
	}
	pr_info("swifi: event=code_patched module=%s sites=%d\n", name, b.n);
	module_put(mod);
	return 0;
}

int swifi_text_patch(const char *val)
{
	return swifi_call_locked(&text_lock, val, do_patch);
}

/* Whether SITES (the part after MODULE) would be accepted for mod now. */
int swifi_text_check(struct module *mod, const char *sites)
{
	char *buf = kstrdup(sites, GFP_KERNEL), *p = buf, *tok;
	unsigned long text = (unsigned long)mod->core_layout.base;
	unsigned long text_end = text + mod->core_layout.text_size;
	struct swifi_site s;
	int n = 0, err = 0;

	if (!buf)
		return -ENOMEM;
	while (!err && (tok = strsep(&p, " \t\n"))) {
		if (!*tok)
			continue;
		memset(&s, 0, sizeof(s));
		err = parse_site(tok, &s);
		if (!err && (s.addr < text || s.addr + s.len > text_end))
			err = -ERANGE;
		n++;
	}
	kfree(buf);
	if (!err && (!n || n > SWIFI_MAX_SITES - READ_ONCE(nr_sites)))
		err = n ? -ENOSPC : -EINVAL;
	return err;
}

static int patch_set(const char *val, const struct kernel_param *kp)
{
	return swifi_text_patch(val);
}

static const struct kernel_param_ops patch_ops = { .set = patch_set };
module_param_cb(patch, &patch_ops, NULL, 0200);
MODULE_PARM_DESC(patch, "MODULE BASE+OFF:HEX...: write mutation bytes into live text (.. keeps a byte)");

static const char *site_text(const struct swifi_site *s)
{
	const u8 *now = (const u8 *)s->addr;

	if (!memcmp(now, s->pristine, s->len))
		return "pristine";
	if (!memcmp(now, s->mutant, s->len))
		return "mutant";
	if (now[0] == INT3 && !memcmp(now + 1, s->mutant + 1, s->len - 1))
		return "armed";
	return "other";
}

static int sites_get(char *buf, const struct kernel_param *kp)
{
	int i, n = 0;

	mutex_lock(&text_lock);
	for (i = 0; i < nr_sites; i++) {
		struct swifi_site *s = &sites[i];
		int st = atomic_read(&s->state);

		if (st == SITE_FREE)
			continue;
		n += scnprintf(buf + n, PAGE_SIZE - n, "%d %s +%#lx %s %s\n", i,
			       s->mod->name, s->off, st == SITE_FIRED ? "fired" : "armed",
			       site_text(s));
	}
	mutex_unlock(&text_lock);
	return n;
}

static const struct kernel_param_ops sites_ops = { .get = sites_get };
module_param_cb(code_sites, &sites_ops, NULL, 0444);
MODULE_PARM_DESC(code_sites, "SITE MODULE +OFF armed|fired pristine|mutant|armed|other");

/*
 * int3 at a site: the mutated instruction is about to run.  The newest
 * site at that address wins (sites are never reused, a later patch may
 * cover the same instruction).  A CPU that trapped on a site another CPU
 * is firing, or on an int3 already put back, re-executes the instruction.
 */
static int swifi_text_die(struct notifier_block *nb, unsigned long val, void *data)
{
	struct die_args *args = data;
	bool ours = false;
	unsigned long ip;
	int i;

	if (val != DIE_INT3 || user_mode(args->regs))
		return NOTIFY_DONE;
	ip = args->regs->ip - 1;
	for (i = READ_ONCE(nr_sites) - 1; i >= 0; i--) {
		struct swifi_site *s = &sites[i];

		if (s->addr != ip || atomic_read(&s->state) == SITE_FREE)
			continue;
		if (atomic_cmpxchg(&s->state, SITE_ARMED, SITE_FIRED) == SITE_ARMED) {
			WRITE_ONCE(*(u8 *)nk_alias_ptr(&s->alias, ip), s->mutant[0]);
			smp_store_release(&s->written, 1);
			pr_info("swifi: event=code_fired module=%s site=%d off=%#lx at=%pS cpu=%d\n",
				s->mod->name, i, s->off, (void *)ip, smp_processor_id());
			ours = true;
			break;
		}
		if (!smp_load_acquire(&s->written)) {
			ours = true;		/* being fired on another CPU */
			break;
		}
		if (READ_ONCE(*(u8 *)ip) != INT3)
			ours = true;		/* put back meanwhile */
	}
	if (!ours)
		return NOTIFY_DONE;
	args->regs->ip = ip;	/* re-execute: the mutant's byte 0 now */
	return NOTIFY_STOP;
}

static struct notifier_block swifi_text_nb = { .notifier_call = swifi_text_die };

void swifi_text_module_going(struct module *mod)
{
	int i;

	mutex_lock(&text_lock);
	for (i = 0; i < nr_sites; i++) {
		if (sites[i].mod != mod)
			continue;
		atomic_set(&sites[i].state, SITE_FREE);
		nk_alias_unmap(&sites[i].alias);
	}
	mutex_unlock(&text_lock);
}

int swifi_text_init(void)
{
	return register_die_notifier(&swifi_text_nb);
}

static void write_byte0(void *alias, void *arg)
{
	*(u8 *)alias = ((struct swifi_site *)arg)->mutant[0];
}

/* Sites still armed get their byte 0 back before the handler goes away. */
void swifi_text_exit(void)
{
	int i;

	mutex_lock(&text_lock);
	for (i = 0; i < nr_sites; i++) {
		struct swifi_site *s = &sites[i];

		if (atomic_cmpxchg(&s->state, SITE_ARMED, SITE_FIRED) == SITE_ARMED &&
		    *(u8 *)s->addr == INT3)
			nk_text_patch(s->addr, 1, write_byte0, s);
		nk_alias_unmap(&s->alias);
	}
	mutex_unlock(&text_lock);
	unregister_die_notifier(&swifi_text_nb);
}
