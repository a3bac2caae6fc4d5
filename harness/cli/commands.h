/*
 * commands.h - the one table of `nooks` subcommands (X-macro).
 *
 * Each line: COMMAND(verb, summary).  The verb's implementation is
 * `int cmd_<verb>(int argc, char **argv)` in harness/cmd_<verb>.c; argv[0]
 * is the verb itself.  It returns the process exit status.  To add a
 * command, add one line here and one file; nothing else changes.
 */
COMMAND(vm,      "boot the guest image and run a command in it")
COMMAND(triage,  "decide from a kernel console log whether and how it crashed")
COMMAND(trial,   "run a trial manifest in a fresh guest and classify the outcome")
COMMAND(isolate, "bind a stock module's imports to NIM wrappers (nooks.ko)")
COMMAND(campaign, "run, resume and watch fault-injection campaigns")
COMMAND(report,  "write a campaign's HTML report, report.md and junit.xml")
COMMAND(compare, "compare two campaigns, or native vs nooks of one")
COMMAND(gate,    "CI gate: fail when a candidate is significantly worse")
COMMAND(workload, "list, prepare, run and check the guest workloads")
COMMAND(inject,  "apply seeded SWIFI code faults to a kernel module")
COMMAND(btf,     "the guest kernel's BTF: exports with prototypes, structs")
COMMAND(merge,   "merge the shard databases of one campaign into one")
COMMAND(export,  "write a campaign as KCIDB JSON (KernelCI)")
