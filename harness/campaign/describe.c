/*
 * describe.c - the reader of the injector's describe record (see
 * describe.h).  Accepts the current field names and the older aliases
 * (fault, function, symbol_offset, old/new, before/after).  Never trusts a
 * field's type: a missing or mistyped field reads as unknown.
 */
#include "describe.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static char *jstr(struct json_object *o, const char *a, const char *b)
{
	struct json_object *v;

	if ((json_object_object_get_ex(o, a, &v) || (b && json_object_object_get_ex(o, b, &v))) &&
	    !json_object_is_type(v, json_type_null))
		return xstrdup(json_object_get_string(v));
	return NULL;
}

static int64_t jint(struct json_object *o, const char *a, const char *b)
{
	struct json_object *v;

	if ((json_object_object_get_ex(o, a, &v) || (b && json_object_object_get_ex(o, b, &v))) &&
	    json_object_is_type(v, json_type_int))
		return json_object_get_int64(v);
	return -1;
}

static void parse_mutation(struct json_object *e, struct store_mutation *m)
{
	m->type = jstr(e, "type", "fault");
	m->section = jstr(e, "section", NULL);
	m->symbol = jstr(e, "symbol", "function");
	m->sym_offset = jint(e, "offset", "symbol_offset");
	m->file_offset = jint(e, "file_offset", NULL);
	m->old_bytes = jstr(e, "old_bytes", "old");
	m->new_bytes = jstr(e, "new_bytes", "new");
	m->disasm_before = jstr(e, "disasm_before", "before");
	m->disasm_after = jstr(e, "disasm_after", "after");
}

int describe_parse(const char *json, struct describe *d)
{
	struct json_object *root = json_tokener_parse(json), *list = root, *v;
	const char *p;
	size_t i, len;

	memset(d, 0, sizeof(*d));
	if (!root)
		return error("injector description is not valid JSON");
	if (json_object_is_type(root, json_type_object)) {
		json_object_object_get_ex(root, "mutations", &list);
		if (json_object_object_get_ex(root, "swifi_params", &v) &&
		    (p = json_object_get_string(v)) && *p)
			d->swifi_params = xstrdup(p);
	}
	if (!list || !json_object_is_type(list, json_type_array)) {
		json_object_put(root);
		describe_release(d);
		return error("injector description holds no mutation list");
	}
	len = json_object_array_length(list);
	d->mutations = xcalloc(len, sizeof(*d->mutations));
	for (i = 0; i < len; i++)
		parse_mutation(json_object_array_get_idx(list, i), &d->mutations[i]);
	d->n_mutations = (int)len;
	json_object_put(root);
	return 0;
}

void describe_release(struct describe *d)
{
	store_mutations_free(d->mutations, d->n_mutations);
	free(d->swifi_params);
	memset(d, 0, sizeof(*d));
}
