/*
 * kbtf.h - the guest kernel's type information (BTF), read with libbpf:
 * prototypes of exported functions and struct layouts, for the NIM's
 * wrapper generator (kmod/nooks/wrappers/gen.py) and `nooks btf`.
 *
 * vmlinux's BTF is the .BTF section of the vmlinux ELF that
 * vm-images/fetch-kernel.sh cuts out of the Debian vmlinuz (KVMLINUX in
 * build/kernel.env); a module's BTF is the .BTF
 * section of its .ko, split on vmlinux's (CONFIG_DEBUG_INFO_BTF_MODULES).
 * Every declaration is printed by libbpf's btf_dump, so it is valid C for
 * the kernel's own headers.
 */
#ifndef NOOKS_KBTF_H
#define NOOKS_KBTF_H

#include <stdbool.h>
#include <stddef.h>

struct kbtf;	/* a loaded BTF, indexed by name (kbtf.c) */

/* A member of a struct that holds a function pointer (an ops slot). */
struct kbtf_slot {
	char name[64];
	size_t offset;		/* bytes */
	char ret[8];		/* what the function returns: "void", "ptr", "enum"
				 * (one with a 0 value) or "int" */
	bool xpc;		/* a closure stub can call it: at most 6 parameters,
				 * each and the result in one integer register */
};

/* A parameter that is a function pointer (a callback the kernel calls). */
struct kbtf_fnarg {
	size_t arg;		/* parameter index */
	char ret[8];		/* as in kbtf_slot */
	bool xpc;		/* as in kbtf_slot */
};

/*
 * A parameter that points to a struct with function-pointer members: what
 * an extension hands the kernel as an ops table (const) or as a struct it
 * owns whose callbacks the kernel calls (net_device_ops, ptp_clock_info).
 */
struct kbtf_ops_param {
	size_t arg;		/* parameter index */
	bool is_const;		/* pointer to const struct */
	char *name;		/* the struct's name */
	size_t size;		/* sizeof the struct */
	size_t nslots;
	struct kbtf_slot *slots;
};

/* A function's prototype, as C text. */
struct kbtf_proto {
	char *ret;		/* "void *", "int", ... */
	size_t nparams;
	char **params;		/* "size_t size", "irq_handler_t handler", ... */
	char **names;		/* the parameter names ("arg3" where BTF has none) */
	bool variadic;		/* a trailing "..." (not in params) */
	size_t nfnptr;		/* parameters that are function pointers (callbacks) */
	struct kbtf_fnarg *fnargs;	/* nfnptr of them */
	size_t nops;		/* parameters pointing to structs with callbacks */
	struct kbtf_ops_param *ops;
};

/* What an exported symbol is, from BTF. */
enum kbtf_kind {
	KBTF_FUNC,		/* a function with a prototype */
	KBTF_VAR,		/* a variable (BTF knows per-CPU variables only) */
	KBTF_UNKNOWN,		/* neither: data, or an assembly function */
};

/* vmlinux's BTF from a raw blob or an ELF file with .BTF; NULL + error. */
struct kbtf *kbtf_load_vmlinux(const char *path);
/*
 * A module's split BTF on top of base (vmlinux's); NULL + error.  Lookups
 * by name in it see the module's own types only; base must outlive it.
 */
struct kbtf *kbtf_load_module(const char *ko, struct kbtf *base);
void kbtf_free(struct kbtf *k);

enum kbtf_kind kbtf_kind_of(struct kbtf *k, const char *sym);
/* sym's prototype into *p (kbtf_proto_free it); -1 + error if no FUNC. */
int kbtf_proto(struct kbtf *k, const char *sym, struct kbtf_proto *p /* out */);
void kbtf_proto_free(struct kbtf_proto *p);

/*
 * struct `name`: its size and its function-pointer members (slots may be
 * NULL; *nslots /out/ is their count, at most cap are stored).  -1 + error
 * when BTF has no complete struct of that name.
 */
int kbtf_struct(struct kbtf *k, const char *name, size_t *size /* out */,
		struct kbtf_slot *slots, size_t cap, size_t *nslots /* out */);

#endif
