/*
 * wl_inject.h - the phase trigger of transient code faults (docs/FAULTS.md),
 * included by wl_common.h.  With WL_INJECT_AFTER=PHASE and
 * WL_INJECT="MODULE SECTION+OFF:HEX ..." in its environment, a workload
 * writes the live patch of a fault descriptor (`nooks inject --describe`,
 * each mutation's "section", "offset" and "live") into swifi.ko's "patch"
 * parameter at the moment PHASE ends (its next wl_set_phase), each SECTION
 * resolved to its address in the live module
 * (/sys/module/MODULE/sections/SECTION) at that moment.  It prints
 *   {"event":"progress","workload":W,"inject":{"after":PHASE,"module":MODULE,"sites":N}}
 * and a patch that cannot be resolved or that swifi refuses ends the
 * workload as an infrastructure failure (exit 2): the trial did not get its
 * fault.  A workload whose PHASE never ends never writes it; the trial sees
 * no inject line.
 *
 * The call trigger: with WL_INJECT_CALL="FUNCTION N" instead of
 * WL_INJECT_AFTER, the workload writes "MODULE FUNCTION N SITES..." into
 * swifi.ko's "patch_at" parameter when its first phase starts (the module
 * is loaded by then): swifi writes the patch at the module's Nth call of
 * FUNCTION (kmod/swifi/swifi_trigger.c).  It prints
 *   {"event":"progress","workload":W,"inject":{"call":F,"n":N,"module":M,"sites":K}}
 * and a refusal is an infrastructure failure as above.
 */
#ifndef WL_INJECT_H
#define WL_INJECT_H

#define WL_SWIFI_PATCH "/sys/module/swifi/parameters/patch"
#define WL_SWIFI_PATCH_AT "/sys/module/swifi/parameters/patch_at"

/* "MODULE SEC+OFF:HEX ..." with each SEC an address: 0, or -1 (why in err). */
static inline int wl_inject_resolve(const char *spec, char *out, size_t n, int *sites,
				    char *err, size_t errn)
{
	char buf[2048], *save = NULL, *tok, *mod;
	size_t o = 0;

	*sites = 0;
	if (strlen(spec) >= sizeof(buf)) {
		snprintf(err, errn, "WL_INJECT longer than %zu bytes", sizeof(buf) - 1);
		return -1;
	}
	strcpy(buf, spec);
	mod = strtok_r(buf, " \t", &save);
	if (!mod) {
		snprintf(err, errn, "WL_INJECT names no module");
		return -1;
	}
	o += (size_t)snprintf(out, n, "%s", mod);
	while ((tok = strtok_r(NULL, " \t", &save))) {
		char *plus = strchr(tok, '+'), path[512], addr[64];

		if (!plus || tok[0] != '.') {
			snprintf(err, errn, "WL_INJECT site '%s' is not SECTION+OFF:HEX", tok);
			return -1;
		}
		*plus = 0;
		snprintf(path, sizeof(path), "/sys/module/%s/sections/%s", mod, tok);
		if (wl_read_str(path, addr, sizeof(addr))) {
			snprintf(err, errn, "cannot read %s: %s", path, strerror(errno));
			return -1;
		}
		o += (size_t)snprintf(out + o, o < n ? n - o : 0, " %s+%s", addr, plus + 1);
		++*sites;
	}
	if (o >= n || !*sites) {
		snprintf(err, errn, *sites ? "WL_INJECT too long" : "WL_INJECT names no site");
		return -1;
	}
	return 0;
}

/* Write line to the swifi parameter at path, or end the workload as an infrastructure failure. */
static inline void wl_inject_write(const char *path, const char *line, const char *when)
{
	if (wl_write_str(path, line))
		wl_finish(WL_INFRA, "transient fault %s: %s refused it: %s", when, path,
			  strerror(errno));
}

/* Called as phase `ending` ends: write the patch (or arm the call trigger) if due. */
static inline void wl_inject_phase_end(const char *ending)
{
	static int done;
	const char *after = getenv("WL_INJECT_AFTER"), *spec = getenv("WL_INJECT");
	const char *call = getenv("WL_INJECT_CALL");
	char line[4096], when[160], func[128], err[600];
	unsigned n = 0;
	int sites;
	size_t ml;

	if (done || !spec || !(call ? !strcmp(ending, "start") : after && !strcmp(after, ending)))
		return;
	done = 1;
	if (call) {
		snprintf(when, sizeof(when), "at a call of %s", call);
		if (sscanf(call, "%127s %u", func, &n) != 2 || !n)
			wl_finish(WL_INFRA, "WL_INJECT_CALL '%s' is not 'FUNCTION N'", call);
	} else {
		snprintf(when, sizeof(when), "after phase %s", ending);
	}
	if (wl_inject_resolve(spec, line, sizeof(line), &sites, err, sizeof(err)))
		wl_finish(WL_INFRA, "transient fault %s: %s", when, err);
	ml = strcspn(line, " ");
	if (call) {
		char at[4096 + 160];

		snprintf(at, sizeof(at), "%.*s %s %u%s", (int)ml, line, func, n, line + ml);
		wl_inject_write(WL_SWIFI_PATCH_AT, at, when);
		wl_progress("\"inject\":{\"call\":\"%s\",\"n\":%u,\"module\":\"%.*s\",\"sites\":%d}",
			    func, n, (int)ml, line, sites);
		return;
	}
	wl_inject_write(WL_SWIFI_PATCH, line, when);
	wl_progress("\"inject\":{\"after\":\"%s\",\"module\":\"%.*s\",\"sites\":%d}",
		    ending, (int)ml, line, sites);
}

#endif
