/*
 * wl-vfat.c - VFAT workload: mount the FAT image (virtio-blk) with the
 * vfat driver, unpack src.tar into a source tree, then a compile-like mix
 * for --rounds rounds: per source file read + check, write an object as
 * name.o.tmp, rename it into place, a scratch directory with a dependency
 * file created, read back, unlinked and removed; then read back and check
 * every object, "link" them into one output file and check it, and clean
 * (unlink the objects) except after the last round.  Finally re-check the
 * source tree, sync and unmount.
 *
 * Contents are checked against the image's MANIFEST (CRC-32 per file) and
 * against the CRC-32 of everything this program wrote.  Metric: filesystem
 * operations per second (open/create, read, write, rename, unlink, mkdir,
 * rmdir, fsync counted one each) over the compile phase.
 *
 * A device without a FAT boot sector is a set-up error (exit 2); a FAT
 * image the driver will not mount, wrong bytes, or a failing file
 * operation is a functional failure (exit 1).  The host checks the image
 * with fsck.vfat -n after the trial; this program leaves the tree on it.
 */
#include "wl_common.h"

#include <sys/mount.h>

#define MAX_FILES 1024
#define PATH_LEN 256

struct src_file {
	char path[PATH_LEN];	/* relative to the tree root */
	uint32_t crc;
	size_t size;
	uint32_t obj_crc;
	size_t obj_size;
};

static struct src_file files[MAX_FILES];
static size_t n_files;
static unsigned long long ops;
static const char *mnt = "/mnt/fat";
static char buf[1 << 20];

#define FAILX(...) wl_finish(WL_FAIL, __VA_ARGS__)

static void pathf(char *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void pathf(char *out, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out, 512, fmt, ap);
	va_end(ap);
}

/* mkdir -p of the directory part of path (below mnt). */
static void mkdirs_for(const char *path)
{
	char p[512], *s;

	snprintf(p, sizeof(p), "%s", path);
	for (s = strchr(p + strlen(mnt) + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = 0;
		if (mkdir(p, 0755) == 0)
			ops++;
		else if (errno != EEXIST)
			FAILX("mkdir '%s': %s", p, strerror(errno));
		*s = '/';
	}
}

static void write_file(const char *path, const void *data, size_t n, int do_fsync)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		FAILX("create '%s': %s", path, strerror(errno));
	if (wl_write_full(fd, data, n))
		FAILX("write '%s': %s", path, strerror(errno));
	if (do_fsync && fsync(fd))
		FAILX("fsync '%s': %s", path, strerror(errno));
	if (close(fd))
		FAILX("close '%s': %s", path, strerror(errno));
	ops += 2 + (do_fsync != 0);
}

/* Read a whole file into buf; returns its size. */
static size_t read_file(const char *path)
{
	int fd = open(path, O_RDONLY);
	size_t n = 0;
	ssize_t r;

	if (fd < 0)
		FAILX("open '%s': %s", path, strerror(errno));
	while ((r = read(fd, buf + n, sizeof(buf) - n)) > 0)
		n += (size_t)r;
	if (r < 0)
		FAILX("read '%s': %s", path, strerror(errno));
	close(fd);
	ops += 2;
	return n;
}

static void check_file(const char *path, size_t size, uint32_t crc)
{
	size_t n = read_file(path);
	uint32_t got = wl_crc32(0, buf, n);

	if (n != size)
		FAILX("'%s' has %zu bytes, expected %zu", path, n, size);
	if (got != crc)
		FAILX("'%s' content wrong (CRC-32 %08x, expected %08x)", path, got, crc);
}

static void load_manifest(void)
{
	char path[512], *line, *save;
	size_t n;

	pathf(path, "%s/MANIFEST", mnt);
	n = read_file(path);
	buf[n] = 0;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct src_file *f = &files[n_files];
		unsigned long crc;
		char p[PATH_LEN];

		if (n_files == MAX_FILES)
			wl_finish(WL_INFRA, "MANIFEST lists more than %d files", MAX_FILES);
		if (sscanf(line, "%lx %zu %255s", &crc, &f->size, p) != 3)
			FAILX("MANIFEST line %zu unreadable", n_files + 1);
		f->crc = (uint32_t)crc;
		snprintf(f->path, sizeof(f->path), "%s", p);
		n_files++;
	}
	if (!n_files)
		FAILX("MANIFEST is empty");
}

static unsigned long octal(const char *s, size_t n)
{
	unsigned long v = 0;

	for (; n && *s == ' '; s++, n--)
		;
	for (; n && *s >= '0' && *s <= '7'; s++, n--)
		v = v * 8 + (unsigned long)(*s - '0');
	return v;
}

/* Unpack the ustar archive src.tar into mnt/src (regular files and dirs). */
static void unpack(void)
{
	char path[512];
	unsigned char hdr[512];
	int fd;
	size_t files_out = 0;

	pathf(path, "%s/src.tar", mnt);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		FAILX("open '%s': %s", path, strerror(errno));
	for (;;) {
		char name[300], out[512];
		unsigned long size;
		size_t padded;
		int ofd;

		if (wl_read_full(fd, hdr, sizeof(hdr)))
			FAILX("src.tar: truncated archive");
		if (!hdr[0])
			break;	/* end-of-archive block */
		if (memcmp(hdr + 257, "ustar", 5))
			FAILX("src.tar: bad header after %zu files", files_out);
		if (hdr[345])
			snprintf(name, sizeof(name), "%.155s/%.100s", hdr + 345, hdr);
		else
			snprintf(name, sizeof(name), "%.100s", hdr);
		size = octal((char *)hdr + 124, 12);
		padded = (size + 511) & ~511ul;
		pathf(out, "%s/src/%s", mnt, name);
		if (hdr[156] == '5') {
			mkdirs_for(out);
			continue;
		}
		if (hdr[156] != '0' && hdr[156] != 0)
			FAILX("src.tar: unexpected entry type '%c' for '%s'", hdr[156], name);
		if (padded > sizeof(buf) || wl_read_full(fd, buf, padded))
			FAILX("src.tar: '%s' truncated", name);
		mkdirs_for(out);
		ofd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (ofd < 0 || wl_write_full(ofd, buf, size) || close(ofd))
			FAILX("unpack '%s': %s", out, strerror(errno));
		ops += 2;
		files_out++;
	}
	close(fd);
	if (files_out != n_files)
		FAILX("src.tar holds %zu files, MANIFEST lists %zu", files_out, n_files);
}

static void verify_tree(const char *phase)
{
	size_t i;
	char path[512];

	for (i = 0; i < n_files; i++) {
		pathf(path, "%s/src/%s", mnt, files[i].path);
		check_file(path, files[i].size, files[i].crc);
	}
	wl_progress("\"phase\":\"%s\",\"files_ok\":%zu", phase, n_files);
}

/* One "compilation": source i of round r into its object. */
static void compile_one(size_t i, unsigned long r)
{
	struct src_file *f = &files[i];
	char src[512], tmp[512], obj[512], dep[512], depf[512];
	size_t n, k, h;

	pathf(src, "%s/src/%s", mnt, f->path);
	check_file(src, f->size, f->crc);
	n = f->size;
	h = (size_t)snprintf(buf + n, 128, "\nOBJ round %lu %s\n", r, f->path);
	for (k = 0; k < n; k++)
		buf[k] = (char)(buf[k] ^ (unsigned char)(r * 31 + k));
	f->obj_size = n + h;
	f->obj_crc = wl_crc32(0, buf, f->obj_size);
	pathf(obj, "%s/obj/%s.o", mnt, f->path);
	pathf(tmp, "%s.tmp", obj);
	mkdirs_for(obj);
	write_file(tmp, buf, f->obj_size, i % 16 == 0);
	if (rename(tmp, obj))
		FAILX("rename '%s': %s", tmp, strerror(errno));
	ops++;
	if (i % 8 == 0) {	/* a scratch directory with a dependency file */
		pathf(dep, "%s/obj/.deps-%zu", mnt, i);
		pathf(depf, "%s/%s.d", dep, strrchr(f->path, '/') + 1);
		if (mkdir(dep, 0755))
			FAILX("mkdir '%s': %s", dep, strerror(errno));
		k = (size_t)snprintf(buf, 512, "%s.o: %s\n", f->path, f->path);
		write_file(depf, buf, k, 0);
		check_file(depf, k, wl_crc32(0, buf, k));
		if (unlink(depf) || rmdir(dep))
			FAILX("remove '%s': %s", dep, strerror(errno));
		ops += 3;
	}
}

static void link_and_check(unsigned long r)
{
	char obj[512], out[512];
	size_t i, total = 0;
	uint32_t crc = 0;
	int fd;

	pathf(out, "%s/obj/vmlinux-%lu.bin", mnt, r);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		FAILX("create '%s': %s", out, strerror(errno));
	ops++;
	for (i = 0; i < n_files; i++) {
		pathf(obj, "%s/obj/%s.o", mnt, files[i].path);
		check_file(obj, files[i].obj_size, files[i].obj_crc);
		if (wl_write_full(fd, buf, files[i].obj_size))
			FAILX("write '%s': %s", out, strerror(errno));
		crc = wl_crc32(crc, buf, files[i].obj_size);
		total += files[i].obj_size;
		ops++;
	}
	if (close(fd))
		FAILX("close '%s': %s", out, strerror(errno));
	if (total <= sizeof(buf))
		check_file(out, total, crc);
}

static void clean(unsigned long r)
{
	char obj[512];
	size_t i;

	for (i = 0; i < n_files; i++) {
		pathf(obj, "%s/obj/%s.o", mnt, files[i].path);
		if (unlink(obj))
			FAILX("unlink '%s': %s", obj, strerror(errno));
		ops++;
	}
	pathf(obj, "%s/obj/vmlinux-%lu.bin", mnt, r);
	if (unlink(obj))
		FAILX("unlink '%s': %s", obj, strerror(errno));
	ops++;
}

/* The device exists and starts with a FAT boot sector? (else: infra) */
static void check_device(const char *dev)
{
	unsigned char bs[512];
	int fd = open(dev, O_RDONLY);

	if (fd < 0)
		wl_finish(WL_INFRA, "no disk '%s': %s (add --disk IMG)", dev, strerror(errno));
	if (wl_read_full(fd, bs, sizeof(bs)))
		wl_finish(WL_INFRA, "cannot read '%s'", dev);
	close(fd);
	if (bs[510] != 0x55 || bs[511] != 0xAA ||
	    (memcmp(bs + 54, "FAT", 3) && memcmp(bs + 82, "FAT", 3)))
		wl_finish(WL_INFRA, "'%s' holds no FAT filesystem (bad image)", dev);
}

int main(int argc, char **argv)
{
	const char *dev = "/dev/vda", *mode = "test";
	unsigned long rounds = 0, deadline = 300, r;
	const struct wl_opt opts[] = {
		{ "dev", 1, &dev, "block device with the FAT image (/dev/vda)" },
		{ "mnt", 1, &mnt, "mount point (/mnt/fat)" },
		{ "mode", 1, &mode, "test (default) or bench (more rounds)" },
		{ "rounds", 0, &rounds, "compile rounds (test 2, bench 5)" },
		{ "deadline", 0, &deadline, "fail after this many seconds (300)" },
	};
	uint64_t t0;
	double secs;
	size_t i;
	int bench;

	wl_name = "vfat";
	wl_parse(argc, argv, opts, WL_ARRAY_SIZE(opts));
	bench = wl_bench(mode);
	if (!rounds)
		rounds = bench ? 5 : 2;
	wl_check_deadline(deadline);
	wl_set_phase("mount");
	wl_deadline((unsigned)deadline);
	check_device(dev);
	mkdir(mnt, 0755);
	if (mount(dev, mnt, "vfat", 0, "shortname=mixed"))
		FAILX("mount '%s' (vfat): %s", dev, strerror(errno));
	wl_set_phase("unpack");
	load_manifest();
	unpack();
	verify_tree("unpack");
	wl_set_phase("compile");
	t0 = wl_now_ns();
	ops = 0;
	for (r = 0; r < rounds; r++) {
		for (i = 0; i < n_files; i++)
			compile_one(i, r);
		link_and_check(r);
		if (r + 1 < rounds)
			clean(r);
		wl_progress("\"phase\":\"compile\",\"round\":%lu,\"ops\":%llu", r + 1, ops);
	}
	secs = (double)(wl_now_ns() - t0) / 1e9;
	wl_metric("\"files\":%zu,\"rounds\":%lu,\"ops\":%llu,\"ops_per_s\":%.1f", n_files,
		  rounds, ops, (double)ops / secs);
	wl_set_phase("verify");
	verify_tree("verify");
	wl_set_phase("unmount");
	sync();
	if (umount(mnt))
		FAILX("umount '%s': %s", mnt, strerror(errno));
	wl_finish(WL_PASS, "%zu files unpacked and checked, %lu compile rounds intact, unmounted",
		  n_files, rounds);
}
