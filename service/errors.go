package service

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/wgtray/wgtray/service/api"
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
	return errorf(http.StatusNotFound, api.CodeNotFound, "there is no tunnel %q; `wgtrayd list` shows the tunnels", name)
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
