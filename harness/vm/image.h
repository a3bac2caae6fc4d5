/*
 * image.h - find and describe the built guest image (build/image, a link to
 * build/k/<KVER>/image written by vm-images/build-kernel.sh): vmlinux, base
 * initramfs, the kernel recorded in image.json (which one, and whether it is
 * the one vm-images/kernel.lock asks for), and our modules built for it.
 */
#ifndef NOOKS_IMAGE_H
#define NOOKS_IMAGE_H

struct image {
	char *dir;
	char *kernel_version;	/* the ABI, "6.1.0-NN-amd64" */
	char *kernel_package_version;	/* Debian version of its package */
	char *kernel_source;	/* "lock", "fallback" or "override" */
	char *kernel_locked;	/* what kernel.lock asks for: "ABI=VERSION" */
	char *vmlinux_sha256;	/* from image.json; "" when it has none */
	char *initramfs_sha256;
	char *vmlinux;		/* absolute paths */
	char *initramfs;
	char *modules_dir;	/* host copy of the guest's /lib/modules/VER */
};

/*
 * Load the image from dir, or if NULL from $NOOKS_IMAGE, or from
 * <dir of nooks binary>/../build/image.  -1 with an error printed when it
 * is missing or image.json is malformed.
 */
int image_load(const char *dir, struct image *img /* out */);
void image_release(struct image *img);

/*
 * Path (malloc'd) of a file of our kmod/NAME built for this image's kernel:
 * image_kmod_file(img, "nooks", "symvers") is its Module.symvers,
 * image_kmod_file(img, "khttpd", "ko") the module khttpd.ko.
 */
char *image_kmod_file(const struct image *img, const char *name, const char *what);

/* image_kmod_file() of the image in dir (NULL: the default one), checked to
 * exist; NULL with an error printed. */
char *image_find_kmod_file(const char *dir, const char *name, const char *what);

/* One line naming the kernel: "6.1.0-NN-amd64 (VERSION, fallback from X)". */
char *image_kernel_desc(const struct image *img);

#endif
