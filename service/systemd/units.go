// Package systemd holds the systemd units that `wgtrayd install` writes and
// the packages install, so that both give the same hardened units.
package systemd

import _ "embed"

// Service runs `wgtrayd run` (wgtrayd.service).
//
//go:embed wgtrayd.service
var Service string

// KillSwitch restores the kill switch's rules early at boot
// (wgtray-killswitch.service).
//
//go:embed wgtray-killswitch.service
var KillSwitch string

// KillSwitchName is the kill-switch unit's file name.
const KillSwitchName = "wgtray-killswitch.service"

// PackagedBinary is where the packages put wgtrayd; the units name it.
const PackagedBinary = "/usr/bin/wgtrayd"
