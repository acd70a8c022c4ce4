package firewall

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"runtime"
	"unsafe"

	"golang.org/x/sys/windows"
)

// The Windows Filtering Platform's management API (fwpuclnt.dll): the few
// calls and structures the kill switch needs, laid out as fwpmtypes.h and
// fwptypes.h declare them for 64-bit Windows (wfp_layout_windows.go checks
// the sizes and offsets at compile time).

var (
	fwpuclnt                      = windows.NewLazySystemDLL("fwpuclnt.dll")
	procFwpmEngineOpen0           = fwpuclnt.NewProc("FwpmEngineOpen0")
	procFwpmEngineClose0          = fwpuclnt.NewProc("FwpmEngineClose0")
	procFwpmTransactionBegin0     = fwpuclnt.NewProc("FwpmTransactionBegin0")
	procFwpmTransactionCommit0    = fwpuclnt.NewProc("FwpmTransactionCommit0")
	procFwpmTransactionAbort0     = fwpuclnt.NewProc("FwpmTransactionAbort0")
	procFwpmProviderAdd0          = fwpuclnt.NewProc("FwpmProviderAdd0")
	procFwpmProviderDeleteByKey0  = fwpuclnt.NewProc("FwpmProviderDeleteByKey0")
	procFwpmSubLayerAdd0          = fwpuclnt.NewProc("FwpmSubLayerAdd0")
	procFwpmSubLayerDeleteByKey0  = fwpuclnt.NewProc("FwpmSubLayerDeleteByKey0")
	procFwpmFilterAdd0            = fwpuclnt.NewProc("FwpmFilterAdd0")
	procFwpmFilterDeleteByKey0    = fwpuclnt.NewProc("FwpmFilterDeleteByKey0")
	procFwpmFilterGetByKey0       = fwpuclnt.NewProc("FwpmFilterGetByKey0")
	procFwpmFreeMemory0           = fwpuclnt.NewProc("FwpmFreeMemory0")
	procFwpmGetAppIDFromFileName0 = fwpuclnt.NewProc("FwpmGetAppIdFromFileName0")
)

// WFP's errors (winerror.h).
const (
	fwpErrFilterNotFound   = windows.Errno(0x80320003)
	fwpErrProviderNotFound = windows.Errno(0x80320005)
	fwpErrSublayerNotFound = windows.Errno(0x80320007)
	fwpErrAlreadyExists    = windows.Errno(0x80320009)
)

const (
	rpcAuthnWinNT = 10 // RPC_C_AUTHN_WINNT

	fwpmProviderFlagPersistent = 0x1
	fwpmSublayerFlagPersistent = 0x1
	fwpmFilterFlagPersistent   = 0x1

	fwpActionBlock  = 0x1001 // FWP_ACTION_BLOCK | FWP_ACTION_FLAG_TERMINATING
	fwpActionPermit = 0x1002 // FWP_ACTION_PERMIT | FWP_ACTION_FLAG_TERMINATING

	fwpMatchEqual       = 0
	fwpMatchFlagsAllSet = 6

	fwpConditionFlagIsLoopback = 0x1
)

// FWP_DATA_TYPE.
const (
	fwpUint8                  = 1
	fwpUint16                 = 2
	fwpUint32                 = 3
	fwpUint64                 = 4
	fwpByteBlobType           = 12
	fwpSecurityDescriptorType = 14
	fwpV4AddrMask             = 0x100
	fwpV6AddrMask             = 0x101
)

type fwpmDisplayData0 struct {
	name        *uint16
	description *uint16
}

type fwpByteBlob struct {
	size uint32
	data *byte
}

type fwpmSession0 struct {
	sessionKey           windows.GUID
	displayData          fwpmDisplayData0
	flags                uint32
	txnWaitTimeoutInMSec uint32
	processID            uint32
	sid                  *windows.SID
	username             *uint16
	kernelMode           int32
}

type fwpmProvider0 struct {
	providerKey  windows.GUID
	displayData  fwpmDisplayData0
	flags        uint32
	providerData fwpByteBlob
	serviceName  *uint16
}

type fwpmSublayer0 struct {
	subLayerKey  windows.GUID
	displayData  fwpmDisplayData0
	flags        uint32
	providerKey  *windows.GUID
	providerData fwpByteBlob
	weight       uint16
}

// fwpValue0 is FWP_VALUE0 and FWP_CONDITION_VALUE0: a type and a union of
// small integers and pointers.
type fwpValue0 struct {
	typ   uint32
	value uintptr
}

type fwpmFilterCondition0 struct {
	fieldKey  windows.GUID
	matchType uint32
	value     fwpValue0
}

type fwpmAction0 struct {
	typ        uint32
	filterType windows.GUID
}

type fwpmFilter0 struct {
	filterKey           windows.GUID
	displayData         fwpmDisplayData0
	flags               uint32
	providerKey         *windows.GUID
	providerData        fwpByteBlob
	layerKey            windows.GUID
	subLayerKey         windows.GUID
	weight              fwpValue0
	numFilterConditions uint32
	filterCondition     *fwpmFilterCondition0
	action              fwpmAction0
	providerContextKey  [2]uint64 // a union of a UINT64 and a GUID
	reserved            *windows.GUID
	filterID            uint64
	effectiveWeight     fwpValue0
}

type fwpV4AddrAndMask struct {
	addr uint32
	mask uint32
}

type fwpV6AddrAndMask struct {
	addr         [16]byte
	prefixLength uint8
}

// Layers and condition fields (fwpmu.h).
var (
	fwpmLayerALEAuthConnectV4    = windows.GUID{Data1: 0xc38d57d1, Data2: 0x05a7, Data3: 0x4c33, Data4: [8]byte{0x90, 0x4f, 0x7f, 0xbc, 0xee, 0xe6, 0x0e, 0x82}}
	fwpmLayerALEAuthConnectV6    = windows.GUID{Data1: 0x4a72393b, Data2: 0x319f, Data3: 0x44bc, Data4: [8]byte{0x84, 0xc3, 0xba, 0x54, 0xdc, 0xb3, 0xb6, 0xb4}}
	fwpmLayerALEAuthRecvAcceptV4 = windows.GUID{Data1: 0xe1cd9fe7, Data2: 0xf4b5, Data3: 0x4273, Data4: [8]byte{0x96, 0xc0, 0x59, 0x2e, 0x48, 0x7b, 0x86, 0x50}}
	fwpmLayerALEAuthRecvAcceptV6 = windows.GUID{Data1: 0xa3b42c97, Data2: 0x9f04, Data3: 0x4672, Data4: [8]byte{0xb8, 0x7e, 0xce, 0xe9, 0xc4, 0x83, 0x25, 0x7f}}

	fwpmConditionFlags            = windows.GUID{Data1: 0x632ce23b, Data2: 0x5167, Data3: 0x435c, Data4: [8]byte{0x86, 0xd7, 0xe9, 0x03, 0x68, 0x4a, 0xa8, 0x0c}}
	fwpmConditionIPLocalInterface = windows.GUID{Data1: 0x4cd62a49, Data2: 0x59c3, Data3: 0x4969, Data4: [8]byte{0xb7, 0xf3, 0xbd, 0xa5, 0xd3, 0x28, 0x90, 0xa4}}
	fwpmConditionALEAppID         = windows.GUID{Data1: 0xd78e1e87, Data2: 0x8644, Data3: 0x4ea5, Data4: [8]byte{0x94, 0x37, 0xd8, 0x09, 0xec, 0xef, 0xc9, 0x71}}
	fwpmConditionALEUserID        = windows.GUID{Data1: 0xaf043a0a, Data2: 0xb34d, Data3: 0x4f86, Data4: [8]byte{0x97, 0x9c, 0xc9, 0x03, 0x71, 0xaf, 0x6e, 0x66}}
	fwpmConditionIPProtocol       = windows.GUID{Data1: 0x3971ef2b, Data2: 0x623e, Data3: 0x4f9a, Data4: [8]byte{0x8c, 0xb1, 0x6e, 0x79, 0xb8, 0x06, 0xb9, 0xa7}}
	fwpmConditionIPRemoteAddress  = windows.GUID{Data1: 0xb235ae9a, Data2: 0x1d64, Data3: 0x49b8, Data4: [8]byte{0xa4, 0x4c, 0x5f, 0xf3, 0xd9, 0x09, 0x50, 0x45}}
	fwpmConditionIPRemotePort     = windows.GUID{Data1: 0xc35a604d, Data2: 0xd22b, Data3: 0x4e1a, Data4: [8]byte{0x91, 0xb4, 0x68, 0xf6, 0x74, 0xee, 0x67, 0x4b}}
	fwpmConditionIPLocalPort      = windows.GUID{Data1: 0x0c1ba1af, Data2: 0x5765, Data3: 0x453f, Data4: [8]byte{0xaf, 0x22, 0xa8, 0xf7, 0x91, 0xac, 0x77, 0x5b}}
)

var wfpLayerKeys = map[wfpLayer]windows.GUID{
	wfpConnectV4: fwpmLayerALEAuthConnectV4,
	wfpConnectV6: fwpmLayerALEAuthConnectV6,
	wfpAcceptV4:  fwpmLayerALEAuthRecvAcceptV4,
	wfpAcceptV6:  fwpmLayerALEAuthRecvAcceptV6,
}

// wgtray's own WFP objects. Filter number i has the key wfpFilterKey(i):
// the kill switch finds its filters without enumerating the engine.
var (
	wfpProviderKey = windows.GUID{Data1: 0xdf01596d, Data2: 0x68c7, Data3: 0x4c19, Data4: [8]byte{0xa0, 0xde, 0xe8, 0x7f, 0x0a, 0xe1, 0x75, 0xf3}}
	wfpSublayerKey = windows.GUID{Data1: 0xece67829, Data2: 0x7ce8, Data3: 0x44c0, Data4: [8]byte{0x88, 0x73, 0x7f, 0xca, 0x75, 0x58, 0x75, 0xff}}
)

func wfpFilterKey(i int) windows.GUID {
	k := windows.GUID{Data1: 0x520def5a, Data2: 0x1631, Data3: 0x442a, Data4: [8]byte{0x87, 0xad}}
	binary.BigEndian.PutUint32(k.Data4[4:], uint32(i))
	return k
}

// wfpMaxFilters bounds the search for filters to remove.
const wfpMaxFilters = 1 << 16

func fwpCall(p *windows.LazyProc, args ...uintptr) error {
	r, _, _ := p.Call(args...)
	if r != 0 {
		return windows.Errno(r)
	}
	return nil
}

// wfpEngine is a session with the Base Filtering Engine. It is not dynamic:
// what it adds stays when the process ends.
type wfpEngine struct{ h windows.Handle }

func openWFP() (*wfpEngine, error) {
	name, err := windows.UTF16PtrFromString("wgtray kill switch")
	if err != nil {
		return nil, err
	}
	session := fwpmSession0{displayData: fwpmDisplayData0{name: name}, txnWaitTimeoutInMSec: 10000}
	var h windows.Handle
	err = fwpCall(procFwpmEngineOpen0, 0, rpcAuthnWinNT, 0, uintptr(unsafe.Pointer(&session)), uintptr(unsafe.Pointer(&h)))
	runtime.KeepAlive(name)
	if err != nil {
		return nil, fmt.Errorf("kill switch: open the Windows Filtering Platform (is the Base Filtering Engine service running?): %w", err)
	}
	return &wfpEngine{h: h}, nil
}

func (e *wfpEngine) close() { fwpCall(procFwpmEngineClose0, uintptr(e.h)) }

// transaction runs fn in a transaction: all of its changes or none.
func (e *wfpEngine) transaction(fn func() error) error {
	if err := fwpCall(procFwpmTransactionBegin0, uintptr(e.h), 0); err != nil {
		return fmt.Errorf("kill switch: begin a WFP transaction: %w", err)
	}
	if err := fn(); err != nil {
		fwpCall(procFwpmTransactionAbort0, uintptr(e.h))
		return err
	}
	if err := fwpCall(procFwpmTransactionCommit0, uintptr(e.h)); err != nil {
		return fmt.Errorf("kill switch: commit the WFP transaction: %w", err)
	}
	return nil
}

// hasFilters reports whether the kill switch's first filter exists.
func (e *wfpEngine) hasFilters() (bool, error) {
	key := wfpFilterKey(0)
	var f *fwpmFilter0
	err := fwpCall(procFwpmFilterGetByKey0, uintptr(e.h), uintptr(unsafe.Pointer(&key)), uintptr(unsafe.Pointer(&f)))
	if errors.Is(err, fwpErrFilterNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("kill switch: read the WFP filters: %w", err)
	}
	procFwpmFreeMemory0.Call(uintptr(unsafe.Pointer(&f)))
	return true, nil
}

// deleteFilters removes the kill switch's filters, numbered from 0 on
// without gaps.
func (e *wfpEngine) deleteFilters() error {
	for i := range wfpMaxFilters {
		key := wfpFilterKey(i)
		err := fwpCall(procFwpmFilterDeleteByKey0, uintptr(e.h), uintptr(unsafe.Pointer(&key)))
		if errors.Is(err, fwpErrFilterNotFound) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("kill switch: remove WFP filter %d: %w", i, err)
		}
	}
	return fmt.Errorf("kill switch: more than %d WFP filters of wgtray", wfpMaxFilters)
}

// addSublayer adds wgtray's provider and sublayer, unless they exist.
func (e *wfpEngine) addSublayer() error {
	name, err := windows.UTF16PtrFromString("wgtray")
	if err != nil {
		return err
	}
	provider := fwpmProvider0{providerKey: wfpProviderKey, displayData: fwpmDisplayData0{name: name}, flags: fwpmProviderFlagPersistent}
	err = fwpCall(procFwpmProviderAdd0, uintptr(e.h), uintptr(unsafe.Pointer(&provider)), 0)
	if err != nil && !errors.Is(err, fwpErrAlreadyExists) {
		return fmt.Errorf("kill switch: add the WFP provider: %w", err)
	}
	sublayer := fwpmSublayer0{
		subLayerKey: wfpSublayerKey,
		displayData: fwpmDisplayData0{name: name},
		flags:       fwpmSublayerFlagPersistent,
		providerKey: &wfpProviderKey,
		weight:      0xffff,
	}
	err = fwpCall(procFwpmSubLayerAdd0, uintptr(e.h), uintptr(unsafe.Pointer(&sublayer)), 0)
	runtime.KeepAlive(name)
	if err != nil && !errors.Is(err, fwpErrAlreadyExists) {
		return fmt.Errorf("kill switch: add the WFP sublayer: %w", err)
	}
	return nil
}

// deleteSublayer removes the sublayer and the provider, once their filters
// are gone.
func (e *wfpEngine) deleteSublayer() error {
	err := fwpCall(procFwpmSubLayerDeleteByKey0, uintptr(e.h), uintptr(unsafe.Pointer(&wfpSublayerKey)))
	if err != nil && !errors.Is(err, fwpErrSublayerNotFound) {
		return fmt.Errorf("kill switch: remove the WFP sublayer: %w", err)
	}
	err = fwpCall(procFwpmProviderDeleteByKey0, uintptr(e.h), uintptr(unsafe.Pointer(&wfpProviderKey)))
	if err != nil && !errors.Is(err, fwpErrProviderNotFound) {
		return fmt.Errorf("kill switch: remove the WFP provider: %w", err)
	}
	return nil
}

// appID is the WFP application identity of this executable, for the
// conditions on the service's own traffic; free releases it.
func appID() (blob *fwpByteBlob, free func(), err error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, nil, err
	}
	p, err := windows.UTF16PtrFromString(exe)
	if err != nil {
		return nil, nil, err
	}
	if err := fwpCall(procFwpmGetAppIDFromFileName0, uintptr(unsafe.Pointer(p)), uintptr(unsafe.Pointer(&blob))); err != nil {
		return nil, nil, fmt.Errorf("kill switch: application identity of %s: %w", exe, err)
	}
	return blob, func() { procFwpmFreeMemory0.Call(uintptr(unsafe.Pointer(&blob))) }, nil
}

// serviceUser is a security descriptor that grants FWP_ACTRL_MATCH_FILTER
// to the user this process runs as (LocalSystem for the service), for the
// conditions on the service's own traffic: another user who runs a copy of
// the executable does not match them.
func serviceUser() (*fwpByteBlob, error) {
	tu, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return nil, fmt.Errorf("kill switch: the service's user: %w", err)
	}
	sd, err := windows.SecurityDescriptorFromString("D:(A;;0x1;;;" + tu.User.Sid.String() + ")")
	if err != nil {
		return nil, fmt.Errorf("kill switch: security descriptor of the service's user: %w", err)
	}
	return &fwpByteBlob{size: sd.Length(), data: (*byte)(unsafe.Pointer(sd))}, nil
}

// wfpValues resolves what a filter's conditions refer to.
type wfpValues struct {
	app  *fwpByteBlob                // the service's application identity
	user *fwpByteBlob                // a security descriptor of the service's user
	luid func(string) (uint64, bool) // looks an interface up by name
}

// addFilter adds filter f as number i with the weight. It adds nothing, and
// reports false, when f names an interface that does not exist.
func (e *wfpEngine) addFilter(i int, f wfpFilter, weight uint64, v *wfpValues) (bool, error) {
	// The structures hold pointers as integers, which keep nothing alive:
	// keep holds what they point to, on the heap, until the call returns.
	var keep []any
	conds := make([]fwpmFilterCondition0, 0, len(f.Conditions))
	for _, c := range f.Conditions {
		fc := fwpmFilterCondition0{matchType: fwpMatchEqual}
		switch c.Field {
		case wfpLoopback:
			fc.fieldKey, fc.matchType = fwpmConditionFlags, fwpMatchFlagsAllSet
			fc.value = fwpValue0{typ: fwpUint32, value: fwpConditionFlagIsLoopback}
		case wfpInterface:
			luid, ok := v.luid(c.Interface)
			if !ok {
				return false, nil
			}
			p := new(uint64)
			*p = luid
			keep = append(keep, p)
			fc.fieldKey = fwpmConditionIPLocalInterface
			fc.value = fwpValue0{typ: fwpUint64, value: uintptr(unsafe.Pointer(p))}
		case wfpServiceApp:
			fc.fieldKey = fwpmConditionALEAppID
			fc.value = fwpValue0{typ: fwpByteBlobType, value: uintptr(unsafe.Pointer(v.app))}
			conds = append(conds, fwpmFilterCondition0{fieldKey: fwpmConditionALEUserID, matchType: fwpMatchEqual,
				value: fwpValue0{typ: fwpSecurityDescriptorType, value: uintptr(unsafe.Pointer(v.user))}})
		case wfpProtocol:
			fc.fieldKey = fwpmConditionIPProtocol
			fc.value = fwpValue0{typ: fwpUint8, value: uintptr(c.Protocol)}
		case wfpRemoteAddr:
			var m any
			fc.fieldKey = fwpmConditionIPRemoteAddress
			fc.value, m = addrMaskValue(c.Remote)
			keep = append(keep, m)
		case wfpRemotePort:
			fc.fieldKey = fwpmConditionIPRemotePort
			fc.value = fwpValue0{typ: fwpUint16, value: uintptr(c.Port)}
		case wfpLocalPort:
			fc.fieldKey = fwpmConditionIPLocalPort
			fc.value = fwpValue0{typ: fwpUint16, value: uintptr(c.Port)}
		}
		conds = append(conds, fc)
	}
	name, err := windows.UTF16PtrFromString("wgtray: " + f.Name)
	if err != nil {
		return false, err
	}
	w := new(uint64)
	*w = weight
	keep = append(keep, name, w)
	filter := fwpmFilter0{
		filterKey:           wfpFilterKey(i),
		displayData:         fwpmDisplayData0{name: name},
		flags:               fwpmFilterFlagPersistent,
		providerKey:         &wfpProviderKey,
		layerKey:            wfpLayerKeys[f.Layer],
		subLayerKey:         wfpSublayerKey,
		weight:              fwpValue0{typ: fwpUint64, value: uintptr(unsafe.Pointer(w))},
		numFilterConditions: uint32(len(conds)),
		action:              fwpmAction0{typ: fwpActionBlock},
	}
	if len(conds) > 0 {
		filter.filterCondition = &conds[0]
	}
	if f.Permit {
		filter.action.typ = fwpActionPermit
	}
	var id uint64
	err = fwpCall(procFwpmFilterAdd0, uintptr(e.h), uintptr(unsafe.Pointer(&filter)), 0, uintptr(unsafe.Pointer(&id)))
	runtime.KeepAlive(conds)
	runtime.KeepAlive(keep)
	if err != nil {
		return false, fmt.Errorf("kill switch: add WFP filter %s: %w", f, err)
	}
	return true, nil
}

// addrMaskValue is a prefix as FWP_V4_ADDR_MASK (host byte order) or
// FWP_V6_ADDR_MASK, and the structure it points to, to keep alive.
func addrMaskValue(p netip.Prefix) (fwpValue0, any) {
	if p.Addr().Is4() {
		m := new(fwpV4AddrAndMask)
		m.addr, m.mask = wfpV4AddrMask(p)
		return fwpValue0{typ: fwpV4AddrMask, value: uintptr(unsafe.Pointer(m))}, m
	}
	m := &fwpV6AddrAndMask{addr: p.Addr().As16(), prefixLength: uint8(p.Bits())}
	return fwpValue0{typ: fwpV6AddrMask, value: uintptr(unsafe.Pointer(m))}, m
}
