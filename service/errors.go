package service

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/wgtray/wgtray/platform/netconf"
	"github.com/wgtray/wgtray/service/api"
	"github.com/wgtray/wgtray/tunnel"
)

// apiError is an error with the HTTP status and the stable code the API
// answers with.
type apiError struct {
	status int
	code   string
	msg    string
}

func (e *apiError) Error() string { return e.msg }

func errorf(status int, code, format string, args ...any) error {
	return &apiError{status: status, code: code, msg: fmt.Sprintf(format, args...)}
}

func notFound(name string) error {
	return errorf(http.StatusNotFound, api.CodeNotFound, "there is no tunnel %q", name)
}

// startCodes name the reasons a tunnel does not come up that its user can
// act on; any other reason is CodeTunnelFailed.
var startCodes = []struct {
	err  error
	code string
}{
	{tunnel.ErrEndpointUnresolvable, api.CodeEndpointUnresolvable},
	{tunnel.ErrNoTUN, api.CodeNoTUN},
	{tunnel.ErrAddressConflict, api.CodeAddressConflict},
	{netconf.ErrRouteConflict, api.CodeRouteConflict},
	{tunnel.ErrNoPrivateKey, api.CodeNoPrivateKey},
}

// startFailed is the API's answer to an up that failed with err, which
// names the tunnel already (tunnel.Start's errors begin "bring up NAME").
func startFailed(err error) error {
	code := api.CodeTunnelFailed
	for _, c := range startCodes {
		if errors.Is(err, c.err) {
			code = c.code
			break
		}
	}
	return errorf(http.StatusBadGateway, code, "%v", err)
}

func forbiddenTunnel(name string) error {
	return errorf(http.StatusForbidden, api.CodeForbidden, "tunnel %q belongs to another user; only its owner or root may change it", name)
}

// asAPIError maps any error to what the API answers.
func asAPIError(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	return &apiError{status: http.StatusInternalServerError, code: api.CodeInternal, msg: err.Error()}
}
