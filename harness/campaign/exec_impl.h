/*
 * exec_impl.h - what the executor's files share (campaign_exec.c,
 * exec_profile.c); not for other users (their interface is campaign_exec.h).
 */
#ifndef NOOKS_EXEC_IMPL_H
#define NOOKS_EXEC_IMPL_H

#include <stdbool.h>

#include "campaign_exec.h"

/* The trial manifest (JSON text, malloc'd) of rq: see campaign_exec.c. */
char *exec_manifest_text(const struct trial_request *rq, const char *ko, const char *swifi,
			 const char *stock, const char *disk, const char *patch);
/* A fresh copy of rq's extension's disk in its trial directory (*disk NULL: none). */
int exec_prepare_disk(const struct trial_request *rq, char **disk, struct store_trial *r);
/* The fault types include a runtime type and profiles are not turned off. */
bool exec_wants_profile(const char *types);
/* rq's extension's call profile, made once per run; NULL when the profiling trial failed. */
struct exec_profile *exec_ensure_profile(struct exec_ctx *x, const struct trial_request *rq);

#endif
