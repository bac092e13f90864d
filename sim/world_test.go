package sim

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestPingPongBetweenProcessAndServer(t *testing.T) {
	w := newTestWorld(1)
	defer w.Close()
	server := w.AddNode(NodeOptions{Factory: echoFactory})
	client := w.AddNode(NodeOptions{})
	var got []int
	w.Spawn(client, "client", func(p *Process) {
		for i := range 5 {
			if err := p.Send(Addr{Node: server}, msgPing{Number: i}); err != nil {
				p.Fail("send: %v", err)
			}
			_, message, ok := p.Receive(time.Second)
			if !ok {
				p.Fail("no pong for ping %d", i)
				return
			}
			got = append(got, message.(msgPong).Number)
		}
	})
	result := w.Run()
	if result.Verdict != VerdictOK {
		t.Fatalf("verdict %s: %s", result.Verdict, result.Reason)
	}
	if len(got) != 5 || got[4] != 4 {
		t.Fatalf("pongs %v, want 0..4", got)
	}
	if result.VirtualNanos <= 0 {
		t.Fatalf("virtual time did not advance: %d", result.VirtualNanos)
	}
}

func TestSameSeedSameFingerprintDifferentSeedDifferent(t *testing.T) {
	run := func(seed uint64) Result {
		w := newTestWorld(seed)
		defer w.Close()
		server := w.AddNode(NodeOptions{Factory: echoFactory, Crashable: true})
		for c := range 3 {
			node := w.AddNode(NodeOptions{})
			w.Spawn(node, "client"+string(rune('a'+c)), func(p *Process) {
				for i := range 20 {
					_ = p.Send(Addr{Node: server}, msgPing{Number: i})
					p.Receive(time.Duration(p.Rand().IntN(50)+1) * time.Millisecond)
				}
			})
		}
		w.StartFaults(DrawFaultPlan(FaultMode{Families: FamilyAll}, w.Rand("plan"), 500*time.Millisecond))
		return w.Run()
	}
	seen := map[uint64]uint64{}
	for seed := uint64(1); seed <= 50; seed++ {
		first, second := run(seed), run(seed)
		if first.Fingerprint != second.Fingerprint || first.Events != second.Events {
			t.Fatalf("seed %d: runs differ: %x/%d vs %x/%d", seed, first.Fingerprint, first.Events,
				second.Fingerprint, second.Events)
		}
		if other, dup := seen[first.Fingerprint]; dup {
			t.Fatalf("seeds %d and %d share fingerprint %x", other, seed, first.Fingerprint)
		}
		seen[first.Fingerprint] = seed
	}
}

func TestCrashKillsProcessesAndRestartRebuildsFromDisk(t *testing.T) {
	w := newTestWorld(7)
	defer w.Close()
	node := w.AddNode(NodeOptions{Factory: func() Node { return &diskNode{} }, Crashable: true})
	unwound := false
	w.Spawn(node, "victim", func(p *Process) {
		defer func() { unwound = true }()
		p.Sleep(time.Hour)
		p.Fail("a process on a crashed node kept running")
	})
	w.After(time.Second, func() { w.CrashFor(node, time.Second) })
	result := w.RunFor(3 * time.Second)
	if result.Verdict != VerdictOK {
		t.Fatalf("verdict %s: %s", result.Verdict, result.Reason)
	}
	if !unwound {
		t.Fatal("the process's deferred calls did not run when its node crashed")
	}
	server := w.Server(node).(*diskNode)
	if server.boots != 2 || server.recovered != 1 {
		t.Fatalf("boots=%d recovered=%d, want a restart that found the one synced record", server.boots, server.recovered)
	}
}

// diskNode appends one synced and one unsynced record at its first boot.
type diskNode struct{ boots, recovered int }

func (d *diskNode) Start(ctx *NodeContext) {
	records, err := ctx.Disk().Read("log")
	d.recovered = len(records)
	if err != nil && !errors.Is(err, ErrNoFile) {
		ctx.Fail("read: %v", err)
	}
	d.boots = d.recovered + 1
	if d.recovered == 0 {
		ctx.Disk().Append("log", []byte("synced"))
		ctx.Disk().Sync("log")
		ctx.Disk().Append("log", []byte("volatile"))
	}
}
func (d *diskNode) Receive(*NodeContext, Addr, any) {}
func (d *diskNode) Timer(*NodeContext, uint64)      {}

func TestPausedNodeMissesNothing(t *testing.T) {
	w := newTestWorld(3)
	defer w.Close()
	server := w.AddNode(NodeOptions{Factory: echoFactory, Crashable: true})
	client := w.AddNode(NodeOptions{})
	var answeredAt int64
	w.Spawn(client, "client", func(p *Process) {
		p.Sleep(10 * time.Millisecond)
		_ = p.Send(Addr{Node: server}, msgPing{Number: 1})
		if _, _, ok := p.Receive(-1); ok {
			answeredAt = w.Now()
		}
	})
	w.After(5*time.Millisecond, func() { w.Pause(server) })
	w.After(time.Second, func() { w.Resume(server) })
	if result := w.Run(); result.Verdict != VerdictOK {
		t.Fatalf("verdict %s: %s", result.Verdict, result.Reason)
	}
	if answeredAt < int64(time.Second) {
		t.Fatalf("answered at %v, before the paused server resumed", time.Duration(answeredAt))
	}
}

func TestBoundsAreLivenessFailures(t *testing.T) {
	w := NewWorld(Config{Seed: 1, Codec: testCodec(), VirtualTimeMax: time.Second})
	defer w.Close()
	node := w.AddNode(NodeOptions{})
	w.Spawn(node, "sleeper", func(p *Process) { p.Sleep(time.Hour) })
	result := w.Run()
	if result.Failure != FailureLiveness || !strings.Contains(result.Reason, "virtual time bound") {
		t.Fatalf("got %s %q, want a virtual-time liveness failure", result.Failure, result.Reason)
	}

	w2 := NewWorld(Config{Seed: 1, Codec: testCodec(), EventsMax: 100})
	defer w2.Close()
	node2 := w2.AddNode(NodeOptions{})
	w2.Spawn(node2, "spinner", func(p *Process) {
		for {
			p.Sleep(time.Millisecond)
		}
	})
	result = w2.Run()
	if result.Failure != FailureLiveness || !strings.Contains(result.Reason, "event bound") {
		t.Fatalf("got %s %q, want an event-bound liveness failure", result.Failure, result.Reason)
	}
}

func TestProcessPanicIsAFailingVerdict(t *testing.T) {
	w := newTestWorld(1)
	defer w.Close()
	node := w.AddNode(NodeOptions{})
	w.Spawn(node, "buggy", func(p *Process) {
		p.Sleep(time.Millisecond)
		var items []int
		_ = items[len(items)]
	})
	result := w.Run()
	if result.Failure != FailurePanic || !strings.Contains(result.Reason, "buggy") {
		t.Fatalf("got %s %q, want a panic failure naming the process", result.Failure, result.Reason)
	}
}

func TestParseSeed(t *testing.T) {
	for text, want := range map[string]uint64{"42": 42, "0x2a": 42, "0X2A": 42, "18446744073709551615": 1<<64 - 1} {
		got, err := ParseSeed(text)
		if err != nil || got != want {
			t.Errorf("ParseSeed(%q) = %d, %v; want %d", text, got, err, want)
		}
	}
	for _, text := range []string{"", "-1", "0x", "12a", "18446744073709551616", "0xg"} {
		if _, err := ParseSeed(text); !errors.Is(err, ErrBadSeed) || !strings.Contains(err.Error(), text) {
			t.Errorf("ParseSeed(%q) error %v; want ErrBadSeed naming the text", text, err)
		}
	}
}

func TestParseFaults(t *testing.T) {
	mode, err := ParseFaults("partition,crash")
	if err != nil || mode.Families != FamilyPartition|FamilyCrash || mode.String() != "partition,crash" {
		t.Fatalf("ParseFaults = %+v, %v", mode, err)
	}
	if _, err := ParseFaults("crash,bogus"); err == nil || !strings.Contains(err.Error(), `"bogus"`) {
		t.Fatalf("ParseFaults(bogus) error %v; want one naming bogus", err)
	}
	if mode, _ := ParseFaults("all"); mode.Families != FamilyAll {
		t.Fatalf("all = %v", mode.Families)
	}
	if mode, _ := ParseFaults("swarm"); !mode.Swarm {
		t.Fatal("swarm not parsed")
	}
}

// TestSendOfAnUnencodableMessageFailsTheRun: an encoding error is a bug in
// the code under test, so it fails the run instead of looking like loss.
func TestSendOfAnUnencodableMessageFailsTheRun(t *testing.T) {
	type unregistered struct{ N int }
	world := newTestWorld(1)
	defer world.Close()
	node := world.AddNode(NodeOptions{Name: "n"})
	world.Spawn(node, "sender", func(p *Process) {
		if err := p.Send(Addr{Node: node}, unregistered{N: 1}); err == nil {
			t.Errorf("Send of an unregistered type returned nil")
		}
	})
	result := world.Run()
	if result.Verdict != VerdictFail || !strings.Contains(result.Reason, "unregistered") {
		t.Fatalf("verdict %s reason %q, want a failure naming the message type", result.Verdict, result.Reason)
	}
}
