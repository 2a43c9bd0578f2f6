/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dl_tss2.h — tpm2-tss, loaded with dlopen() only by the stages that talk
 * to the TPM (persist, lock, provisioning), not linked into the binary.
 *
 * dl_tss2_load() opens libtss2-esys, -sys, -mu, -rc and -tctildr and
 * resolves the symbols listed below; it returns 0, or a negative errno after
 * logging which library or symbol is missing (dlopen_lib.h).  It is cheap to
 * call again (the first result is kept), so every tpm2.c / pcr_pubkey.c
 * entry point that reaches a tpm2-tss function calls it first.
 *
 * Include this header instead of the <tss2/…> headers: after it, a call
 * Esys_Foo(…) goes through the resolved pointer dl_Esys_Foo.  To use a new
 * function: add it to the list of its library and add its #define line.
 */
#pragma once

#include <tss2/tss2_esys.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_sys.h>
#include <tss2/tss2_tctildr.h>

#include "dlopen_lib.h"

#define DL_TSS2_ESYS_SYMBOLS(X)                                                                    \
	X(Esys_Create)                                                                             \
	X(Esys_CreatePrimary)                                                                      \
	X(Esys_Finalize)                                                                           \
	X(Esys_FlushContext)                                                                       \
	X(Esys_Free)                                                                               \
	X(Esys_GetRandom)                                                                          \
	X(Esys_GetSysContext)                                                                      \
	X(Esys_Initialize)                                                                         \
	X(Esys_Load)                                                                               \
	X(Esys_LoadExternal)                                                                       \
	X(Esys_NV_DefineSpace)                                                                     \
	X(Esys_NV_Read)                                                                            \
	X(Esys_NV_ReadPublic)                                                                      \
	X(Esys_NV_SetBits)                                                                         \
	X(Esys_NV_UndefineSpace)                                                                   \
	X(Esys_PCR_Extend)                                                                         \
	X(Esys_PCR_Read)                                                                           \
	X(Esys_PolicyAuthorize)                                                                    \
	X(Esys_PolicyCommandCode)                                                                  \
	X(Esys_PolicyGetDigest)                                                                    \
	X(Esys_PolicyNV)                                                                           \
	X(Esys_PolicyOR)                                                                           \
	X(Esys_PolicyPCR)                                                                          \
	X(Esys_StartAuthSession)                                                                   \
	X(Esys_Startup)                                                                            \
	X(Esys_TRSess_SetAttributes)                                                               \
	X(Esys_TR_Close)                                                                           \
	X(Esys_TR_FromTPMPublic)                                                                   \
	X(Esys_TR_GetName)                                                                         \
	X(Esys_Unseal)                                                                             \
	X(Esys_VerifySignature)
#define DL_TSS2_SYS_SYMBOLS(X) X(Tss2_Sys_GetRpBuffer)
#define DL_TSS2_MU_SYMBOLS(X)                                                                      \
	X(Tss2_MU_TPM2B_PRIVATE_Marshal)                                                           \
	X(Tss2_MU_TPM2B_PRIVATE_Unmarshal)                                                         \
	X(Tss2_MU_TPM2B_PUBLIC_Marshal)                                                            \
	X(Tss2_MU_TPM2B_PUBLIC_Unmarshal)                                                          \
	X(Tss2_MU_TPML_PCR_SELECTION_Marshal)                                                      \
	X(Tss2_MU_TPMS_NV_PUBLIC_Marshal)                                                          \
	X(Tss2_MU_TPMT_PUBLIC_Marshal)
#define DL_TSS2_RC_SYMBOLS(X) X(Tss2_RC_Decode)
#define DL_TSS2_TCTILDR_SYMBOLS(X)                                                                 \
	X(Tss2_TctiLdr_Finalize)                                                                   \
	X(Tss2_TctiLdr_Initialize)

DL_TSS2_ESYS_SYMBOLS(DLOPEN_SYM_DECLARE)
DL_TSS2_SYS_SYMBOLS(DLOPEN_SYM_DECLARE)
DL_TSS2_MU_SYMBOLS(DLOPEN_SYM_DECLARE)
DL_TSS2_RC_SYMBOLS(DLOPEN_SYM_DECLARE)
DL_TSS2_TCTILDR_SYMBOLS(DLOPEN_SYM_DECLARE)

int dl_tss2_load(void);

#define Esys_Create dl_Esys_Create
#define Esys_CreatePrimary dl_Esys_CreatePrimary
#define Esys_Finalize dl_Esys_Finalize
#define Esys_FlushContext dl_Esys_FlushContext
#define Esys_Free dl_Esys_Free
#define Esys_GetRandom dl_Esys_GetRandom
#define Esys_GetSysContext dl_Esys_GetSysContext
#define Esys_Initialize dl_Esys_Initialize
#define Esys_Load dl_Esys_Load
#define Esys_LoadExternal dl_Esys_LoadExternal
#define Esys_PCR_Extend dl_Esys_PCR_Extend
#define Esys_PCR_Read dl_Esys_PCR_Read
#define Esys_PolicyAuthorize dl_Esys_PolicyAuthorize
#define Esys_PolicyGetDigest dl_Esys_PolicyGetDigest
#define Esys_PolicyPCR dl_Esys_PolicyPCR
#define Esys_StartAuthSession dl_Esys_StartAuthSession
#define Esys_Startup dl_Esys_Startup
#define Esys_TRSess_SetAttributes dl_Esys_TRSess_SetAttributes
#define Esys_TR_GetName dl_Esys_TR_GetName
#define Esys_Unseal dl_Esys_Unseal
#define Esys_VerifySignature dl_Esys_VerifySignature
#define Tss2_Sys_GetRpBuffer dl_Tss2_Sys_GetRpBuffer
#define Tss2_MU_TPM2B_PRIVATE_Marshal dl_Tss2_MU_TPM2B_PRIVATE_Marshal
#define Tss2_MU_TPM2B_PRIVATE_Unmarshal dl_Tss2_MU_TPM2B_PRIVATE_Unmarshal
#define Tss2_MU_TPM2B_PUBLIC_Marshal dl_Tss2_MU_TPM2B_PUBLIC_Marshal
#define Tss2_MU_TPM2B_PUBLIC_Unmarshal dl_Tss2_MU_TPM2B_PUBLIC_Unmarshal
#define Tss2_MU_TPML_PCR_SELECTION_Marshal dl_Tss2_MU_TPML_PCR_SELECTION_Marshal
#define Tss2_MU_TPMT_PUBLIC_Marshal dl_Tss2_MU_TPMT_PUBLIC_Marshal
#define Tss2_RC_Decode dl_Tss2_RC_Decode
#define Tss2_TctiLdr_Finalize dl_Tss2_TctiLdr_Finalize
#define Tss2_TctiLdr_Initialize dl_Tss2_TctiLdr_Initialize
#define Tss2_MU_TPMS_NV_PUBLIC_Marshal dl_Tss2_MU_TPMS_NV_PUBLIC_Marshal
#define Esys_TR_FromTPMPublic dl_Esys_TR_FromTPMPublic
#define Esys_TR_Close dl_Esys_TR_Close
#define Esys_PolicyOR dl_Esys_PolicyOR
#define Esys_PolicyNV dl_Esys_PolicyNV
#define Esys_PolicyCommandCode dl_Esys_PolicyCommandCode
#define Esys_NV_UndefineSpace dl_Esys_NV_UndefineSpace
#define Esys_NV_SetBits dl_Esys_NV_SetBits
#define Esys_NV_ReadPublic dl_Esys_NV_ReadPublic
#define Esys_NV_Read dl_Esys_NV_Read
#define Esys_NV_DefineSpace dl_Esys_NV_DefineSpace
