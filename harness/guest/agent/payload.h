/*
 * payload.h - the parked-guest payload protocol, shared by the host
 * (harness/vm/snapshot.c) and the guest agent (agent.c).
 *
 * A guest restored from a parked snapshot gets its trial through an
 * ivshmem-plain PCI device (vendor 0x1af4, device 0x1110, BAR 2) backed by a
 * per-trial host file.  The parked agent prints {"event":"parked"} on the
 * agent channel every PAYLOAD_PARKED_EVERY_MS and polls the header; the host
 * waits for the first "parked" line of a restored guest (so QEMU's restore
 * can no longer overwrite the file), writes the cpio at PAYLOAD_DATA_OFF,
 * then the header with the magic last.  Changing this layout changes the
 * agent, hence the initramfs, hence every snapshot key.
 */
#ifndef NOOKS_PAYLOAD_H
#define NOOKS_PAYLOAD_H

#include <stdint.h>

#define PAYLOAD_MAGIC "NOOKSPL1"	/* 8 bytes, no NUL stored */
#define PAYLOAD_MEM_MB 32		/* BAR size (a power of two) */
#define PAYLOAD_DATA_OFF 4096
#define PAYLOAD_MAX_LEN ((uint64_t)PAYLOAD_MEM_MB * 1024 * 1024 - PAYLOAD_DATA_OFF)
#define PAYLOAD_PCI_VENDOR 0x1af4
#define PAYLOAD_PCI_DEVICE 0x1110
#define PAYLOAD_PCI_SLOT 0x1f		/* last slot: no trial device moves */
#define PAYLOAD_PARKED_EVERY_MS 20
#define PAYLOAD_SEED_LEN 64

struct payload_header {
	char magic[8];			/* PAYLOAD_MAGIC once the payload is complete */
	uint64_t len;			/* cpio bytes at PAYLOAD_DATA_OFF */
	uint64_t realtime_ns;		/* host CLOCK_REALTIME when written */
	uint8_t seed[PAYLOAD_SEED_LEN];	/* host randomness for the guest's CRNG */
};

#endif
