package tray

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"
)

// WindowProcess runs the window, a program of its own that links the GUI
// toolkit, so that the agent never loads it. The window reads commands, one
// a line, on its standard input ("show", "import", "import-file PATH") and
// ends when it is closed or its input ends.
type WindowProcess struct {
	Path string   // the window program
	Args []string // its arguments before the agent's own
	Log  *slog.Logger
	// Exited is called after the window process ended.
	Exited func()

	mu    sync.Mutex
	cmd   *exec.Cmd
	stdin io.WriteCloser
	done  chan struct{}
}

// WindowProgram is the name of the window program, found beside the
// agent's executable.
const WindowProgram = "wgtray-window"

// FindWindow returns the window program beside the running executable, or
// else on PATH.
func FindWindow() (string, error) {
	name := WindowProgram + exeSuffix
	if self, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(self), name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("find the window program %s beside wgtray or on PATH: %w; reinstall wgtray", name, err)
	}
	return p, nil
}

// Prepare starts the window process, hidden, when it is not running: the
// tray menu was opened, and Open may follow. The toolkit's start-up (GL
// context, fonts) then happens while the user moves to the entry; a
// window that is never shown ends by itself.
func (w *WindowProcess) Prepare() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.cmd == nil {
		if err := w.start(); err != nil {
			w.Log.Error("cannot start the window", "err", err)
		}
	}
}

// Open hands the window a command, starting it first when it is not
// running.
func (w *WindowProcess) Open(command string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.cmd == nil {
		if err := w.start(); err != nil {
			w.Log.Error("cannot open the window", "err", err)
			return
		}
	}
	if _, err := io.WriteString(w.stdin, command+"\n"); err != nil {
		w.Log.Error("cannot reach the window", "err", err)
	}
}

func (w *WindowProcess) start() error {
	cmd := exec.Command(w.Path, append(w.Args, "--agent")...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", w.Path, err)
	}
	w.cmd, w.stdin, w.done = cmd, stdin, make(chan struct{})
	go func() {
		err := cmd.Wait()
		w.Log.Debug("window ended", "err", err)
		w.mu.Lock()
		if w.cmd == cmd {
			w.cmd, w.stdin = nil, nil
		}
		close(w.done)
		w.mu.Unlock()
		if w.Exited != nil {
			w.Exited()
		}
	}()
	return nil
}

// Close ends the window: its input ends, and after 3 s it is killed.
func (w *WindowProcess) Close() {
	w.mu.Lock()
	cmd, stdin, done := w.cmd, w.stdin, w.done
	w.mu.Unlock()
	if cmd == nil {
		return
	}
	stdin.Close()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		cmd.Process.Kill()
		<-done
	}
}
