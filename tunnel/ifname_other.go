//go:build !darwin

package tunnel

// tunName is the TUN device to ask for: the tunnel's own name.
func tunName(name string) string { return name }

// The UAPI socket already carries the tunnel's name: there is nothing to
// link it to.
func linkUAPI(string, string) error { return nil }

func unlinkUAPI(string) error { return nil }
