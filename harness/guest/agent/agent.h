/*
 * agent.h - what the parts of the guest agent share: the event channel
 * and the trial (agent.c), snapshot parking (park.c) and the user-mode
 * recovery agent (recover.c).
 */
#ifndef NOOKS_AGENT_H
#define NOOKS_AGENT_H

#include <json-c/json.h>
#include <sys/types.h>

/* A new event object {"event": name}; emit() adds t_ms, writes it, frees it. */
json_object *event(const char *name);
void emit(json_object *o);
void emit_simple(const char *name, const char *key, const char *val);
long long mono_ms(void);	/* CLOCK_MONOTONIC */
void power_off(pid_t heartbeat);	/* does not return */
int park_preload(void);	/* load the manifest's preloaded modules */

/* park.c: wait for a restored guest's trial payload, then unpack it. */
void park(void);

/* Recovery agent (recover.c): scripts in RECOVER_DIR run after each NIM recovery. */
#define RECOVER_DIR "/run/nooks/recover.d"
/* Enable or disable it (manifest "recovery_agent"; default on). */
void recover_enable(int on);
/* Look at one NIM kernel log message; a "recovered" event queues a run. */
void recover_note_nim(const char *msg);
/* Run every registered script once per queued recovery; emits recovery_agent events. */
void recover_run_pending(void);

#endif
