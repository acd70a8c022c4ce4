package netconf

import "net"

// Resolver on Windows is Go's own, which sends the queries from this
// process: the kill switch lets the service's executable reach any resolver
// (the mark's stand-in, see wfp.go). Windows' resolver would ask through
// the DNS Client service, which the kill switch holds to the tunnels' DNS.
func Resolver(uint32) *net.Resolver { return &net.Resolver{PreferGo: true} }
