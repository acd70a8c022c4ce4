/*
 * Go 1.24 and later draw random numbers on Windows with ProcessPrng from
 * bcryptprimitives.dll, which Wine 8 does not have: without it a Go
 * program stops at start. This stand-in exports ProcessPrng over
 * BCryptGenRandom, which Wine does have. It goes into the test prefix's
 * system32 only (Go loads system DLLs from there), never into a package.
 */
#include <windows.h>
#include <bcrypt.h>

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
	while (len > 0) {
		ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
		if (BCryptGenRandom(NULL, data, n, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0)
			return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}
