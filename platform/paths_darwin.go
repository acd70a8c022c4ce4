package platform

const (
	defaultStateDir   = "/Library/Application Support/wgtray"
	defaultSocketPath = "/var/run/wgtray.sock"
)
