//go:build !linux

package tunnel

import "errors"

// watchResume: only Linux has logind; the sleep clock tells a resume here.
func watchResume(<-chan struct{}) (<-chan struct{}, error) {
	return nil, errors.New("no logind on this OS")
}
