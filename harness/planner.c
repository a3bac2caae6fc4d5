/*
 * planner.c - deterministic trial planning (see planner.h).
 *
 * The randomness is splitmix64 over (spec seed, extension name, index): a
 * descriptor never depends on how many trials or extensions come before it,
 * so growing "trials" keeps the existing descriptors (and their stored
 * results) valid.  Must never consult the clock, the environment or libc's
 * rand().
 */
#include "planner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Weighted pick of a fault type index from r. */
static int pick_type(const struct campaign_spec *sp, uint64_t r)
{
	unsigned total = 0, acc = 0;
	int i;

	for (i = 0; i < sp->n_types; i++)
		total += sp->types[i].weight;
	r %= total;
	for (i = 0; i < sp->n_types; i++) {
		acc += sp->types[i].weight;
		if (r < acc)
			return i;
	}
	return sp->n_types - 1;
}

static void make_desc(const struct campaign_spec *sp, int ext, int idx,
		      struct fault_desc *d)
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
		used[pick_type(sp, plan_mix64(base ^ 1))] = 1;
	} else {
		for (i = 0; i < d->count; i++)
			used[pick_type(sp, plan_mix64(base + 2 + (uint64_t)i))] = 1;
	}
	d->types[0] = '\0';
	for (i = 0; i < sp->n_types; i++) {
		if (!used[i])
			continue;
		len += (size_t)snprintf(d->types + len, sizeof(d->types) - len, "%s%s",
					len ? "," : "", sp->types[i].name);
	}
}

void plan_build(const struct campaign_spec *sp, struct plan *p)
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

			make_desc(sp, e, i, &p->faults[f]);
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
