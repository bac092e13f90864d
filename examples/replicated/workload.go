package replicated

import (
	"fmt"

	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/engines/value"
	"github.com/proven2pc/proven/sim"
	"github.com/proven2pc/proven/workloads"
)

// Bug plants a known mistake in the client library, to show the check
// catches it. Its value is a word, so a seed file reads well.
type Bug string

const (
	// BugNone is the correct algorithm.
	BugNone Bug = ""
	// BugNoWriteBack skips a read's second phase: a read may return a
	// value that a later read no longer sees (a new-old inversion).
	BugNoWriteBack Bug = "no-write-back"
	// BugReadOne reads from the first replica that answers instead of a
	// majority: a read may miss a completed write.
	BugReadOne Bug = "read-one"
	// BugReuseTag lets a writer take a tag it used before: after a write
	// that reached only a minority, the next write may miss it and pick
	// the same tag for another value. This one was not planted: the
	// first version of Client had it, and seed 781 of
	// TestReplicatedRegister found it (testdata/proven holds the shrunk
	// seed file).
	BugReuseTag Bug = "reuse-tag"
)

// Workload tests the replicated register under Proven's harness: its
// value is its parameters, and a seed file records them.
type Workload struct {
	// Replicas is the number of replicas (default 3).
	Replicas int `json:"replicas,omitempty"`
	// Keys is the number of keys the clients use (default 3).
	Keys int `json:"keys,omitempty"`
	// Bug plants a mistake (default none).
	Bug Bug `json:"bug,omitempty"`
}

// Name names the workload in seed files.
func (Workload) Name() string { return "replicated-register" }

// Build declares one run: a world with the replicas on crashable nodes,
// clients that read and write random keys through the ABD client, and the
// linearizability check with this package's model.
func (w Workload) Build(b *workloads.Builder) {
	replicas := max(w.Replicas, 1)
	if w.Replicas == 0 {
		replicas = 3
	}
	keys := max(w.Keys, 1)
	if w.Keys == 0 {
		keys = 3
	}
	world := b.World(sim.Config{Codec: Codec()})
	var addresses []sim.Addr
	for i := range replicas {
		node := world.AddNode(sim.NodeOptions{Name: fmt.Sprintf("replica%d", i+1), Crashable: true, Factory: NewReplica})
		addresses = append(addresses, sim.Addr{Node: node})
	}
	// Each client process has its own ABD client; values written are
	// unique, so the check can tell which write a read saw.
	clients := map[*sim.Process]*Client{}
	nextValue := int64(1)
	b.Operation(func(c workloads.Client) {
		process := workloads.Process(c)
		if clients[process] == nil {
			clients[process] = NewClient(process, addresses, w.Bug)
		}
		key := fmt.Sprintf("k%d", c.Rand().IntN(keys))
		if c.Rand().IntN(2) == 0 {
			read(c, clients[process], key)
			return
		}
		written := nextValue
		nextValue++
		write(c, clients[process], key, written)
	})
	b.Check("linearizable", CheckLinearizable)
}

// read records a read: ok with the value, or fail (a read that did not
// finish changed nothing).
func read(c workloads.Client, client *Client, key string) {
	pending := workloads.Invoke(c, checkers.FunctionRead, key, value.Null())
	got, err := client.Read(key)
	if err != nil {
		pending.Fail()
		return
	}
	pending.OK(value.Int(got))
}

// write records a write: ok, or info when it did not finish (the value
// may be stored at some replicas and show up later).
func write(c workloads.Client, client *Client, key string, written int64) {
	pending := workloads.Invoke(c, checkers.FunctionWrite, key, value.Int(written))
	if err := client.Write(key, written); err != nil {
		pending.Info(value.Null())
		return
	}
	pending.OK(value.Int(written))
}
