// SPDX-License-Identifier: GPL-2.0
/* nooks_text_poke.c - kmod/common/text_poke.c, built into nooks.ko. */
#include "text_poke.c"
