//go:build !windows

package service

// serviceDependencies: the unit and the launchd job order the service
// themselves.
var serviceDependencies []string
