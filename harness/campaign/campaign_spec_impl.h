/*
 * campaign_spec_impl.h - the parser's shared helpers, for the files that
 * parse parts of a campaign spec (campaign_spec.c, spec_persistence.c).
 * Not for other users: the spec's public interface is campaign_spec.h.
 *
 * Every helper that fails prints one line, "campaign 'PATH': field 'F':
 * why", F being the field last set with spec_set_field(), and returns -1.
 */
#ifndef NOOKS_CAMPAIGN_SPEC_IMPL_H
#define NOOKS_CAMPAIGN_SPEC_IMPL_H

#include <json-c/json.h>
#include <stdint.h>

#include "campaign_spec.h"

struct spec_ctx {
	const char *path;
	char field[128];	/* the field being parsed, for messages */
};

int spec_ferr(struct spec_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void spec_set_field(struct spec_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* -1 (naming where+key) if o has a key not in the NULL-terminated allowed. */
int spec_check_keys(struct spec_ctx *c, struct json_object *o, const char *const *allowed,
		    const char *where);
/* A non-empty string (malloc'd) or NULL when absent and not required. */
int spec_get_string(struct spec_ctx *c, struct json_object *o, const char *key, int required,
		    char **out);
/* An integer in min..max; def when absent (def < min: required). */
int spec_get_int(struct spec_ctx *c, struct json_object *o, const char *key, int64_t def,
		 int64_t min, int64_t max, int64_t *out);
/* Letters, digits, '_', '.', '-' only. */
int spec_valid_label(const char *s);

/* spec_persistence.c: "persistence" and "trigger" of the campaign and extension i. */
int spec_parse_fault_model(struct spec_ctx *c, struct json_object *root,
			   struct json_object *const *ext_objs, struct campaign_spec *sp);
void spec_fault_model_canonical(const struct campaign_spec *sp, const struct spec_extension *e,
				struct json_object *x);
void spec_fault_model_release(struct spec_extension *e);

#endif
