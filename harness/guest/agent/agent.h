/*
 * agent.h - what the parts of the guest agent share: the event channel
 * (agent.c) and the user-mode recovery agent (recover.c).
 */
#ifndef NOOKS_AGENT_H
#define NOOKS_AGENT_H

#include <json-c/json.h>

/* A new event object {"event": name}; emit() adds t_ms, writes it, frees it. */
json_object *event(const char *name);
void emit(json_object *o);

/* Recovery agent (recover.c): scripts in RECOVER_DIR run after each NIM recovery. */
#define RECOVER_DIR "/run/nooks/recover.d"
/* Enable or disable it (manifest "recovery_agent"; default on). */
void recover_enable(int on);
/* Look at one NIM kernel log message; a "recovered" event queues a run. */
void recover_note_nim(const char *msg);
/* Run every registered script once per queued recovery; emits recovery_agent events. */
void recover_run_pending(void);

#endif
