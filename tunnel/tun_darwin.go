package tunnel

// tunMissing reports whether the OS lacks the TUN driver, with a hint; the
// TUN creation error says enough here.
func tunMissing() (string, bool) { return "", false }
