/*
 * commands.h - the one table of `nooks` subcommands (X-macro).
 *
 * Each line: COMMAND(verb, summary).  The verb's implementation is
 * `int cmd_<verb>(int argc, char **argv)` in harness/cmd_<verb>.c; argv[0]
 * is the verb itself.  It returns the process exit status.  To add a
 * command, add one line here and one file; nothing else changes.
 */
COMMAND(vm,      "boot the guest image and run a command in it")
COMMAND(inject,  "apply seeded SWIFI code faults to a kernel module")
