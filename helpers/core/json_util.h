/* SPDX-License-Identifier: GPL-2.0-or-later */
/* json_util.h — small json-c helpers shared by the report and the LUKS2 tokens. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>

/* Add KEY = VALUE (a string, or JSON null when VALUE is NULL) to object O.
 * Returns 0 or -ENOMEM. */
int json_add_string(json_object *o, const char *key, const char *value);

/* Add KEY = true or false.  Returns 0 or -ENOMEM. */
int json_add_bool(json_object *o, const char *key, bool value);
