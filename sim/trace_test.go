package sim

import (
	"bytes"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"
)

// A FingerprintedTrace ends every line with the running fingerprint; the
// run itself is the same with it, with a plain trace and without one.
func TestFingerprintedTraceEndsEveryLineWithTheFingerprint(t *testing.T) {
	run := func(trace io.Writer) Result {
		w := NewWorld(Config{Seed: 3, Codec: testCodec(), VirtualTimeMax: time.Minute, Trace: trace})
		defer w.Close()
		server := w.AddNode(NodeOptions{Factory: echoFactory, Crashable: true})
		client := w.AddNode(NodeOptions{})
		w.Spawn(client, "client", func(p *Process) {
			for i := range 5 {
				_ = p.Send(Addr{Node: server}, msgPing{Number: i})
				p.Receive(10 * time.Millisecond)
			}
		})
		w.StartFaults(DrawFaultPlan(FaultMode{Families: FamilyAll}, w.Rand("plan"), 20*time.Millisecond))
		return w.Run()
	}
	var fingerprinted, plain bytes.Buffer
	first, second, third := run(FingerprintedTrace{Writer: &fingerprinted}), run(&plain), run(nil)
	if first != second || second != third {
		t.Fatalf("the trace changed the run: %+v, %+v, %+v", first, second, third)
	}
	suffix := regexp.MustCompile(` #[0-9a-f]{16}$`)
	fingerprintedLines := strings.Split(strings.TrimSpace(fingerprinted.String()), "\n")
	plainLines := strings.Split(strings.TrimSpace(plain.String()), "\n")
	if len(fingerprintedLines) != len(plainLines) || len(plainLines) < 10 {
		t.Fatalf("%d fingerprinted lines, %d plain", len(fingerprintedLines), len(plainLines))
	}
	for i, line := range fingerprintedLines {
		if !suffix.MatchString(line) || line[:len(line)-18] != plainLines[i] {
			t.Fatalf("line %d: %q, plain %q", i, line, plainLines[i])
		}
	}
}
