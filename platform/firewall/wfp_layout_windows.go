//go:build amd64 || arm64

package firewall

import "unsafe"

// The WFP structures must match their C layout on 64-bit Windows. Each
// line fails to compile (a negative array length) if a size or offset
// differs from the one fwpmtypes.h gives.
var (
	_ [unsafe.Sizeof(fwpmFilter0{}) - 200]byte
	_ [200 - unsafe.Sizeof(fwpmFilter0{})]byte
	_ [unsafe.Offsetof(fwpmFilter0{}.layerKey) - 64]byte
	_ [64 - unsafe.Offsetof(fwpmFilter0{}.layerKey)]byte
	_ [unsafe.Offsetof(fwpmFilter0{}.weight) - 96]byte
	_ [96 - unsafe.Offsetof(fwpmFilter0{}.weight)]byte
	_ [unsafe.Offsetof(fwpmFilter0{}.action) - 128]byte
	_ [128 - unsafe.Offsetof(fwpmFilter0{}.action)]byte
	_ [unsafe.Offsetof(fwpmFilter0{}.providerContextKey) - 152]byte
	_ [152 - unsafe.Offsetof(fwpmFilter0{}.providerContextKey)]byte
	_ [unsafe.Offsetof(fwpmFilter0{}.filterID) - 176]byte
	_ [176 - unsafe.Offsetof(fwpmFilter0{}.filterID)]byte
	_ [unsafe.Sizeof(fwpmFilterCondition0{}) - 40]byte
	_ [40 - unsafe.Sizeof(fwpmFilterCondition0{})]byte
	_ [unsafe.Sizeof(fwpmSession0{}) - 72]byte
	_ [72 - unsafe.Sizeof(fwpmSession0{})]byte
	_ [unsafe.Sizeof(fwpmSublayer0{}) - 72]byte
	_ [72 - unsafe.Sizeof(fwpmSublayer0{})]byte
	_ [unsafe.Sizeof(fwpmProvider0{}) - 64]byte
	_ [64 - unsafe.Sizeof(fwpmProvider0{})]byte
	_ [unsafe.Sizeof(fwpV6AddrAndMask{}) - 17]byte
	_ [17 - unsafe.Sizeof(fwpV6AddrAndMask{})]byte
)
