/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dl_crypto.h — libcrypto (OpenSSL 3), loaded with dlopen() only where a
 * digest, HMAC or signature check is made, not linked into the binary: the
 * largest library sealroot uses (4.7 MB), which a layout stage that merges
 * nothing never needs.
 *
 * dl_crypto_load() resolves the symbols listed below; it returns 0, or a
 * negative errno after logging what is missing (dlopen_lib.h).  The first
 * result is kept, so every entry point that reaches a libcrypto function
 * calls it first.
 *
 * Include this header instead of the <openssl/…> headers: it includes the
 * ones sealroot uses, then maps each listed function foo to the resolved
 * pointer dl_foo (OpenSSL's macros such as OPENSSL_free or sk_X509_num
 * expand to listed functions).  To use a new function: add it to the list
 * and add its #define line; the link fails on one that is missing, since
 * libcrypto is no longer on the link line.
 */
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "dlopen_lib.h"

#define DL_CRYPTO_SYMBOLS(X)                                                                       \
	X(ASN1_OBJECT_free)                                                                        \
	X(BIO_free)                                                                                \
	X(BIO_new_mem_buf)                                                                         \
	X(BN_bn2binpad)                                                                            \
	X(BN_free)                                                                                 \
	X(BN_get_word)                                                                             \
	X(BN_num_bits)                                                                             \
	X(CRYPTO_free)                                                                             \
	X(CRYPTO_memcmp)                                                                           \
	X(ECDSA_SIG_free)                                                                          \
	X(ECDSA_SIG_get0)                                                                          \
	X(ERR_clear_error)                                                                         \
	X(ERR_error_string_n)                                                                      \
	X(ERR_get_error)                                                                           \
	X(EVP_DecodeBlock)                                                                         \
	X(EVP_Digest)                                                                              \
	X(EVP_DigestFinal_ex)                                                                      \
	X(EVP_DigestInit_ex)                                                                       \
	X(EVP_DigestUpdate)                                                                        \
	X(EVP_MD_CTX_free)                                                                         \
	X(EVP_MD_CTX_new)                                                                          \
	X(EVP_MD_fetch)                                                                            \
	X(EVP_MD_get_size)                                                                         \
	X(EVP_PKEY_free)                                                                           \
	X(EVP_PKEY_get_base_id)                                                                    \
	X(EVP_PKEY_get_bn_param)                                                                   \
	X(EVP_PKEY_get_utf8_string_param)                                                          \
	X(EVP_get_digestbyname)                                                                    \
	X(EVP_sha256)                                                                              \
	X(EXTENDED_KEY_USAGE_free)                                                                 \
	X(HMAC)                                                                                    \
	X(OBJ_NAME_get)                                                                            \
	X(OBJ_cmp)                                                                                 \
	X(OBJ_obj2nid)                                                                             \
	X(OBJ_txt2obj)                                                                             \
	X(OPENSSL_init_crypto)                                                                     \
	X(OPENSSL_sk_free)                                                                         \
	X(OPENSSL_sk_new_null)                                                                     \
	X(OPENSSL_sk_num)                                                                          \
	X(OPENSSL_sk_pop_free)                                                                     \
	X(OPENSSL_sk_push)                                                                         \
	X(OPENSSL_sk_value)                                                                        \
	X(PEM_read_bio_PUBKEY)                                                                     \
	X(PEM_read_bio_X509)                                                                       \
	X(PKCS7_free)                                                                              \
	X(PKCS7_get0_signers)                                                                      \
	X(PKCS7_verify)                                                                            \
	X(X509_NAME_oneline)                                                                       \
	X(X509_STORE_add_cert)                                                                     \
	X(X509_STORE_free)                                                                         \
	X(X509_STORE_new)                                                                          \
	X(X509_STORE_set_flags)                                                                    \
	X(X509_STORE_set_purpose)                                                                  \
	X(X509_free)                                                                               \
	X(X509_get_ext_d2i)                                                                        \
	X(X509_get_extension_flags)                                                                \
	X(X509_get_key_usage)                                                                      \
	X(X509_get_subject_name)                                                                   \
	X(d2i_ECDSA_SIG)                                                                           \
	X(d2i_PKCS7)                                                                               \
	X(d2i_PUBKEY)                                                                              \
	X(d2i_X509)                                                                                \
	X(i2d_PublicKey)

DL_CRYPTO_SYMBOLS(DLOPEN_SYM_DECLARE)

int dl_crypto_load(void);

#define ASN1_OBJECT_free dl_ASN1_OBJECT_free
#define BIO_free dl_BIO_free
#define BIO_new_mem_buf dl_BIO_new_mem_buf
#define BN_bn2binpad dl_BN_bn2binpad
#define BN_free dl_BN_free
#define BN_get_word dl_BN_get_word
#define BN_num_bits dl_BN_num_bits
#define CRYPTO_free dl_CRYPTO_free
#define CRYPTO_memcmp dl_CRYPTO_memcmp
#define ECDSA_SIG_free dl_ECDSA_SIG_free
#define ECDSA_SIG_get0 dl_ECDSA_SIG_get0
#define ERR_clear_error dl_ERR_clear_error
#define ERR_error_string_n dl_ERR_error_string_n
#define ERR_get_error dl_ERR_get_error
#define EVP_DecodeBlock dl_EVP_DecodeBlock
#define EVP_Digest dl_EVP_Digest
#define EVP_DigestFinal_ex dl_EVP_DigestFinal_ex
#define EVP_DigestInit_ex dl_EVP_DigestInit_ex
#define EVP_DigestUpdate dl_EVP_DigestUpdate
#define EVP_MD_CTX_free dl_EVP_MD_CTX_free
#define EVP_MD_CTX_new dl_EVP_MD_CTX_new
#define EVP_MD_fetch dl_EVP_MD_fetch
#define EVP_MD_get_size dl_EVP_MD_get_size
#define EVP_PKEY_free dl_EVP_PKEY_free
#define EVP_PKEY_get_base_id dl_EVP_PKEY_get_base_id
#define EVP_PKEY_get_bn_param dl_EVP_PKEY_get_bn_param
#define EVP_PKEY_get_utf8_string_param dl_EVP_PKEY_get_utf8_string_param
#define EVP_get_digestbyname dl_EVP_get_digestbyname
#define EVP_sha256 dl_EVP_sha256
#define EXTENDED_KEY_USAGE_free dl_EXTENDED_KEY_USAGE_free
#define HMAC dl_HMAC
#define OBJ_NAME_get dl_OBJ_NAME_get
#define OBJ_cmp dl_OBJ_cmp
#define OBJ_obj2nid dl_OBJ_obj2nid
#define OBJ_txt2obj dl_OBJ_txt2obj
#define OPENSSL_init_crypto dl_OPENSSL_init_crypto
#define OPENSSL_sk_free dl_OPENSSL_sk_free
#define OPENSSL_sk_new_null dl_OPENSSL_sk_new_null
#define OPENSSL_sk_num dl_OPENSSL_sk_num
#define OPENSSL_sk_pop_free dl_OPENSSL_sk_pop_free
#define OPENSSL_sk_push dl_OPENSSL_sk_push
#define OPENSSL_sk_value dl_OPENSSL_sk_value
#define PEM_read_bio_PUBKEY dl_PEM_read_bio_PUBKEY
#define PEM_read_bio_X509 dl_PEM_read_bio_X509
#define PKCS7_free dl_PKCS7_free
#define PKCS7_get0_signers dl_PKCS7_get0_signers
#define PKCS7_verify dl_PKCS7_verify
#define X509_NAME_oneline dl_X509_NAME_oneline
#define X509_STORE_add_cert dl_X509_STORE_add_cert
#define X509_STORE_free dl_X509_STORE_free
#define X509_STORE_new dl_X509_STORE_new
#define X509_STORE_set_flags dl_X509_STORE_set_flags
#define X509_STORE_set_purpose dl_X509_STORE_set_purpose
#define X509_free dl_X509_free
#define X509_get_ext_d2i dl_X509_get_ext_d2i
#define X509_get_extension_flags dl_X509_get_extension_flags
#define X509_get_key_usage dl_X509_get_key_usage
#define X509_get_subject_name dl_X509_get_subject_name
#define d2i_ECDSA_SIG dl_d2i_ECDSA_SIG
#define d2i_PKCS7 dl_d2i_PKCS7
#define d2i_PUBKEY dl_d2i_PUBKEY
#define d2i_X509 dl_d2i_X509
#define i2d_PublicKey dl_i2d_PublicKey
