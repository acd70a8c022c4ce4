package testnet

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	roleEnv    = "WGTRAY_TESTNET_ROLE"
	payloadEnv = "WGTRAY_TESTNET_PAYLOAD"
	// controlFD is the child's end of the pipe that carries Send's messages.
	controlFD = 3
	// ReceiveTimeout bounds how long Receive waits for a child's message.
	ReceiveTimeout = 60 * time.Second
)

// Role is the role a child test process was started with by StartTest, or ""
// in the parent (a normal `go test` run).
func Role() string { return os.Getenv(roleEnv) }

// Payload decodes the value the parent passed to StartTest.
func Payload(v any) error {
	if err := json.Unmarshal([]byte(os.Getenv(payloadEnv)), v); err != nil {
		return fmt.Errorf("decode the test payload: %w", err)
	}
	return nil
}

var control struct {
	sync.Mutex
	enc *json.Encoder
}

// Send passes v, encoded as JSON, from a child to the parent's Receive.
func Send(v any) error {
	control.Lock()
	defer control.Unlock()
	if control.enc == nil {
		control.enc = json.NewEncoder(os.NewFile(controlFD, "testnet-control"))
	}
	return control.enc.Encode(v)
}

// WaitForStop blocks a child until the parent calls Stop (or dies).
func WaitForStop() {
	_, _ = io.Copy(io.Discard, os.Stdin)
}

// Child is the test binary re-executed inside a namespace by StartTest.
type Child struct {
	*Process
	stdin    io.WriteCloser
	messages chan []byte
}

// StartTest re-executes the running test binary inside the namespace,
// running only the calling test or benchmark (t.Name(); a benchmark runs
// once), with Role() == role and payload
// readable through Payload. The child talks back through Send; it should
// call WaitForStop after bringing up what the test needs, then clean up and
// return normally. t.Cleanup kills a child the test did not stop.
func (ns *Namespace) StartTest(t testing.TB, role string, payload any) *Child {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"netns", "exec", ns.Name, exe, "-test.run=" + runPattern(t.Name())}
	if strings.HasPrefix(t.Name(), "Benchmark") {
		args = append(args, "-test.run=^$", "-test.bench="+runPattern(t.Name()), "-test.benchtime=1x")
	}
	cmd := exec.Command("ip", append(args, "-test.v", "-test.count=1", "-test.timeout=20m")...)
	cmd.Env = append(childEnv(), roleEnv+"="+role, payloadEnv+"="+string(data))
	cmd.ExtraFiles = []*os.File{w}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	c := &Child{stdin: stdin, messages: make(chan []byte, 16)}
	c.Process = startProcess(t, cmd)
	w.Close()
	go func() {
		defer r.Close()
		defer close(c.messages)
		sc := bufio.NewScanner(r)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			c.messages <- append([]byte(nil), sc.Bytes()...)
		}
	}()
	return c
}

// Receive waits for the child's next Send and decodes it into v. It fails
// the test if the child exits first or nothing arrives in ReceiveTimeout.
func (c *Child) Receive(t testing.TB, v any) {
	t.Helper()
	if !c.ReceiveWithin(t, ReceiveTimeout, v) {
		t.Fatalf("no message from the child in %s:\n%s", ReceiveTimeout, c.Output())
	}
}

// ReceiveWithin is Receive that waits at most d and reports whether a
// message came.
func (c *Child) ReceiveWithin(t testing.TB, d time.Duration, v any) bool {
	t.Helper()
	select {
	case msg, ok := <-c.messages:
		if !ok {
			_ = c.Process.Wait(5 * time.Second)
			t.Fatalf("the child exited without sending a message:\n%s", c.Output())
		}
		if err := json.Unmarshal(msg, v); err != nil {
			t.Fatalf("decode the child's message %q: %v", msg, err)
		}
		return true
	case <-time.After(d):
		return false
	}
}

// Stop tells the child to finish (its WaitForStop returns) and waits for it;
// the test fails if the child fails or does not exit within a minute.
func (c *Child) Stop(t testing.TB) {
	t.Helper()
	c.stdin.Close()
	if err := c.Process.Wait(time.Minute); err != nil {
		t.Errorf("child: %v", err)
	}
	if t.Failed() || testing.Verbose() {
		t.Logf("child output:\n%s", c.Output())
	}
}

// runPattern is a -test.run pattern matching exactly the test called name
// (subtests included as `Parent/sub`).
func runPattern(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return strings.Join(parts, "/")
}
