/*
 * image.c - locate the guest image and read its image.json (json-c).
 */
#include "image.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static char *default_dir(void)
{
	const char *env = getenv("NOOKS_IMAGE");
	char *bin, *dir;

	if (env && *env)
		return xstrdup(env);
	bin = exe_dir();
	if (!bin)
		return xstrdup("build/image");
	dir = xasprintf("%s/../build/image", bin);
	free(bin);
	return dir;
}

static char *field(struct json_object *o, const char *key, const char *path)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string)) {
		error("'%s': missing string field '%s'", path, key);
		return NULL;
	}
	return xstrdup(json_object_get_string(v));
}

int image_load(const char *dir, struct image *img)
{
	struct json_object *o = NULL;
	char *path, *vml = NULL, *ird = NULL, *mods = NULL;
	int ret = -1;

	memset(img, 0, sizeof(*img));
	img->dir = dir ? xstrdup(dir) : default_dir();
	path = xasprintf("%s/image.json", img->dir);
	if (!file_exists(path)) {
		error("no guest image at '%s' (run 'make image')", img->dir);
		goto out;
	}
	o = json_object_from_file(path);
	if (!o) {
		error("'%s' is not valid JSON", path);
		goto out;
	}
	img->kernel_version = field(o, "kernel_version", path);
	vml = field(o, "vmlinux", path);
	ird = field(o, "initramfs", path);
	mods = field(o, "modules_dir", path);
	if (!img->kernel_version || !vml || !ird || !mods)
		goto out;
	img->vmlinux = xasprintf("%s/%s", img->dir, vml);
	img->initramfs = xasprintf("%s/%s", img->dir, ird);
	img->modules_dir = xasprintf("%s/%s", img->dir, mods);
	if (!file_exists(img->vmlinux) || !file_exists(img->initramfs)) {
		error("guest image at '%s' is incomplete (run 'make image')",
		      img->dir);
		goto out;
	}
	ret = 0;
out:
	if (ret)
		image_release(img);
	json_object_put(o);
	free(path);
	free(vml);
	free(ird);
	free(mods);
	return ret;
}

void image_release(struct image *img)
{
	free(img->dir);
	free(img->kernel_version);
	free(img->vmlinux);
	free(img->initramfs);
	free(img->modules_dir);
	memset(img, 0, sizeof(*img));
}
