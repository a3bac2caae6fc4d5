// SPDX-License-Identifier: GPL-2.0
/*
 * park.c - the guest agent's side of trial snapshots: a guest booted to be
 * saved parks (PID 1 in park()) until the host writes a trial's payload
 * (payload.h) into the payload device of a restored copy; park() then sets
 * the clock, reseeds the RNG, unpacks the trial's files (a newc cpio) and
 * wipes the device, and the agent runs the trial as if it had booted.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <linux/random.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "agent.h"
#include "payload.h"

static unsigned long read_hex(const char *dir, const char *file)
{
	char path[512], buf[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", dir, file);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	return strtoul(buf, NULL, 16);
}

/* Map BAR 2 of the payload device (ivshmem-plain); NULL if absent. */
static volatile unsigned char *map_payload(size_t *size)
{
	DIR *d = opendir("/sys/bus/pci/devices");
	struct dirent *e;
	void *p = NULL;

	while (d && !p && (e = readdir(d))) {
		char path[512];
		struct stat st;
		int fd;

		if (e->d_name[0] == '.' || read_hex(e->d_name, "vendor") != PAYLOAD_PCI_VENDOR ||
		    read_hex(e->d_name, "device") != PAYLOAD_PCI_DEVICE)
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/enable", e->d_name);
		fd = open(path, O_WRONLY);
		if (fd >= 0 && read_hex(e->d_name, "enable") == 0 && write(fd, "1", 1) < 0)
			emit_simple("agent_error", "error", "cannot enable the payload device");
		if (fd >= 0)
			close(fd);
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource2", e->d_name);
		fd = open(path, O_RDWR | O_SYNC | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) || st.st_size <= PAYLOAD_DATA_OFF) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		close(fd);
		if (p == MAP_FAILED)
			p = NULL;
		else
			*size = (size_t)st.st_size;
	}
	if (d)
		closedir(d);
	return p;
}

/* Host randomness into the input pool, then a CRNG reseed: restored guests diverge. */
static void reseed(const uint8_t *seed)
{
	struct { int entropy_count, buf_size; uint8_t buf[PAYLOAD_SEED_LEN]; } e;
	int fd = open("/dev/urandom", O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	e.entropy_count = PAYLOAD_SEED_LEN * 8;
	e.buf_size = PAYLOAD_SEED_LEN;
	memcpy(e.buf, seed, PAYLOAD_SEED_LEN);
	if (ioctl(fd, RNDADDENTROPY, &e) || ioctl(fd, RNDRESEEDCRNG))
		emit_simple("agent_error", "error", "cannot reseed the guest CRNG");
	close(fd);
}

static unsigned long newc_field(const char *h, int i)
{
	char f[9];

	memcpy(f, h + 6 + 8 * i, 8);
	f[8] = '\0';
	return strtoul(f, NULL, 16);
}

/*
 * Unpack the payload (newc cpio: directories and regular files, as
 * initrd.c writes them) into /; 0 on success.  Done here rather than by
 * cpio(1): two fork+exec under TCG cost more than the whole unpack.
 */
static int unpack(const volatile unsigned char *vdata, uint64_t len)
{
	const char *data = (const char *)vdata;
	uint64_t off = 0;

	while (off + 110 <= len) {
		const char *h = data + off;
		unsigned long mode = newc_field(h, 1), size = newc_field(h, 6);
		unsigned long namesize = newc_field(h, 11);
		char path[512];
		uint64_t name_off = off + 110, data_off;

		if (memcmp(h, "070701", 6) || !namesize || namesize > 400 ||
		    name_off + namesize > len)
			return -1;
		snprintf(path, sizeof(path), "/%.*s", (int)namesize - 1, data + name_off);
		data_off = (name_off + namesize + 3) & ~3ull;
		if (!strcmp(path, "/TRAILER!!!"))
			return 0;
		if (data_off + size > len)
			return -1;
		if (S_ISDIR(mode)) {
			if (mkdir(path, mode & 07777) && errno != EEXIST)
				return -1;
		} else if (S_ISREG(mode)) {
			int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode & 07777);
			uint64_t done = 0;

			if (fd < 0)
				return -1;
			while (done < size) {
				ssize_t w = write(fd, data + data_off + done, size - done);

				if (w < 0 && errno == EINTR)
					continue;
				if (w <= 0)
					break;
				done += (uint64_t)w;
			}
			close(fd);
			if (done != size)
				return -1;
		}
		off = (data_off + size + 3) & ~3ull;
	}
	return -1;
}

/* Park until a restored copy of this guest gets its payload (payload.h). */
void park(void)
{
	volatile unsigned char *bar;
	struct payload_header h;
	long long last = 0;
	size_t size = 0;

	bar = map_payload(&size);
	if (!bar) {
		emit_simple("agent_error", "error", "park: no payload device");
		power_off(0);
	}
	if (park_preload()) {	/* the snapshot is not saved: trials boot fresh */
		emit_simple("agent_error", "error", "park: a preloaded module failed to load");
		power_off(0);
	}
	for (;;) {
		long long now = mono_ms();

		if (!memcmp((const void *)bar, PAYLOAD_MAGIC, 8))
			break;
		if (now - last >= PAYLOAD_PARKED_EVERY_MS) {
			emit(event("parked"));
			last = now;
		}
		usleep(1000);
	}
	__sync_synchronize();
	memcpy(&h, (const void *)bar, sizeof(h));
	if (h.len > size - PAYLOAD_DATA_OFF) {
		emit_simple("agent_error", "error", "park: payload larger than the device");
		power_off(0);
	}
	struct timespec ts = { (time_t)(h.realtime_ns / 1000000000ull),
			       (long)(h.realtime_ns % 1000000000ull) };

	clock_settime(CLOCK_REALTIME, &ts);
	reseed(h.seed);
	if (unpack(bar + PAYLOAD_DATA_OFF, h.len)) {
		emit_simple("agent_error", "error", "park: cannot unpack the payload");
		power_off(0);
	}
	/* wipe it: the manifest (and its key) is not read from the device again */
	for (size_t i = 0; i < (PAYLOAD_DATA_OFF + h.len + 7) / 8; i++)
		((volatile uint64_t *)bar)[i] = 0;
	munmap((void *)bar, size);
	unlink("/trial/park");
}
