/*
 * planner.c - deterministic trial planning (see planner.h).
 *
 * The randomness is splitmix64 over (spec seed, extension name, index): a
 * descriptor never depends on how many trials or extensions come before it,
 * so growing "trials" keeps the existing descriptors (and their stored
 * results) valid.  Must never consult the clock, the environment or libc's
 * rand().  Types without a candidate site in an extension's module weigh 0
 * for it (see planner.h); when an extension has every type, its draws are
 * the same as without site counts.
 */
#include "planner.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sites.h"
#include "util.h"

uint64_t plan_mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

/* Whether extension e may draw type t (a site, or unknown). */
static bool available(const struct plan_sites *ps, int e, int t)
{
	return !ps || ps->n[e][t] != 0;
}

/* Weighted pick of a fault type index from r, among the types extension e has. */
static int pick_type(const struct campaign_spec *sp, const struct plan_sites *ps, int e,
		     uint64_t r)
{
	unsigned total = 0, acc = 0;
	int i;

	for (i = 0; i < sp->n_types; i++)
		total += available(ps, e, i) ? sp->types[i].weight : 0;
	if (!total)	/* plan_check() refuses this; keep the old draw */
		return pick_type(sp, NULL, e, r);
	r %= total;
	for (i = 0; i < sp->n_types; i++) {
		acc += available(ps, e, i) ? sp->types[i].weight : 0;
		if (r < acc)
			return i;
	}
	return sp->n_types - 1;
}

/* "a, b, c" of the names where pick[i], into buf. */
static void name_list(char *buf, size_t len, const char *const *names, const int *pick, int n)
{
	size_t o = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < n && o < len; i++)
		if (pick[i])
			o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? ", " : "", names[i]);
}

int plan_check(const struct campaign_spec *sp, const struct plan_sites *ps)
{
	const char *tnames[SPEC_MAX_TYPES], *enames[SPEC_MAX_EXT];
	int none[SPEC_MAX_TYPES] = { 0 }, all[SPEC_MAX_TYPES], t, e, nt = 0, n_inj = 0;
	char types[512], exts[512];

	if (!ps)
		return 0;
	for (t = 0; t < SPEC_MAX_TYPES; t++)
		all[t] = 1;
	for (e = 0; e < sp->n_ext; e++)
		enames[e] = sp->ext[e].name;
	for (t = 0; t < sp->n_types; t++) {
		tnames[t] = sp->types[t].name;
		for (none[t] = 1, e = 0; e < sp->n_ext; e++)
			none[t] &= !available(ps, e, t);
		nt += none[t];
		n_inj += none[t] && !sites_type_injectable(tnames[t]);
	}
	name_list(exts, sizeof(exts), enames, all, sp->n_ext);
	name_list(types, sizeof(types), tnames, none, sp->n_types);
	if (nt)
		return error("campaign '%s': fault type%s %s ha%s no candidate site in the module "
			     "of any extension (%s)%s", sp->path, nt > 1 ? "s" : "", types,
			     nt > 1 ? "ve" : "s", exts, n_inj ? "; 'nooks inject' has no data faults" : "");
	name_list(types, sizeof(types), tnames, all, sp->n_types);
	for (e = 0; e < sp->n_ext; e++) {
		for (t = 0; t < sp->n_types && !available(ps, e, t); t++)
			;
		if (t == sp->n_types)
			return error("campaign '%s': extension '%s' has no candidate site of any of "
				     "the fault types (%s)", sp->path, sp->ext[e].name, types);
	}
	return 0;
}

static void make_desc(const struct campaign_spec *sp, const struct plan_sites *ps, int ext,
		      int idx, struct fault_desc *d)
{
	uint64_t base = plan_mix64(sp->seed ^ plan_mix64(hash_str(sp->ext[ext].name)) ^
				   plan_mix64((uint64_t)idx * 0x100000001ULL + 1));
	size_t len = 0;
	int i, used[SPEC_MAX_TYPES] = { 0 };

	d->ext = ext;
	d->idx = idx;
	d->count = sp->faults_per_trial;
	d->seed = plan_mix64(base) & 0x7fffffffffffULL;	/* 47 bits: fits every CLI */
	if (sp->mix == MIX_SINGLE) {
		used[pick_type(sp, ps, ext, plan_mix64(base ^ 1))] = 1;
	} else {
		for (i = 0; i < d->count; i++)
			used[pick_type(sp, ps, ext, plan_mix64(base + 2 + (uint64_t)i))] = 1;
	}
	d->types[0] = '\0';
	for (i = 0; i < sp->n_types; i++) {
		if (!used[i])
			continue;
		len += (size_t)snprintf(d->types + len, sizeof(d->types) - len, "%s%s",
					len ? "," : "", sp->types[i].name);
	}
}

void plan_build(const struct campaign_spec *sp, const struct plan_sites *ps, struct plan *p)
{
	int i, e, m, n_modes = 0;

	for (m = 0; m < MODE_COUNT; m++)
		n_modes += sp->modes[m];
	p->n_faults = sp->trials * sp->n_ext;
	p->faults = xcalloc((size_t)p->n_faults, sizeof(*p->faults));
	p->n_trials = p->n_faults * n_modes;
	p->trials = xcalloc((size_t)p->n_trials, sizeof(*p->trials));
	p->n_trials = 0;
	for (i = 0; i < sp->trials; i++) {
		for (e = 0; e < sp->n_ext; e++) {
			int f = i * sp->n_ext + e;

			make_desc(sp, ps, e, i, &p->faults[f]);
			for (m = 0; m < MODE_COUNT; m++) {
				struct planned_trial *t;

				if (!spec_ext_runs(sp, e, (enum spec_mode)m))
					continue;
				t = &p->trials[p->n_trials++];
				t->fault = f;
				t->mode = (enum spec_mode)m;
				snprintf(t->key, sizeof(t->key), "%s/%04d/%s",
					 sp->ext[e].name, i, spec_mode_name((enum spec_mode)m));
			}
		}
	}
}

void plan_release(struct plan *p)
{
	free(p->faults);
	free(p->trials);
	memset(p, 0, sizeof(*p));
}

int plan_in_shard(const struct plan *p, int i, int index, int count)
{
	return count <= 0 || p->trials[i].fault % count == index - 1;
}

int plan_shard_size(const struct plan *p, int index, int count)
{
	int i, n = 0;

	for (i = 0; i < p->n_trials; i++)
		n += plan_in_shard(p, i, index, count);
	return n;
}
