/*
 * exec_impl.h - what the executor's files share (campaign_exec.c,
 * exec_profile.c); not for other users (their interface is campaign_exec.h).
 */
#ifndef NOOKS_EXEC_IMPL_H
#define NOOKS_EXEC_IMPL_H

#include <stdbool.h>

#include "campaign_exec.h"
#include "manifest.h"

/*
 * The trial manifest of rq, built in m (manifest_release() frees it):
 * nooks.ko in the isolated modes, swifi.ko with params swifi (runtime faults
 * armed, or "arm=none" as a transient fault's writer; NULL: none), the
 * module ko, the stock module the workload needs, the devices, the trial's
 * disk (or none), the workload with a transient fault's live patch and
 * trigger in its environment (patch NULL: none), the spec's kernel options
 * and deadlines.
 */
void exec_manifest(const struct trial_request *rq, const char *ko, const char *swifi,
		   const char *stock, const char *disk, const char *patch,
		   struct trial_manifest *m /* out */);
/* A fresh copy of rq's extension's disk in its trial directory (*disk NULL: none). */
int exec_prepare_disk(const struct trial_request *rq, char **disk, struct store_trial *r);
/* The fault types include a runtime type and profiles are not turned off. */
bool exec_wants_profile(const char *types);
/* rq's extension's call profile, made once per run; NULL when the profiling trial failed. */
struct exec_profile *exec_ensure_profile(struct exec_ctx *x, const struct trial_request *rq);

#endif
