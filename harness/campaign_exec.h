/*
 * campaign_exec.h - the real trial executor of `nooks campaign run`: inject
 * the fault descriptor into the stock module with `nooks inject`, boot the
 * guest with the faulty module, run the workload, classify the outcome.
 */
#ifndef NOOKS_CAMPAIGN_EXEC_H
#define NOOKS_CAMPAIGN_EXEC_H

#include "campaign.h"
#include "image.h"

struct exec_ctx {
	char *nooks;		/* path of the nooks binary */
	char *guest_bin;	/* host directory of the guest's /bin/wl-* programs */
	struct image img;
	char *modules[SPEC_MAX_EXT];	/* stock module path per extension */
};

/* Check that everything the spec needs exists (image, injector, workloads,
 * modules, the NIM for nooks mode); one-line error otherwise. */
int exec_prepare(const struct campaign_spec *spec, const char *image_dir,
		 struct exec_ctx *x /* out */);
void exec_release(struct exec_ctx *x);
/* trial_exec_fn running one real trial. */
int exec_trial(void *ctx, const struct trial_request *rq, struct campaign_result *res);

#endif
