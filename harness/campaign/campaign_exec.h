/*
 * campaign_exec.h - the real trial executor of `nooks campaign run`: inject
 * the fault descriptor into the stock module (injector/injection.h,
 * in-process), boot the guest with the faulty module, run the workload,
 * classify the outcome.
 */
#ifndef NOOKS_CAMPAIGN_EXEC_H
#define NOOKS_CAMPAIGN_EXEC_H

#include <pthread.h>

#include "campaign.h"
#include "image.h"

/* An extension's call profile (runtime faults), made once per campaign run. */
struct exec_profile {
	char *path, *key, *json;	/* NULL until made or loaded */
};

struct exec_ctx {
	struct image img;
	char *swifi_symvers;	/* the image's Module.symvers of swifi.ko (runtime faults) */
	char *nooks_symvers;	/* and of nooks.ko (isolation) */
	char *modules[SPEC_MAX_EXT];	/* stock module path per extension */
	const char *stock[SPEC_MAX_EXT];	/* stock module the workload needs, or NULL */
	pthread_mutex_t profile_lock;		/* one profiling trial at a time */
	struct exec_profile profile[SPEC_MAX_EXT];
	struct plan_sites sites;	/* candidate sites per extension and spec type */
};

/* Check that everything the spec needs exists (image, injector, workloads,
 * modules, the NIM for nooks mode) and count each module's candidate sites
 * per fault type (x->sites, for the planner); one-line error otherwise. */
int exec_prepare(const struct campaign_spec *spec, const char *image_dir,
		 struct exec_ctx *x /* out */);
void exec_release(struct exec_ctx *x);
/* trial_exec_fn running one real trial. */
int exec_trial(void *ctx, const struct trial_request *rq, struct store_trial *res);
/* trial_cancel_fn: kill the VMs of the running trials, start no more. */
void exec_cancel(void *ctx);

#endif
