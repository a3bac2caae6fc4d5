/*
 * report_data.c - load one campaign's results from the store's views into
 * a struct rep_campaign (see report.h).  Read-only; every query is a
 * SELECT on a view or a base table by id, with bound parameters.  The file
 * may be damaged or hostile: a row without the name it is keyed by is
 * skipped, never dereferenced.
 */
#define _GNU_SOURCE
#include "report.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

const char *const rep_mode_names[REP_MODES] = { "native", "nooks", "domains" };

int rep_mode_shown(const struct rep_campaign *c, int m)
{
	return m < REP_DOMAINS || c->mode_trials[m] > 0;
}

int rep_mode_isolated(int m) { return m > 0; }

void rep_detect_text(const struct rep_detect *d, char *buf, size_t len)
{
	size_t o = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < d->count && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s %d", i ? ", " : "", d->mech[i], d->n[i]);
	if (!d->count)
		snprintf(buf, len, "-");
}

int rep_mode_index(const char *m)
{
	int i;

	for (i = 0; m && i < REP_MODES; i++)
		if (!strcmp(m, rep_mode_names[i]))
			return i;
	return -1;
}

int rep_class_index(const char *c)
{
	int i;

	for (i = 0; c && i < REP_CLASSES; i++)
		if (!strcmp(c, outcome_name(i)))
			return i;
	return -1;
}

int rep_no_crash(const struct rep_cell *c)
{
	return c->total - c->n[2] - c->n[3];
}

int rep_has_fs(const struct rep_campaign *c)
{
	int i;

	for (i = 0; i < c->n_ext; i++)
		if (c->ext[i].fs_checked[0] || c->ext[i].fs_checked[1] ||
		    c->ext[i].fs_checked[REP_DOMAINS])
			return 1;
	return 0;
}

static char *col_str(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? xstrdup((const char *)t) : NULL;
}

static sqlite3_stmt *q(struct store *st, const char *sql, int64_t cid)
{
	sqlite3_stmt *s = store_prepare(st, sql);

	if (s)
		sqlite3_bind_int64(s, 1, cid);
	return s;
}

static struct rep_ext *find_ext(struct rep_campaign *c, const char *name)
{
	int i;

	for (i = 0; name && i < c->n_ext; i++)
		if (!strcmp(c->ext[i].name, name))
			return &c->ext[i];
	return NULL;
}

static void add_cell(struct rep_cell *cell, const char *outcome, int n)
{
	int k = rep_class_index(outcome);

	if (k < 0)
		return;
	cell->n[k] += n;
	cell->total += n;
}

static int load_header(struct store *st, struct rep_campaign *c)
{
	sqlite3_stmt *s = q(st,
		"SELECT c.name, c.created_at, c.finished_at, i.kernel_version, c.planned, "
		"c.spec_json, (SELECT COUNT(*) FROM trials t WHERE t.campaign_id = c.id), "
		"(SELECT COUNT(*) FROM infra_attempts a WHERE a.campaign_id = c.id) "
		"FROM campaigns c LEFT JOIN images i ON i.id = c.image_id WHERE c.id = ?1", c->id);

	if (!s)
		return -1;
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_finalize(s);
		return error("unknown campaign '%lld' in database '%s'", (long long)c->id,
			     store_path(st));
	}
	c->name = col_str(s, 0);
	c->created = col_str(s, 1);
	c->finished = col_str(s, 2);
	c->kernel = col_str(s, 3);
	c->planned = sqlite3_column_int(s, 4);
	c->spec = col_str(s, 5);
	c->stored = sqlite3_column_int(s, 6);
	c->infra_attempts = sqlite3_column_int(s, 7);
	sqlite3_finalize(s);
	return 0;
}

static int load_exts(struct store *st, struct rep_campaign *c)
{
	sqlite3_stmt *s = q(st, "SELECT name FROM extensions WHERE campaign_id = ?1 ORDER BY id",
			    c->id);

	if (!s)
		return -1;
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (sqlite3_column_type(s, 0) == SQLITE_NULL)
			continue;	/* only a damaged database has one */
		c->ext = xrealloc(c->ext, (size_t)(c->n_ext + 1) * sizeof(*c->ext));
		memset(&c->ext[c->n_ext], 0, sizeof(*c->ext));
		c->ext[c->n_ext++].name = col_str(s, 0);
	}
	sqlite3_finalize(s);
	s = q(st, "SELECT extension, mode, outcome, n FROM v_outcomes WHERE campaign_id = ?1",
	      c->id);
	if (!s)
		return -1;
	while (sqlite3_step(s) == SQLITE_ROW) {
		struct rep_ext *e = find_ext(c, (const char *)sqlite3_column_text(s, 0));
		int m = rep_mode_index((const char *)sqlite3_column_text(s, 1));

		if (e && m >= 0) {
			add_cell(&e->mode[m], (const char *)sqlite3_column_text(s, 2),
				 sqlite3_column_int(s, 3));
			c->mode_trials[m] += sqlite3_column_int(s, 3);
		}
	}
	sqlite3_finalize(s);
	s = q(st, "SELECT extension, crashing, survived FROM v_survival WHERE campaign_id = ?1",
	      c->id);
	if (!s)
		return -1;
	while (sqlite3_step(s) == SQLITE_ROW) {
		struct rep_ext *e = find_ext(c, (const char *)sqlite3_column_text(s, 0));

		if (e) {
			e->crashing = sqlite3_column_int(s, 1);
			e->survived = sqlite3_column_int(s, 2);
		}
	}
	sqlite3_finalize(s);
	s = q(st, "SELECT extension, recovery_ms FROM v_trials WHERE campaign_id = ?1 "
		  "AND mode = 'nooks' AND recovery_ms IS NOT NULL ORDER BY recovery_ms", c->id);
	if (!s)
		return -1;
	while (sqlite3_step(s) == SQLITE_ROW) {
		struct rep_ext *e = find_ext(c, (const char *)sqlite3_column_text(s, 0));

		if (!e)
			continue;
		e->lat = xrealloc(e->lat, (size_t)(e->n_lat + 1) * sizeof(double));
		e->lat[e->n_lat++] = sqlite3_column_double(s, 1);
	}
	sqlite3_finalize(s);
	return 0;
}

/* Paired survival per isolated mode, detection mechanisms, and the faults caught
 * by write protection that stage 1 missed (migration 5 views). */
static int load_modes(struct store *st, struct rep_campaign *c)
{
	sqlite3_stmt *s = q(st, "SELECT extension, mode, crashing, survived FROM v_survival_modes "
			    "WHERE campaign_id = ?1", c->id);

	if (!s)
		return -1;
	while (sqlite3_step(s) == SQLITE_ROW) {
		struct rep_ext *e = find_ext(c, (const char *)sqlite3_column_text(s, 0));
		int m = rep_mode_index((const char *)sqlite3_column_text(s, 1));

		if (!e || m < 0)
			continue;
		e->pcrashing[m] = sqlite3_column_int(s, 2);
		e->psurvived[m] = sqlite3_column_int(s, 3);
	}
	sqlite3_finalize(s);
	s = q(st, "SELECT extension, mode, nim_detection, n FROM v_detection WHERE campaign_id = ?1 "
		  "AND nim_detection IS NOT NULL ORDER BY extension, mode, n DESC, nim_detection",
	      c->id);
	if (!s)
		return -1;
	while (sqlite3_step(s) == SQLITE_ROW) {
		struct rep_ext *e = find_ext(c, (const char *)sqlite3_column_text(s, 0));
		int m = rep_mode_index((const char *)sqlite3_column_text(s, 1));
		struct rep_detect *d;

		if (!e || m < 0 || (d = &e->detect[m])->count == REP_DETECT)
			continue;
		d->mech[d->count] = col_str(s, 2);
		d->n[d->count++] = sqlite3_column_int(s, 3);
	}
	sqlite3_finalize(s);
	s = q(st, "SELECT extension, paired, caught FROM v_wp_summary WHERE campaign_id = ?1", c->id);
	if (!s)
		return -1;
	while (sqlite3_step(s) == SQLITE_ROW) {
		struct rep_ext *e = find_ext(c, (const char *)sqlite3_column_text(s, 0));

		if (e) {
			e->wp_paired = sqlite3_column_int(s, 1);
			e->wp_caught = sqlite3_column_int(s, 2);
		}
	}
	sqlite3_finalize(s);
	s = q(st, "SELECT extension, fault_idx, fault_types, fault_seed, target, mutated, "
		  "native_outcome, nooks_outcome, domains_outcome, nooks_trial_id, domains_trial_id "
		  "FROM v_wp_caught WHERE campaign_id = ?1 ORDER BY extension, fault_idx", c->id);
	if (!s)
		return -1;
	while (sqlite3_step(s) == SQLITE_ROW) {
		struct rep_wp *w;

		c->wp = xrealloc(c->wp, (size_t)(c->n_wp + 1) * sizeof(*c->wp));
		w = &c->wp[c->n_wp++];
		w->ext = col_str(s, 0);
		w->idx = sqlite3_column_int(s, 1);
		w->types = col_str(s, 2);
		w->seed = sqlite3_column_int64(s, 3);
		w->target = col_str(s, 4);
		w->mutated = col_str(s, 5);
		w->native_outcome = col_str(s, 6);
		w->nooks_outcome = col_str(s, 7);
		w->domains_outcome = col_str(s, 8);
		w->nooks_trial = sqlite3_column_int64(s, 9);
		w->domains_trial = sqlite3_column_int64(s, 10);
	}
	sqlite3_finalize(s);
	return 0;
}

static int load_fs(struct store *st, struct rep_campaign *c)
{
	sqlite3_stmt *s = q(st, "SELECT extension, mode, checked, corrupt, dirty FROM v_fs_corrupt "
			    "WHERE campaign_id = ?1", c->id);

	if (!s)
		return -1;
	while (sqlite3_step(s) == SQLITE_ROW) {
		struct rep_ext *e = find_ext(c, (const char *)sqlite3_column_text(s, 0));
		int m = rep_mode_index((const char *)sqlite3_column_text(s, 1));

		if (!e || m < 0)
			continue;
		e->fs_checked[m] = sqlite3_column_int(s, 2);
		e->fs_corrupt[m] = sqlite3_column_int(s, 3);
		e->fs_dirty[m] = sqlite3_column_int(s, 4);
	}
	sqlite3_finalize(s);
	return 0;
}

static int load_types(struct store *st, struct rep_campaign *c)
{
	sqlite3_stmt *s = q(st,
		"SELECT extension, fault_types, mode, outcome, n FROM v_outcomes_by_type "
		"WHERE campaign_id = ?1 ORDER BY extension, fault_types", c->id);

	if (!s)
		return -1;
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *e = (const char *)sqlite3_column_text(s, 0);
		const char *t = (const char *)sqlite3_column_text(s, 1);
		int m = rep_mode_index((const char *)sqlite3_column_text(s, 2)), i;

		if (!e || !t)
			continue;
		for (i = 0; i < c->n_types; i++)
			if (!strcmp(c->types[i].ext, e) && !strcmp(c->types[i].types, t))
				break;
		if (i == c->n_types) {
			c->types = xrealloc(c->types, (size_t)(i + 1) * sizeof(*c->types));
			memset(&c->types[i], 0, sizeof(*c->types));
			c->types[i].ext = xstrdup(e);
			c->types[i].types = xstrdup(t);
			c->n_types++;
		}
		if (m >= 0)
			add_cell(&c->types[i].mode[m], (const char *)sqlite3_column_text(s, 3),
				 sqlite3_column_int(s, 4));
	}
	sqlite3_finalize(s);
	return 0;
}

/* Runtime-fault activation per (extension, fault types, mode), onto c->types. */
static int load_activation(struct store *st, struct rep_campaign *c)
{
	sqlite3_stmt *s = q(st,
		"SELECT extension, fault_types, mode, known, armed, fired, trials_fired "
		"FROM v_activation WHERE campaign_id = ?1", c->id);

	if (!s)
		return -1;
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *e = (const char *)sqlite3_column_text(s, 0);
		const char *t = (const char *)sqlite3_column_text(s, 1);
		int m = rep_mode_index((const char *)sqlite3_column_text(s, 2)), i;

		for (i = 0; m >= 0 && e && t && i < c->n_types; i++) {
			struct rep_act *a = &c->types[i].act[m];

			if (strcmp(c->types[i].ext, e) || strcmp(c->types[i].types, t))
				continue;
			a->known = sqlite3_column_int(s, 3);
			a->armed = sqlite3_column_int(s, 4);
			a->fired = sqlite3_column_int(s, 5);
			a->trials_fired = sqlite3_column_int(s, 6);
		}
	}
	sqlite3_finalize(s);
	return 0;
}

void rep_act_text(const struct rep_act *a, int trials, char *buf, size_t len)
{
	if (!a->known)
		snprintf(buf, len, "unknown (code faults: activation not observed)");
	else if (a->known < trials)
		snprintf(buf, len, "%d/%d fired (%.0f%%) in %d of %d trials; rest unknown",
			 a->fired, a->armed, a->armed ? 100.0 * a->fired / a->armed : 0.0,
			 a->known, trials);
	else
		snprintf(buf, len, "%d/%d fired (%.0f%%)", a->fired, a->armed,
			 a->armed ? 100.0 * a->fired / a->armed : 0.0);
}

static int load_sigs(struct store *st, struct rep_campaign *c)
{
	sqlite3_stmt *s = q(st,
		"SELECT kind, title, n, native_n, nooks_n, example_trial_id, first_seen, last_seen, "
		"domains_n "
		"FROM v_signatures WHERE campaign_id = ?1 ORDER BY n DESC, title", c->id);

	if (!s)
		return -1;
	while (sqlite3_step(s) == SQLITE_ROW) {
		struct rep_sig *g;

		c->sigs = xrealloc(c->sigs, (size_t)(c->n_sigs + 1) * sizeof(*c->sigs));
		g = &c->sigs[c->n_sigs++];
		g->kind = col_str(s, 0);
		g->title = col_str(s, 1);
		g->n = sqlite3_column_int(s, 2);
		g->native_n = sqlite3_column_int(s, 3);
		g->nooks_n = sqlite3_column_int(s, 4);
		g->example = sqlite3_column_int64(s, 5);
		g->first = col_str(s, 6);
		g->last = col_str(s, 7);
		g->domains_n = sqlite3_column_int(s, 8);
	}
	sqlite3_finalize(s);
	return 0;
}

/* The kernels the trials ran on; the campaign's image before any trial. */
static int load_kernels(struct store *st, struct rep_campaign *c)
{
	sqlite3_stmt *s = q(st,
		"SELECT kernel_version, kernel_source, kernel_locked, trials, image_id FROM v_kernels "
		"WHERE campaign_id = ?1 UNION ALL SELECT i.kernel_version, i.kernel_source, "
		"i.kernel_locked, 0, i.id FROM campaigns c JOIN images i ON i.id = c.image_id "
		"WHERE c.id = ?1 AND NOT EXISTS (SELECT 1 FROM trials t WHERE t.campaign_id = ?1) "
		"ORDER BY 5", c->id);

	if (!s)
		return -1;
	while (sqlite3_step(s) == SQLITE_ROW) {
		struct rep_kernel *k;

		c->kernels = xrealloc(c->kernels, (size_t)(c->n_kernels + 1) * sizeof(*c->kernels));
		k = &c->kernels[c->n_kernels++];
		k->version = col_str(s, 0);
		k->source = col_str(s, 1);
		k->locked = col_str(s, 2);
		k->trials = sqlite3_column_int(s, 3);
	}
	sqlite3_finalize(s);
	return 0;
}

/* Candidate sites per extension and fault type (campaigns planned since migration 6). */
static int load_sites(struct store *st, struct rep_campaign *c)
{
	sqlite3_stmt *s = q(st, "SELECT extension, fault_type, sites FROM v_sites "
			    "WHERE campaign_id = ?1 ORDER BY ord", c->id);
	int i, k;

	if (!s)
		return -1;
	while (sqlite3_step(s) == SQLITE_ROW) {
		struct rep_ext *e = find_ext(c, (const char *)sqlite3_column_text(s, 0));
		const char *t = (const char *)sqlite3_column_text(s, 1);

		if (!t)
			continue;
		for (k = 0; k < c->n_site_types && strcmp(c->site_types[k], t); k++)
			;
		if (k == c->n_site_types) {
			c->site_types = xrealloc(c->site_types, (size_t)(k + 1) * sizeof(char *));
			c->site_types[c->n_site_types++] = xstrdup(t);
			for (i = 0; i < c->n_ext; i++) {
				c->ext[i].sites = xrealloc(c->ext[i].sites,
							   (size_t)(k + 1) * sizeof(int64_t));
				c->ext[i].sites[k] = -1;
			}
		}
		if (e)
			e->sites[k] = sqlite3_column_int64(s, 2);
	}
	sqlite3_finalize(s);
	return 0;
}

int report_load(struct store *st, int64_t cid, struct rep_campaign *c)
{
	memset(c, 0, sizeof(*c));
	c->id = cid;
	if (load_header(st, c) || load_exts(st, c) || load_modes(st, c) || load_fs(st, c) ||
	    load_types(st, c) || load_activation(st, c) || load_sigs(st, c) ||
	    load_kernels(st, c) || load_sites(st, c)) {
		report_release(c);
		return -1;
	}
	return 0;
}

void report_release(struct rep_campaign *c)
{
	int i;

	free(c->name);
	free(c->created);
	free(c->finished);
	free(c->kernel);
	free(c->spec);
	for (i = 0; i < c->n_ext; i++) {
		int m, k;

		free(c->ext[i].name);
		free(c->ext[i].lat);
		free(c->ext[i].sites);
		for (m = 0; m < REP_MODES; m++)
			for (k = 0; k < c->ext[i].detect[m].count; k++)
				free(c->ext[i].detect[m].mech[k]);
	}
	free(c->ext);
	for (i = 0; i < c->n_types; i++) {
		free(c->types[i].ext);
		free(c->types[i].types);
	}
	free(c->types);
	for (i = 0; i < c->n_sigs; i++) {
		free(c->sigs[i].kind);
		free(c->sigs[i].title);
		free(c->sigs[i].first);
		free(c->sigs[i].last);
	}
	free(c->sigs);
	for (i = 0; i < c->n_wp; i++) {
		free(c->wp[i].ext);
		free(c->wp[i].types);
		free(c->wp[i].target);
		free(c->wp[i].mutated);
		free(c->wp[i].native_outcome);
		free(c->wp[i].nooks_outcome);
		free(c->wp[i].domains_outcome);
	}
	free(c->wp);
	for (i = 0; i < c->n_kernels; i++) {
		free(c->kernels[i].version);
		free(c->kernels[i].source);
		free(c->kernels[i].locked);
	}
	free(c->kernels);
	for (i = 0; i < c->n_site_types; i++)
		free(c->site_types[i]);
	free(c->site_types);
	memset(c, 0, sizeof(*c));
}
