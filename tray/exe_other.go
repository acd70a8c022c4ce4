//go:build !windows

package tray

const exeSuffix = ""
