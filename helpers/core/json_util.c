// SPDX-License-Identifier: GPL-2.0-or-later
/* json_util.c — see json_util.h. */
#include <errno.h>

#include "json_util.h"

/* Add V (NULL: allocation failed) as KEY; V is released on failure. */
static int add_value(json_object *o, const char *key, json_object *v)
{
	if (!v)
		return -ENOMEM;
	if (json_object_object_add(o, key, v) < 0) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

int json_add_string(json_object *o, const char *key, const char *value)
{
	if (!value)
		return json_object_object_add(o, key, NULL) < 0 ? -ENOMEM : 0;
	return add_value(o, key, json_object_new_string(value));
}

int json_add_bool(json_object *o, const char *key, bool value)
{
	return add_value(o, key, json_object_new_boolean(value));
}
