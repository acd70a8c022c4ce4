// Package service is wgtrayd, the privileged service: it keeps the tunnels
// (one state machine each) in its state directory without their secrets,
// runs them with the tunnel package, enforces the kill switch, and answers
// the local HTTP+JSON API on a socket that only root and the group wgtray
// may use.
package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/wgtray/wgtray/platform/firewall"
	"github.com/wgtray/wgtray/platform/ipc"
	"github.com/wgtray/wgtray/platform/paths"
	"github.com/wgtray/wgtray/platform/seal"
	"github.com/wgtray/wgtray/service/api"
	"github.com/wgtray/wgtray/tunnel"
	"github.com/wgtray/wgtray/version"
)

// Options configure Run.
type Options struct {
	StateDir string    // paths.StateDir() when empty
	Socket   string    // paths.SocketPath() when empty
	Log      io.Writer // where the log goes besides the ring buffer; nil for nowhere
}

// endpointFollowInterval is how often the kill switch picks up endpoints
// that roamed or were resolved again.
const endpointFollowInterval = 5 * time.Second

// Run is the service: it returns when ctx is done (after bringing every
// tunnel down, remembering which should be up) or when it cannot start.
func Run(ctx context.Context, opts Options) error {
	if opts.StateDir == "" {
		opts.StateDir = paths.StateDir()
	}
	if opts.Socket == "" {
		opts.Socket = paths.SocketPath()
	}
	ring := newRingLog(opts.Log)
	log := ring.logger()
	log.Info("wgtrayd starting", "version", version.String(), "state", opts.StateDir, "socket", opts.Socket)

	st, err := openStore(opts.StateDir)
	if err != nil {
		return err
	}
	recovery := filepath.Join(opts.StateDir, "recovery")
	if err := tunnel.Recover(recovery, log); err != nil {
		log.Error("cleaning up after the previous run failed", "error", err.Error())
	}

	events := newBroker()
	set, err := st.loadSettings()
	if err != nil {
		// Fail closed: a damaged settings file must not open the firewall.
		log.Error("kill-switch settings are damaged; blocking until they are set again", "error", err.Error())
		set = settings{KillSwitch: api.KillSwitchAlways}
	}
	ks := newKillSwitch(log, st, firewall.NewFirewall(log), events, set)
	mgr := newManager(log, ring, st, newTunnelEngine(log, recovery), events, ks)
	mgr.sealed, mgr.sealErr = seal.New(filepath.Join(opts.StateDir, "sealed"))
	if mgr.sealErr != nil {
		log.Warn("tunnels cannot start at boot", "error", mgr.sealErr.Error())
	}
	if err := mgr.load(); err != nil {
		return err
	}
	if mgr.trusted.list, err = st.loadTrusted(); err != nil {
		// Trusting nothing favours the VPN.
		log.Error("the trusted networks are damaged; trusting none until they are added again", "error", err.Error())
	}
	mgr.sweepSealed()
	mgr.reconcileKillSwitch()

	l, err := ipc.ListenIPC(opts.Socket)
	if err != nil {
		return err
	}
	srv := newServer(log, ring, mgr, ks, events)
	stop := make(chan struct{})
	go ks.follow(mgr.refreshEndpoints, endpointFollowInterval, stop)
	go mgr.watchNetwork(stop)
	served := make(chan error, 1)
	go func() { served <- srv.serve(l) }()
	log.Info("wgtrayd ready", "socket", opts.Socket)
	booted := make(chan struct{})
	go func() {
		defer close(booted)
		mgr.startAtBoot()
	}()

	select {
	case <-ctx.Done():
	case err = <-served:
		err = fmt.Errorf("serve the API: %w", err)
	}
	close(stop)
	log.Info("wgtrayd stopping")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if serr := srv.shutdown(sctx); serr != nil && !errors.Is(serr, context.DeadlineExceeded) {
		log.Warn("closing the API", "error", serr.Error())
	}
	mgr.shutdown()
	<-booted
	ks.close()
	log.Info("wgtrayd stopped")
	return err
}
