package replicated_test

import (
	"testing"
	"time"

	"github.com/proven2pc/proven/examples/replicated"
	"github.com/proven2pc/proven/sim"
)

// TestAScriptedInterleaving writes a scenario by hand, in one world:
// a writer stores 7, a replica then crashes, and only then does a reader
// (told by a sim.Cond, not by polling) read the key from the replicas
// left, which must return 7. The reader runs on its own node, so its
// messages cross the network like any client's.
func TestAScriptedInterleaving(t *testing.T) {
	world := sim.NewWorld(sim.Config{Seed: 1, Codec: replicated.Codec(), VirtualTimeMax: time.Minute})
	defer world.Close()
	var replicas []sim.Addr
	for _, name := range []string{"replica1", "replica2", "replica3"} {
		replicas = append(replicas, sim.Addr{Node: world.AddNode(sim.NodeOptions{Name: name, Crashable: true, Factory: replicated.NewReplica})})
	}
	written := sim.NewCond(world)
	done := false
	world.Spawn(world.AddNode(sim.NodeOptions{Name: "writer"}), "writer", func(p *sim.Process) {
		if err := replicated.NewClient(p, replicas, replicated.BugNone).Write("k", 7); err != nil {
			p.Fail("write: %v", err)
			return
		}
		world.Crash(replicas[0].Node)
		done = true
		written.Broadcast()
	})
	var read int64
	world.Spawn(world.AddNode(sim.NodeOptions{Name: "reader"}), "reader", func(p *sim.Process) {
		for !done {
			written.Wait(p, -1)
		}
		got, err := replicated.NewClient(p, replicas, replicated.BugNone).Read("k")
		if err != nil {
			p.Fail("read: %v", err)
		}
		read = got
	})
	if result := world.Run(); result.Verdict != sim.VerdictOK {
		t.Fatalf("%s: %s", result.Failure, result.Reason)
	}
	if read != 7 {
		t.Fatalf("read %d after the write of 7 finished, with one replica down", read)
	}
}
