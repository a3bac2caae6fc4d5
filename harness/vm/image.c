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

static char *opt_field(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string) || !*json_object_get_string(v))
		return NULL;
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
	/* absent in images built before kernel.lock */
	img->kernel_package_version = opt_field(o, "kernel_package_version");
	img->kernel_source = opt_field(o, "kernel_source");
	img->kernel_locked = opt_field(o, "kernel_locked");
	img->vmlinux_sha256 = opt_field(o, "vmlinux_sha256");
	img->initramfs_sha256 = opt_field(o, "initramfs_sha256");
	if (!img->vmlinux_sha256)
		img->vmlinux_sha256 = xstrdup("");
	if (!img->initramfs_sha256)
		img->initramfs_sha256 = xstrdup("");
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
	free(img->kernel_package_version);
	free(img->kernel_source);
	free(img->kernel_locked);
	free(img->vmlinux_sha256);
	free(img->initramfs_sha256);
	free(img->vmlinux);
	free(img->initramfs);
	free(img->modules_dir);
	memset(img, 0, sizeof(*img));
}

char *image_kmod_file(const struct image *img, const char *name, const char *what)
{
	if (!strcmp(what, "symvers"))
		return xasprintf("%s/symvers/%s.symvers", img->dir, name);
	return xasprintf("%s/extra/%s.%s", img->modules_dir, name, what);
}

char *image_find_kmod_file(const char *dir, const char *name, const char *what)
{
	struct image img;
	char *p;

	if (image_load(dir, &img))
		return NULL;
	p = image_kmod_file(&img, name, what);
	image_release(&img);
	if (!file_exists(p)) {
		error("'%s' not found (run 'make')", p);
		free(p);
		return NULL;
	}
	return p;
}

char *image_kernel_desc(const struct image *img)
{
	const char *ver = img->kernel_package_version ? img->kernel_package_version : "?";

	if (img->kernel_source && !strcmp(img->kernel_source, "fallback"))
		return xasprintf("%s (%s, fallback: kernel.lock's %s is not served)",
				 img->kernel_version, ver,
				 img->kernel_locked ? img->kernel_locked : "?");
	if (img->kernel_source && !strcmp(img->kernel_source, "override"))
		return xasprintf("%s (%s, NOOKS_KERNEL)", img->kernel_version, ver);
	return xasprintf("%s (%s)", img->kernel_version, ver);
}
