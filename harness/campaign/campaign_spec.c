/*
 * campaign_spec.c - parse and validate campaign specs (json-c).
 *
 * Owns the field table of a spec: defaults, ranges, and the canonical text
 * (fixed field order, parallelism excluded) whose hash identifies a campaign
 * for resume.  Must never accept an unknown field (typos would silently
 * change an experiment) or return a half-filled spec.
 */
#define _GNU_SOURCE
#include "campaign_spec.h"
#include "campaign_spec_impl.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu.h"
#include "util.h"
#include "workload.h"

const char *const spec_known_fault_types[] = {
	"text", "nop", "src", "dst", "ptr", "branch", "invert", "loop", "init",
	"interface", "irq", "alloc", "free", "leak", "bcopy", "data", NULL
};

static const char *const mode_names[MODE_COUNT] = { "native", "nooks", "domains" };
#define MODE_LIST "native, nooks, domains"

const char *spec_mode_name(enum spec_mode m) { return mode_names[m]; }
int spec_mode_isolated(enum spec_mode m) { return m == MODE_NOOKS || m == MODE_DOMAINS; }
const char *spec_mode_nim_params(enum spec_mode m) { return m == MODE_DOMAINS ? "domains=1" : NULL; }

int spec_ferr(struct spec_ctx *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return error("campaign '%s': field '%s': %s", c->path, c->field, msg);
}

void spec_set_field(struct spec_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->field, sizeof(c->field), fmt, ap);
	va_end(ap);
}

int spec_check_keys(struct spec_ctx *c, struct json_object *o, const char *const *allowed,
		      const char *where)
{
	json_object_object_foreach(o, key, val) {
		const char *const *a;

		(void)val;
		for (a = allowed; *a && strcmp(*a, key); a++)
			;
		if (!*a) {
			spec_set_field(c, "%s%s", where, key);
			return spec_ferr(c, "unknown field");
		}
	}
	return 0;
}

int spec_get_string(struct spec_ctx *c, struct json_object *o, const char *key,
		      int required, char **out)
{
	struct json_object *v;
	const char *s;

	*out = NULL;
	if (!json_object_object_get_ex(o, key, &v)) {
		if (required)
			return spec_ferr(c, "missing");
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return spec_ferr(c, "expected a string");
	s = json_object_get_string(v);
	if (!*s)
		return spec_ferr(c, "must not be empty");
	*out = xstrdup(s);
	return 0;
}

int spec_get_int(struct spec_ctx *c, struct json_object *o, const char *key, int64_t def,
		   int64_t min, int64_t max, int64_t *out)
{
	struct json_object *v;
	int64_t n;

	*out = def;
	if (!json_object_object_get_ex(o, key, &v)) {
		if (def < min)
			return spec_ferr(c, "missing");
		return 0;
	}
	if (!json_object_is_type(v, json_type_int))
		return spec_ferr(c, "expected an integer");
	n = json_object_get_int64(v);
	if (n < min || n > max)
		return spec_ferr(c, "%lld out of range %lld..%lld", (long long)n,
			    (long long)min, (long long)max);
	*out = n;
	return 0;
}

int spec_valid_label(const char *s)
{
	for (; *s; s++)
		if (!(s[0] >= 'a' && s[0] <= 'z') && !(s[0] >= 'A' && s[0] <= 'Z') &&
		    !(s[0] >= '0' && s[0] <= '9') && !strchr("_.-", *s))
			return 0;
	return 1;
}

/*
 * A "modes" array (field name in where) into flags.  Absent: all_modes says
 * every mode (an extension: whatever the campaign runs) or the default
 * native + nooks (the campaign: specs written before the domains mode keep
 * their meaning and their hash).
 */
static int parse_mode_list(struct spec_ctx *c, struct json_object *o, const char *where,
			   int modes[MODE_COUNT], int *given, int all_modes)
{
	struct json_object *v;
	size_t i, n;
	int m;

	spec_set_field(c, "%smodes", where);
	*given = json_object_object_get_ex(o, "modes", &v);
	if (!*given) {
		for (m = 0; m < MODE_COUNT; m++)
			modes[m] = all_modes || m != MODE_DOMAINS;
		return 0;
	}
	if (!json_object_is_type(v, json_type_array) || !(n = json_object_array_length(v)))
		return spec_ferr(c, "expected a non-empty array of \"native\", \"nooks\", \"domains\"");
	for (i = 0; i < n; i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(v, i));

		spec_set_field(c, "%smodes[%zu]", where, i);
		if (!json_object_is_type(json_object_array_get_idx(v, i), json_type_string))
			return spec_ferr(c, "expected a mode name (" MODE_LIST ")");
		for (m = 0; m < MODE_COUNT && strcmp(s, mode_names[m]); m++)
			;
		if (m == MODE_COUNT)
			return spec_ferr(c, "unknown mode '%s' (known: " MODE_LIST ")", s);
		if (modes[m])
			return spec_ferr(c, "mode '%s' listed twice", s);
		modes[m] = 1;
	}
	return 0;
}

static int parse_modes(struct spec_ctx *c, struct json_object *root, struct campaign_spec *sp)
{
	int given;

	return parse_mode_list(c, root, "", sp->modes, &given, 0);
}

int spec_ext_runs(const struct campaign_spec *sp, int e, enum spec_mode m)
{
	return sp->modes[m] && sp->ext[e].modes[m];
}

/* Every extension keeps at least one of the campaign's modes. */
static int check_ext_modes(struct spec_ctx *c, struct campaign_spec *sp)
{
	int e, m, any;

	for (e = 0; e < sp->n_ext; e++) {
		for (m = any = 0; m < MODE_COUNT; m++)
			any |= spec_ext_runs(sp, e, (enum spec_mode)m);
		if (!any) {
			spec_set_field(c, "extensions[%d].modes", e);
			return spec_ferr(c, "none of the campaign's modes: extension '%s' would never run",
				    sp->ext[e].name);
		}
	}
	return 0;
}

static int add_type(struct spec_ctx *c, struct campaign_spec *sp, const char *name, int64_t w)
{
	const char *const *k;
	int i;

	for (k = spec_known_fault_types; *k && strcmp(*k, name); k++)
		;
	if (!*k)
		return spec_ferr(c, "unknown fault type '%s'", name);
	for (i = 0; i < sp->n_types; i++)
		if (!strcmp(sp->types[i].name, name))
			return spec_ferr(c, "fault type '%s' listed twice", name);
	if (w < 1 || w > 1000)
		return spec_ferr(c, "weight %lld out of range 1..1000", (long long)w);
	if (sp->n_types == SPEC_MAX_TYPES)
		return spec_ferr(c, "too many fault types");
	sp->types[sp->n_types].name = xstrdup(name);
	sp->types[sp->n_types++].weight = (unsigned)w;
	return 0;
}

static int parse_types(struct spec_ctx *c, struct json_object *root, struct campaign_spec *sp)
{
	struct json_object *v;
	char *mix;
	size_t i;

	spec_set_field(c, "fault_types");
	if (!json_object_object_get_ex(root, "fault_types", &v))
		return spec_ferr(c, "missing");
	if (json_object_is_type(v, json_type_array)) {
		for (i = 0; i < json_object_array_length(v); i++) {
			struct json_object *e = json_object_array_get_idx(v, i);

			spec_set_field(c, "fault_types[%zu]", i);
			if (!json_object_is_type(e, json_type_string))
				return spec_ferr(c, "expected a fault type name");
			if (add_type(c, sp, json_object_get_string(e), 1))
				return -1;
		}
	} else if (json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, key, w) {
			spec_set_field(c, "fault_types.%s", key);
			if (!json_object_is_type(w, json_type_int))
				return spec_ferr(c, "expected an integer weight");
			if (add_type(c, sp, key, json_object_get_int64(w)))
				return -1;
		}
	} else {
		return spec_ferr(c, "expected an array of names or an object of weights");
	}
	spec_set_field(c, "fault_types");
	if (!sp->n_types)
		return spec_ferr(c, "no fault type given");
	spec_set_field(c, "fault_mix");
	if (spec_get_string(c, root, "fault_mix", 0, &mix))
		return -1;
	sp->mix = MIX_SINGLE;
	if (mix && !strcmp(mix, "mixed"))
		sp->mix = MIX_MIXED;
	else if (mix && strcmp(mix, "single")) {
		spec_ferr(c, "unknown mix '%s' (known: single, mixed)", mix);
		free(mix);
		return -1;
	}
	free(mix);
	return 0;
}

static int parse_workload_args(struct spec_ctx *c, struct json_object *v, struct spec_extension *e,
			       size_t i)
{
	if (!json_object_is_type(v, json_type_object))
		return spec_ferr(c, "expected an object of option: value");
	json_object_object_foreach(v, key, val) {
		spec_set_field(c, "extensions[%zu].workload_args.%s", i, key);
		if (!json_object_is_type(val, json_type_string) &&
		    !json_object_is_type(val, json_type_int))
			return spec_ferr(c, "expected a string or an integer");
		if (strpbrk(json_object_get_string(val), "'\n\\"))
			return spec_ferr(c, "quotes, backslashes and newlines are not allowed");
		if (!spec_valid_label(key))
			return spec_ferr(c, "invalid option name");
		if (e->n_workload_args == SPEC_MAX_ARGS * 2)
			return spec_ferr(c, "too many workload arguments");
		e->workload_args[e->n_workload_args++] = xstrdup(key);
		e->workload_args[e->n_workload_args++] = xstrdup(json_object_get_string(val));
	}
	return 0;
}

static int add_device(struct spec_ctx *c, struct spec_extension *e, struct json_object *v)
{
	const char *d = json_object_get_string(v);

	if (!json_object_is_type(v, json_type_string))
		return spec_ferr(c, "expected a device name");
	if (vm_device_known(d))
		return spec_ferr(c, "unknown device '%s' (known: %s)", d, vm_device_names());
	if (e->n_devices == SPEC_MAX_DEVICES)
		return spec_ferr(c, "at most %d devices", SPEC_MAX_DEVICES);
	e->devices[e->n_devices++] = xstrdup(d);
	e->device = e->devices[0];
	return 0;
}

/* "device": "e1000" or ["e1000", "virtio-net"] (device under test first). */
static int parse_devices(struct spec_ctx *c, struct json_object *v, struct spec_extension *e, size_t i)
{
	size_t k;

	spec_set_field(c, "extensions[%zu].device", i);
	if (!json_object_is_type(v, json_type_array))
		return add_device(c, e, v);
	if (!json_object_array_length(v))
		return spec_ferr(c, "expected a device name or a non-empty array of them");
	for (k = 0; k < json_object_array_length(v); k++) {
		spec_set_field(c, "extensions[%zu].device[%zu]", i, k);
		if (add_device(c, e, json_object_array_get_idx(v, k)))
			return -1;
	}
	return 0;
}

/* The value of workload argument key, or NULL. */
static const char *workload_arg(const struct spec_extension *e, const char *key)
{
	int j;

	for (j = 0; j < e->n_workload_args; j += 2)
		if (!strcmp(e->workload_args[j], key))
			return e->workload_args[j + 1];
	return NULL;
}

/*
 * Devices and disk default to what the workload table (workload.c) says the
 * workload needs: the NIC named by workload_args.nic (else e1000) plus the
 * virtio-net peer, a fresh FAT image.  Fields given in the spec win.
 */
static int apply_workload_defaults(struct spec_ctx *c, struct spec_extension *e, size_t i)
{
	const struct workload *w = NULL;
	const char *devs[WORKLOAD_MAX_DEVICES];
	size_t n;
	int k, nd;

	for (k = 0, w = workload_table(&n); k < (int)n && strcmp(w[k].name, e->workload); k++)
		;
	w = k < (int)n ? &w[k] : NULL;
	if (e->disk) {
		spec_set_field(c, "extensions[%zu].disk", i);
		if (!workload_disk_known(e->disk))
			return spec_ferr(c, "unknown disk '%s' (known: vfat, none, or the path of a FAT "
				    "image)", e->disk);
	} else if (w && w->disk) {
		e->disk = xstrdup(w->disk);
	}
	if (e->n_devices || !w)
		return 0;
	spec_set_field(c, "extensions[%zu].workload_args.nic", i);
	if ((w->flags & WORKLOAD_NEEDS_NIC) && !workload_nic_device(workload_arg(e, "nic")))
		return spec_ferr(c, "unknown NIC '%s' (known: e1000, pcnet, rtl8139; or give "
			    "extensions[%zu].device)", workload_arg(e, "nic"), i);
	if (workload_devices(w, workload_arg(e, "nic"), devs, &nd))
		return -1;
	for (k = 0; k < nd; k++)
		e->devices[e->n_devices++] = xstrdup(devs[k]);
	if (nd)
		e->device = e->devices[0];
	return 0;
}

static int parse_extension(struct spec_ctx *c, struct json_object *o, size_t i,
			   struct spec_extension *e)
{
	static const char *const keys[] = { "name", "module", "device", "workload",
					    "workload_args", "disk", "modes", "persistence",
					    "trigger", NULL };
	struct json_object *v;
	char where[48];

	spec_set_field(c, "extensions[%zu]", i);
	if (!json_object_is_type(o, json_type_object))
		return spec_ferr(c, "expected an object");
	snprintf(where, sizeof(where), "extensions[%zu].", i);
	if (spec_check_keys(c, o, keys, where))
		return -1;
	spec_set_field(c, "extensions[%zu].name", i);
	if (spec_get_string(c, o, "name", 1, &e->name))
		return -1;
	if (!spec_valid_label(e->name))
		return spec_ferr(c, "'%s' may only hold letters, digits, '_', '.', '-'", e->name);
	spec_set_field(c, "extensions[%zu].module", i);
	if (spec_get_string(c, o, "module", 1, &e->module))
		return -1;
	if (json_object_object_get_ex(o, "device", &v) && parse_devices(c, v, e, i))
		return -1;
	spec_set_field(c, "extensions[%zu].workload", i);
	if (spec_get_string(c, o, "workload", 1, &e->workload))
		return -1;
	if (!spec_valid_label(e->workload))
		return spec_ferr(c, "invalid workload name '%s'", e->workload);
	spec_set_field(c, "extensions[%zu].disk", i);
	if (spec_get_string(c, o, "disk", 0, &e->disk))
		return -1;
	spec_set_field(c, "extensions[%zu].workload_args", i);
	if (json_object_object_get_ex(o, "workload_args", &v) &&
	    parse_workload_args(c, v, e, i))
		return -1;
	if (parse_mode_list(c, o, where, e->modes, &e->modes_given, 1))
		return -1;
	return apply_workload_defaults(c, e, i);
}

static int parse_extensions(struct spec_ctx *c, struct json_object *root, struct campaign_spec *sp)
{
	struct json_object *v;
	size_t i, n;
	int j;

	spec_set_field(c, "extensions");
	if (!json_object_object_get_ex(root, "extensions", &v))
		return spec_ferr(c, "missing");
	if (!json_object_is_type(v, json_type_array) || !(n = json_object_array_length(v)))
		return spec_ferr(c, "expected a non-empty array");
	if (n > SPEC_MAX_EXT)
		return spec_ferr(c, "at most %d extensions", SPEC_MAX_EXT);
	for (i = 0; i < n; i++) {
		if (parse_extension(c, json_object_array_get_idx(v, i), i, &sp->ext[i]))
			return -1;
		sp->n_ext++;
		for (j = 0; j < (int)i; j++)
			if (!strcmp(sp->ext[j].name, sp->ext[i].name)) {
				spec_set_field(c, "extensions[%zu].name", i);
				return spec_ferr(c, "'%s' used twice", sp->ext[i].name);
			}
	}
	return 0;
}

/* persistence and trigger (spec_persistence.c), with each extension's object. */
static int parse_fault_model(struct spec_ctx *c, struct json_object *root,
			     struct campaign_spec *sp)
{
	struct json_object *v, *objs[SPEC_MAX_EXT];
	int i;

	json_object_object_get_ex(root, "extensions", &v);
	for (i = 0; i < sp->n_ext; i++)
		objs[i] = json_object_array_get_idx(v, (size_t)i);
	return spec_parse_fault_model(c, root, objs, sp);
}

static int parse_timeouts(struct spec_ctx *c, struct json_object *root, struct campaign_spec *sp)
{
	static const char *const keys[] = { "boot_s", "heartbeat_s", "total_s", NULL };
	struct json_object *v = NULL;
	int64_t b, h, t;

	spec_set_field(c, "timeouts");
	if (json_object_object_get_ex(root, "timeouts", &v)) {
		if (!json_object_is_type(v, json_type_object))
			return spec_ferr(c, "expected an object");
		if (spec_check_keys(c, v, keys, "timeouts."))
			return -1;
	} else {
		v = json_object_new_object();
		json_object_object_add(root, "timeouts", v);
	}
	spec_set_field(c, "timeouts.boot_s");
	if (spec_get_int(c, v, "boot_s", 30, 1, 3600, &b))
		return -1;
	spec_set_field(c, "timeouts.heartbeat_s");
	if (spec_get_int(c, v, "heartbeat_s", 10, 1, 3600, &h))
		return -1;
	spec_set_field(c, "timeouts.total_s");
	if (spec_get_int(c, v, "total_s", 120, 1, 86400, &t))
		return -1;
	if (t < b)
		return spec_ferr(c, "%lld is shorter than timeouts.boot_s (%lld)", (long long)t,
			    (long long)b);
	sp->boot_timeout_s = (unsigned)b;
	sp->heartbeat_timeout_s = (unsigned)h;
	sp->total_timeout_s = (unsigned)t;
	return 0;
}

static int parse_cmdline(struct spec_ctx *c, struct json_object *root, struct campaign_spec *sp)
{
	struct json_object *v;
	size_t i, len = 0;

	spec_set_field(c, "kernel_cmdline");
	if (!json_object_object_get_ex(root, "kernel_cmdline", &v)) {
		sp->kernel_cmdline = xstrdup("");
		return 0;
	}
	if (json_object_is_type(v, json_type_string)) {
		sp->kernel_cmdline = xstrdup(json_object_get_string(v));
	} else if (json_object_is_type(v, json_type_array)) {
		sp->kernel_cmdline = xstrdup("");
		for (i = 0; i < json_object_array_length(v); i++) {
			struct json_object *e = json_object_array_get_idx(v, i);
			char *n;

			spec_set_field(c, "kernel_cmdline[%zu]", i);
			if (!json_object_is_type(e, json_type_string) ||
			    !*json_object_get_string(e) || strchr(json_object_get_string(e), ' '))
				return spec_ferr(c, "expected one option without spaces");
			n = xasprintf("%s%s%s", sp->kernel_cmdline, len ? " " : "",
				      json_object_get_string(e));
			free(sp->kernel_cmdline);
			sp->kernel_cmdline = n;
			len = strlen(n);
		}
	} else {
		return spec_ferr(c, "expected a string or an array of strings");
	}
	if (strpbrk(sp->kernel_cmdline, "\"\n\\"))
		return spec_ferr(c, "quotes, backslashes and newlines are not allowed");
	return 0;
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

/* Canonical text: fixed order, normalized values, parallelism left out. */
static void canonicalize(struct campaign_spec *sp)
{
	struct json_object *o = json_object_new_object(), *a, *t;
	int i, j;

	json_object_object_add(o, "name", json_object_new_string(sp->name));
	json_object_object_add(o, "seed", json_object_new_uint64(sp->seed));
	json_object_object_add(o, "trials", json_object_new_int(sp->trials));
	json_object_object_add(o, "faults_per_trial", json_object_new_int(sp->faults_per_trial));
	a = json_object_new_array();
	for (i = 0; i < MODE_COUNT; i++)
		if (sp->modes[i])
			json_object_array_add(a, json_object_new_string(mode_names[i]));
	json_object_object_add(o, "modes", a);
	t = json_object_new_object();
	for (i = 0; i < sp->n_types; i++)
		json_object_object_add(t, sp->types[i].name,
				       json_object_new_int((int)sp->types[i].weight));
	json_object_object_add(o, "fault_types", t);
	json_object_object_add(o, "fault_mix",
			       json_object_new_string(sp->mix == MIX_SINGLE ? "single" : "mixed"));
	a = json_object_new_array();
	for (i = 0; i < sp->n_ext; i++) {
		struct spec_extension *e = &sp->ext[i];
		struct json_object *x = json_object_new_object(), *w = json_object_new_object();

		json_object_object_add(x, "name", json_object_new_string(e->name));
		json_object_object_add(x, "module", json_object_new_string(e->module));
		if (e->n_devices) {
			struct json_object *d = json_object_new_array();

			for (j = 0; j < e->n_devices; j++)
				json_object_array_add(d, json_object_new_string(e->devices[j]));
			json_object_object_add(x, "device", d);
		}
		json_object_object_add(x, "workload", json_object_new_string(e->workload));
		for (j = 0; j < e->n_workload_args; j += 2)
			json_object_object_add(w, e->workload_args[j],
					       json_object_new_string(e->workload_args[j + 1]));
		json_object_object_add(x, "workload_args", w);
		if (e->disk && strcmp(e->disk, "none"))
			json_object_object_add(x, "disk", json_object_new_string(e->disk));
		spec_fault_model_canonical(sp, e, x);
		if (e->modes_given) {
			struct json_object *ms = json_object_new_array();

			for (j = 0; j < MODE_COUNT; j++)
				if (e->modes[j])
					json_object_array_add(ms, json_object_new_string(mode_names[j]));
			json_object_object_add(x, "modes", ms);
		}
		json_object_array_add(a, x);
	}
	json_object_object_add(o, "extensions", a);
	t = json_object_new_object();
	json_object_object_add(t, "boot_s", json_object_new_int((int)sp->boot_timeout_s));
	json_object_object_add(t, "heartbeat_s", json_object_new_int((int)sp->heartbeat_timeout_s));
	json_object_object_add(t, "total_s", json_object_new_int((int)sp->total_timeout_s));
	json_object_object_add(o, "timeouts", t);
	json_object_object_add(o, "kernel_cmdline", json_object_new_string(sp->kernel_cmdline));
	json_object_object_add(o, "retries", json_object_new_int(sp->retries));
	json_object_object_add(o, "persistence",
			       json_object_new_string(spec_persistence_name(sp->persistence)));
	sp->canonical = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
								  JSON_C_TO_STRING_SPACED));
	sp->hash = xasprintf("%016llx", (unsigned long long)fnv1a(sp->canonical));
	json_object_put(o);
}

static int parse_root(struct spec_ctx *c, struct json_object *root, struct campaign_spec *sp)
{
	static const char *const keys[] = {
		"name", "description", "seed", "trials", "faults_per_trial", "modes",
		"fault_types", "fault_mix", "extensions", "timeouts", "kernel_cmdline",
		"jobs", "retries", "persistence", "trigger", "$comment", NULL
	};
	int64_t n;

	spec_set_field(c, "(top level)");
	if (!json_object_is_type(root, json_type_object))
		return spec_ferr(c, "expected a JSON object");
	if (spec_check_keys(c, root, keys, ""))
		return -1;
	spec_set_field(c, "name");
	if (spec_get_string(c, root, "name", 1, &sp->name))
		return -1;
	if (!spec_valid_label(sp->name))
		return spec_ferr(c, "'%s' may only hold letters, digits, '_', '.', '-'", sp->name);
	spec_set_field(c, "description");
	if (spec_get_string(c, root, "description", 0, &sp->description))
		return -1;
	spec_set_field(c, "seed");
	if (spec_get_int(c, root, "seed", -1, 0, INT64_MAX, &n))
		return -1;
	sp->seed = (uint64_t)n;
	spec_set_field(c, "trials");
	if (spec_get_int(c, root, "trials", -1, 1, 100000, &n))
		return -1;
	sp->trials = (int)n;
	spec_set_field(c, "faults_per_trial");
	if (spec_get_int(c, root, "faults_per_trial", 5, 1, 100, &n))
		return -1;
	sp->faults_per_trial = (int)n;
	spec_set_field(c, "jobs");
	if (spec_get_int(c, root, "jobs", 0, 0, 256, &n))
		return -1;
	sp->jobs = (int)n;
	spec_set_field(c, "retries");
	if (spec_get_int(c, root, "retries", 2, 0, 10, &n))
		return -1;
	sp->retries = (int)n;
	if (parse_modes(c, root, sp) || parse_types(c, root, sp) ||
	    parse_extensions(c, root, sp) || check_ext_modes(c, sp) ||
	    parse_fault_model(c, root, sp) ||
	    parse_timeouts(c, root, sp) || parse_cmdline(c, root, sp))
		return -1;
	canonicalize(sp);
	return 0;
}

int spec_parse(const char *text, const char *path, struct campaign_spec *sp)
{
	struct spec_ctx c = { .path = path };
	struct json_tokener *tok = json_tokener_new();
	struct json_object *root;
	int r;

	memset(sp, 0, sizeof(*sp));
	root = json_tokener_parse_ex(tok, text, (int)strlen(text) + 1);
	if (!root) {
		error("campaign '%s': invalid JSON near byte %zu: %s", path,
		      json_tokener_get_parse_end(tok),
		      json_tokener_error_desc(json_tokener_get_error(tok)));
		json_tokener_free(tok);
		return -1;
	}
	json_tokener_free(tok);
	r = parse_root(&c, root, sp);
	json_object_put(root);
	if (r) {
		spec_release(sp);
		return -1;
	}
	sp->path = xstrdup(path);
	return 0;
}

int spec_load(const char *path, struct campaign_spec *sp)
{
	char *text = read_file(path, NULL);
	int r;

	memset(sp, 0, sizeof(*sp));
	if (!text)
		return -1;
	r = spec_parse(text, path, sp);
	free(text);
	return r;
}

int spec_override_modes(struct campaign_spec *sp, const char *list)
{
	char *copy = xstrdup(list), *tok, *save = NULL;
	int modes[MODE_COUNT] = { 0 }, m, any = 0;

	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (m = 0; m < MODE_COUNT && strcmp(tok, mode_names[m]); m++)
			;
		if (m == MODE_COUNT) {
			error("unknown mode '%s' in --modes (known: " MODE_LIST ")", tok);
			free(copy);
			return -1;
		}
		modes[m] = any = 1;
	}
	free(copy);
	if (!any)
		return error("--modes needs at least one mode");
	for (m = 0; m < sp->n_ext; m++) {
		int k, left = 0;

		for (k = 0; k < MODE_COUNT; k++)
			left |= modes[k] && sp->ext[m].modes[k];
		if (!left)
			return error("--modes '%s' leaves extension '%s' no mode to run in (its spec "
				     "limits it)", list, sp->ext[m].name);
	}
	memcpy(sp->modes, modes, sizeof(modes));
	free(sp->canonical);
	free(sp->hash);
	canonicalize(sp);
	return 0;
}

void spec_release(struct campaign_spec *sp)
{
	int i, j;

	free(sp->path);
	free(sp->name);
	free(sp->description);
	for (i = 0; i < sp->n_types; i++)
		free(sp->types[i].name);
	for (i = 0; i < SPEC_MAX_EXT; i++) {
		struct spec_extension *e = &sp->ext[i];

		free(e->name);
		free(e->module);
		for (j = 0; j < e->n_devices; j++)
			free(e->devices[j]);
		free(e->workload);
		free(e->disk);
		for (j = 0; j < e->n_workload_args; j++)
			free(e->workload_args[j]);
		spec_fault_model_release(e);
	}
	free(sp->kernel_cmdline);
	free(sp->canonical);
	free(sp->hash);
	memset(sp, 0, sizeof(*sp));
}
