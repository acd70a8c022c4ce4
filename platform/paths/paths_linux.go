package paths

const (
	defaultStateDir   = "/var/lib/wgtray"
	defaultSocketPath = "/run/wgtray/wgtray.sock"
)
