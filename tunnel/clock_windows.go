package tunnel

import (
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

var (
	kernel32                       = windows.NewLazySystemDLL("kernel32.dll")
	procQueryInterruptTime         = kernel32.NewProc("QueryInterruptTime")
	procQueryUnbiasedInterruptTime = kernel32.NewProc("QueryUnbiasedInterruptTime")
)

// systemClock reads the interrupt time, which counts suspended time, less
// the unbiased interrupt time, which does not (both in 100 ns units).
type systemClock struct{}

func (systemClock) Slept() time.Duration {
	if procQueryInterruptTime.Find() != nil || procQueryUnbiasedInterruptTime.Find() != nil {
		return 0
	}
	var biased, unbiased uint64
	procQueryInterruptTime.Call(uintptr(unsafe.Pointer(&biased)))
	if r, _, _ := procQueryUnbiasedInterruptTime.Call(uintptr(unsafe.Pointer(&unbiased))); r == 0 {
		return 0
	}
	return time.Duration(biased-unbiased) * 100
}
