package netid

import (
	"fmt"
	"net"
	"net/netip"
	"unsafe"

	"golang.org/x/sys/windows"
	"golang.zx2c4.com/wireguard/windows/tunnel/winipcfg"

	"github.com/wgtray/wgtray/platform/netconf"
)

var (
	iphlpapi            = windows.NewLazySystemDLL("iphlpapi.dll")
	procGetIPNetTable2  = iphlpapi.NewProc("GetIpNetTable2")
	procFreeMibTable    = iphlpapi.NewProc("FreeMibTable")
	wlanapi             = windows.NewLazySystemDLL("wlanapi.dll")
	procWlanOpenHandle  = wlanapi.NewProc("WlanOpenHandle")
	procWlanCloseHandle = wlanapi.NewProc("WlanCloseHandle")
	procWlanQuery       = wlanapi.NewProc("WlanQueryInterface")
	procWlanFreeMemory  = wlanapi.NewProc("WlanFreeMemory")
)

// Current reads the identity of the network the preferred default route
// (one with a next hop: a tunnel's own on-link routes are not it) goes
// through: the gateway, its MAC from the neighbour table, and the SSID
// from the WLAN API when the interface is Wi-Fi.
func Current() (Identity, error) {
	var id Identity
	gw, luid, err := defaultGateway(windows.AF_INET)
	if err != nil {
		return Identity{}, err
	}
	gw6, luid6, err := defaultGateway(windows.AF_INET6)
	if err != nil {
		return Identity{}, err
	}
	if gw6.IsLinkLocalUnicast() {
		id.Router6 = gw6.WithZone("")
	}
	if !gw.IsValid() {
		gw, luid = gw6, luid6
	}
	if !gw.IsValid() {
		return Identity{}, nil
	}
	id.Gateway = gw.WithZone("")
	if row, err := luid.Interface(); err == nil {
		id.Interface = row.Alias()
	}
	mac, err := neighbourMAC(luid, gw)
	if err != nil {
		return Identity{}, err
	}
	id.GatewayMAC = mac
	if mac != "" {
		id.SSID = wifiSSID(luid)
	}
	return id, nil
}

func defaultGateway(family winipcfg.AddressFamily) (netip.Addr, winipcfg.LUID, error) {
	rows, err := winipcfg.GetIPForwardTable2(family)
	if err != nil {
		return netip.Addr{}, 0, fmt.Errorf("read the routing table: %w", err)
	}
	var best *winipcfg.MibIPforwardRow2
	for i, r := range rows {
		if r.DestinationPrefix.PrefixLength != 0 {
			continue
		}
		if nh := r.NextHop.Addr(); !nh.IsValid() || nh.IsUnspecified() {
			continue
		}
		if best == nil || r.Metric < best.Metric {
			best = &rows[i]
		}
	}
	if best == nil {
		return netip.Addr{}, 0, nil
	}
	return best.NextHop.Addr(), best.InterfaceLUID, nil
}

// mibIPNetRow2 is MIB_IPNET_ROW2.
type mibIPNetRow2 struct {
	address               winipcfg.RawSockaddrInet
	interfaceIndex        uint32
	interfaceLUID         winipcfg.LUID
	physicalAddress       [32]byte
	physicalAddressLength uint32
	state                 int32
	flags                 uint8
	reachabilityTime      uint32
}

// nlnsProbe and the states above it (delay, stale, reachable, permanent)
// hold an address; unreachable and incomplete do not.
const nlnsProbe = 2

// neighbourMAC is the MAC the neighbour table holds for ip on luid, or "".
func neighbourMAC(luid winipcfg.LUID, ip netip.Addr) (string, error) {
	family := windows.AF_INET
	if ip.Is6() {
		family = windows.AF_INET6
	}
	var table unsafe.Pointer
	if r, _, _ := procGetIPNetTable2.Call(uintptr(family), uintptr(unsafe.Pointer(&table))); r != 0 {
		return "", fmt.Errorf("read the neighbour table: %w", windows.Errno(r))
	}
	defer procFreeMibTable.Call(uintptr(table))
	n := *(*uint32)(table)
	rows := unsafe.Slice((*mibIPNetRow2)(unsafe.Add(table, 8)), n)
	for _, r := range rows {
		if r.interfaceLUID != luid || r.address.Addr().WithZone("") != ip.WithZone("") {
			continue
		}
		if r.state < nlnsProbe || r.physicalAddressLength != 6 {
			continue
		}
		return net.HardwareAddr(r.physicalAddress[:6]).String(), nil
	}
	return "", nil
}

// wlanCurrentConnection is wlan_intf_opcode_current_connection; its answer,
// WLAN_CONNECTION_ATTRIBUTES, holds the SSID's length at ssidOffset and
// its bytes after it.
const (
	wlanCurrentConnection = 7
	ssidOffset            = 4 + 4 + 256*2
)

// wifiSSID is the SSID the interface is associated with, or "" when it is
// not Wi-Fi or the WLAN service does not run.
func wifiSSID(luid winipcfg.LUID) string {
	guid, err := luid.GUID()
	if err != nil || procWlanOpenHandle.Find() != nil {
		return ""
	}
	var version uint32
	var h windows.Handle
	if r, _, _ := procWlanOpenHandle.Call(2, 0, uintptr(unsafe.Pointer(&version)), uintptr(unsafe.Pointer(&h))); r != 0 {
		return ""
	}
	defer procWlanCloseHandle.Call(uintptr(h), 0)
	var size uint32
	var data unsafe.Pointer
	if r, _, _ := procWlanQuery.Call(uintptr(h), uintptr(unsafe.Pointer(guid)), wlanCurrentConnection, 0,
		uintptr(unsafe.Pointer(&size)), uintptr(unsafe.Pointer(&data)), 0); r != 0 {
		return ""
	}
	defer procWlanFreeMemory.Call(uintptr(data))
	if size < ssidOffset+4+32 {
		return ""
	}
	length := *(*uint32)(unsafe.Add(data, ssidOffset))
	if length > 32 {
		return ""
	}
	return string(unsafe.Slice((*byte)(unsafe.Add(data, ssidOffset+4)), length))
}

// subscribe reports route and address changes. Windows has no neighbour
// change notification; a gateway's MAC is read again on the next change.
func subscribe(stop <-chan struct{}) (<-chan struct{}, error) {
	return netconf.WatchNetwork("", stop)
}
