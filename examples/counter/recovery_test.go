package counter

import (
	"strings"
	"testing"
	"time"

	"github.com/proven2pc/proven/sim"
)

// damageAndRestart runs a world with the server and one client that makes
// three increments, then damages the server's log copies as told (file ->
// record index), crashes and restarts the server, and reads the value
// back. It returns the run's result and the value read.
func damageAndRestart(damage map[string]int) (sim.Result, int64) {
	w := sim.NewWorld(sim.Config{Seed: 1, Codec: Codec(), VirtualTimeMax: time.Minute})
	defer w.Close()
	server := w.AddNode(sim.NodeOptions{Name: "server", Crashable: true, Factory: func() sim.Node { return &Server{} }})
	client := w.AddNode(sim.NodeOptions{Name: "client"})
	value := int64(-1)
	w.Spawn(client, "client", func(p *sim.Process) {
		for request := range uint64(3) {
			_ = p.Send(sim.Addr{Node: server}, MsgIncrement{Request: request})
			if _, ok := receiveFor(p, request, time.Second); !ok {
				p.Fail("increment %d not acknowledged without faults", request)
				return
			}
		}
		for _, file := range []string{walFile, mirrorFile} {
			if index, ok := damage[file]; ok && !w.Disk(server).Corrupt(file, index, w.Rand("test/damage")) {
				p.Fail("could not damage %s[%d]", file, index)
				return
			}
		}
		w.CrashFor(server, 10*time.Millisecond)
		p.Sleep(50 * time.Millisecond)
		_ = p.Send(sim.Addr{Node: server}, MsgRead{Request: 1})
		if _, message, ok := p.Receive(time.Second); ok {
			value = message.(MsgReadReply).Value
		}
	})
	return w.Run(), value
}

// A record damaged in one copy is taken from the other: the restarted
// server keeps every acknowledged increment.
func TestRecoveryRepairsARecordDamagedInOneCopy(t *testing.T) {
	for _, file := range []string{walFile, mirrorFile} {
		result, value := damageAndRestart(map[string]int{file: 1})
		if result.Verdict != sim.VerdictOK || value != 3 {
			t.Fatalf("damaged %s[1]: %s %s, value %d; want ok and 3", file, result.Verdict, result.Reason, value)
		}
	}
}

// A record damaged in both copies, with an acknowledged record after it,
// cannot be recovered: the restart fails the run, naming the record,
// rather than ending the log before it and losing two acknowledged
// increments without a word.
func TestRecoveryFailsOnARecordDamagedInBothCopies(t *testing.T) {
	result, _ := damageAndRestart(map[string]int{walFile: 1, mirrorFile: 1})
	if result.Verdict != sim.VerdictFail || !strings.Contains(result.Reason, "record 1 is damaged in both wal and wal.mirror") {
		t.Fatalf("verdict %s: %s; want a failure naming record 1", result.Verdict, result.Reason)
	}
}
