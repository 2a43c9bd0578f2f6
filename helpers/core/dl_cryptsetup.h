/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dl_cryptsetup.h — libcryptsetup, loaded with dlopen() only by the stages
 * that open, create or close a dm-verity / LUKS2 volume (it pulls in
 * libdevmapper, libargon2, libudev …), not linked into the binary.
 *
 * dl_cryptsetup_load() resolves the symbols listed below and turns off
 * libcryptsetup's external token plugins (sealroot reads its systemd-tpm2
 * token itself; systemd's plugin would map libsystemd-shared and a dozen
 * libraries more); it returns 0, or a negative errno after logging what is
 * missing (dlopen_lib.h).  The first
 * result is kept, so each entry point that creates a struct crypt_device
 * (luks_load, luks_format, verity …, lock_close_volume) calls it first.
 *
 * Include this header (crypt_util.h does) instead of <libcryptsetup.h>:
 * after it, crypt_foo(…) calls the resolved pointer dl_crypt_foo.  To use
 * a new function: add it to the list and add its #define line.
 */
#pragma once

#include <libcryptsetup.h>

#include "dlopen_lib.h"

#define DL_CRYPTSETUP_SYMBOLS(X)                                                                   \
	X(crypt_activate_by_passphrase)                                                            \
	X(crypt_activate_by_signed_key)                                                            \
	X(crypt_activate_by_volume_key)                                                            \
	X(crypt_deactivate)                                                                        \
	X(crypt_deactivate_by_name)                                                                \
	X(crypt_format)                                                                            \
	X(crypt_free)                                                                              \
	X(crypt_get_label)                                                                         \
	X(crypt_get_subsystem)                                                                     \
	X(crypt_get_type)                                                                          \
	X(crypt_get_uuid)                                                                          \
	X(crypt_get_verity_info)                                                                   \
	X(crypt_get_volume_key_size)                                                               \
	X(crypt_init)                                                                              \
	X(crypt_init_data_device)                                                                  \
	X(crypt_keyslot_add_by_passphrase)                                                         \
	X(crypt_keyslot_add_by_volume_key)                                                         \
	X(crypt_keyslot_destroy)                                                                   \
	X(crypt_keyslot_max)                                                                       \
	X(crypt_keyslot_status)                                                                    \
	X(crypt_load)                                                                              \
	X(crypt_set_debug_level)                                                                   \
	X(crypt_set_label)                                                                         \
	X(crypt_set_log_callback)                                                                  \
	X(crypt_set_pbkdf_type)                                                                    \
	X(crypt_status)                                                                            \
	X(crypt_token_json_get)                                                                    \
	X(crypt_token_json_set)                                                                    \
	X(crypt_token_external_disable)                                                            \
	X(crypt_token_status)                                                                      \
	X(crypt_volume_key_get)

DL_CRYPTSETUP_SYMBOLS(DLOPEN_SYM_DECLARE)

int dl_cryptsetup_load(void);

#define crypt_activate_by_passphrase dl_crypt_activate_by_passphrase
#define crypt_activate_by_signed_key dl_crypt_activate_by_signed_key
#define crypt_activate_by_volume_key dl_crypt_activate_by_volume_key
#define crypt_deactivate dl_crypt_deactivate
#define crypt_deactivate_by_name dl_crypt_deactivate_by_name
#define crypt_format dl_crypt_format
#define crypt_free dl_crypt_free
#define crypt_get_label dl_crypt_get_label
#define crypt_get_subsystem dl_crypt_get_subsystem
#define crypt_get_type dl_crypt_get_type
#define crypt_get_uuid dl_crypt_get_uuid
#define crypt_get_verity_info dl_crypt_get_verity_info
#define crypt_get_volume_key_size dl_crypt_get_volume_key_size
#define crypt_init dl_crypt_init
#define crypt_init_data_device dl_crypt_init_data_device
#define crypt_keyslot_add_by_passphrase dl_crypt_keyslot_add_by_passphrase
#define crypt_keyslot_add_by_volume_key dl_crypt_keyslot_add_by_volume_key
#define crypt_keyslot_destroy dl_crypt_keyslot_destroy
#define crypt_keyslot_max dl_crypt_keyslot_max
#define crypt_keyslot_status dl_crypt_keyslot_status
#define crypt_load dl_crypt_load
#define crypt_set_debug_level dl_crypt_set_debug_level
#define crypt_set_label dl_crypt_set_label
#define crypt_set_log_callback dl_crypt_set_log_callback
#define crypt_set_pbkdf_type dl_crypt_set_pbkdf_type
#define crypt_status dl_crypt_status
#define crypt_token_json_get dl_crypt_token_json_get
#define crypt_token_json_set dl_crypt_token_json_set
#define crypt_token_external_disable dl_crypt_token_external_disable
#define crypt_token_status dl_crypt_token_status
#define crypt_volume_key_get dl_crypt_volume_key_get
