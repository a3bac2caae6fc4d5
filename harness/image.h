/*
 * image.h - find and describe the built guest image (build/image): vmlinux,
 * base initramfs and the kernel version recorded in image.json.
 */
#ifndef NOOKS_IMAGE_H
#define NOOKS_IMAGE_H

struct image {
	char *dir;
	char *kernel_version;	/* e.g. 6.1.0-56-amd64 */
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

#endif
