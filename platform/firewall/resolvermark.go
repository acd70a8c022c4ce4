package firewall

// ResolverMark is the socket mark on the service's own DNS queries, which
// look up the endpoints of tunnels given by host name. The kill switch lets
// them reach any resolver (see FirewallPolicy.Rules); nothing else gets
// that mark. Its value stays clear of wg-quick's usual 0xca6c and of the
// marks tunnels pick.
const ResolverMark uint32 = 0x77670053
