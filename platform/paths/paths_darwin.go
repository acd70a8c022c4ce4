package paths

// The socket has a directory of its own, which ListenIPC gives to the
// group wgtray, as on Linux.
const (
	defaultStateDir   = "/Library/Application Support/wgtray"
	defaultSocketPath = "/var/run/wgtray/wgtray.sock"
)
