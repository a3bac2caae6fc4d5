// SPDX-License-Identifier: GPL-2.0
/* swifi_text_poke.c - kmod/common/text_poke.c, built into swifi.ko. */
#include "text_poke.c"
