package cluster

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/proven2pc/proven/coordinator"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/kv"
	"github.com/proven2pc/proven/internal/assert"
	"github.com/proven2pc/proven/sim"
)

// The plan is drawn from the seed's "faults/plan" stream, exactly as a
// caller of sim.DrawFaultPlan on that stream gets it (so runs that moved
// from drawing by hand to Config keep their fingerprints), and in swarm
// mode its code fault sites and topology from "faults/sites" and
// "topology"; a recorded plan is imposed as is; without a mode, phase or
// plan there is no schedule.
func TestFaultPlanComesFromTheConfig(t *testing.T) {
	swarm := sim.FaultMode{Swarm: true}
	for seed := uint64(1); seed <= 20; seed++ {
		c := New(Config{Seed: seed, Streams: []StreamSpec{KV("a")}, Faults: swarm, FaultPhase: 3 * time.Second})
		reference := sim.NewWorld(sim.Config{Seed: seed})
		want := sim.DrawFaultPlan(swarm, reference.Rand("faults/plan"), 3*time.Second)
		want.Sites = sim.DrawSites(reference.Rand("faults/sites"))
		want.Topology = sim.DrawTopology(reference.Rand("topology"))
		if got := c.FaultPlan(); got != want {
			t.Fatalf("seed %d: plan %v (phase %v, sites %v, topology %v), want %v (phase %v, sites %v, topology %v)", seed,
				got, got.FaultPhase, got.Sites, got.Topology, want, want.FaultPhase, want.Sites, want.Topology)
		}
		c.World.Close()
		reference.Close()
	}
	recorded := sim.FaultPlan{Families: sim.FamilyCrash, FaultPhase: time.Second}
	recorded.Intensity[4] = 0.5
	imposed := New(Config{Seed: 1, Streams: []StreamSpec{KV("a")}, Faults: swarm, FaultPlan: &recorded})
	defer imposed.World.Close()
	if imposed.FaultPlan() != recorded {
		t.Fatalf("imposed plan %v, want the recorded %v", imposed.FaultPlan(), recorded)
	}
	defaulted := New(Config{Seed: 1, Streams: []StreamSpec{KV("a")}, Faults: sim.FaultMode{Families: sim.FamilyLoss}})
	defer defaulted.World.Close()
	if defaulted.FaultPlan().FaultPhase != DefaultFaultPhase || defaulted.World.Healed() {
		t.Fatalf("a mode alone: phase %v, healed %t; want %v and a running schedule",
			defaulted.FaultPlan().FaultPhase, defaulted.World.Healed(), DefaultFaultPhase)
	}
	calm := New(Config{Seed: 1, Streams: []StreamSpec{KV("a")}})
	defer calm.World.Close()
	if calm.FaultPlan() != (sim.FaultPlan{}) || !calm.World.Healed() {
		t.Fatalf("no faults asked: plan %v, healed %t; want none and healed", calm.FaultPlan(), calm.World.Healed())
	}
}

// With FaultsAfterSetup the schedule waits for StartFaults: a setup runs
// with no fault, then the fault phase runs its full length from there.
func TestFaultsAfterSetupWaitForStartFaults(t *testing.T) {
	c := New(Config{Seed: 7, Streams: []StreamSpec{KV("a"), KV("b")}, Faults: sim.FaultMode{Families: sim.FamilyAll},
		FaultPhase: 2 * time.Second, FaultsAfterSetup: true, VirtualTimeMax: time.Minute})
	defer c.World.Close()
	ctx := context.Background()
	var startedAt, healedAt int64
	c.Spawn("setup", func(p *sim.Process, coord *coordinator.Coordinator) {
		p.Sleep(time.Second)
		if len(c.World.Faults()) != 0 || !c.World.Healed() {
			p.Fail("faults before StartFaults: %v", c.World.Faults())
			return
		}
		tx := coord.Begin(ctx, 5*time.Second)
		if err := kv.New(tx, "a").PutInt(ctx, "k", 1); err != nil {
			p.Fail("setup put: %v", err)
			return
		}
		if err := tx.Commit(ctx); err != nil {
			p.Fail("setup commit: %v", err)
			return
		}
		startedAt = c.World.Now()
		c.StartFaults()
		for !c.World.Healed() {
			p.Sleep(10 * time.Millisecond)
		}
		healedAt = c.World.Now()
	})
	if result := c.World.Run(); result.Verdict != sim.VerdictOK {
		t.Fatalf("%s: %s", result.Failure, result.Reason)
	}
	if len(c.World.Faults()) < 2 {
		t.Fatalf("fault log %v: want faults and a heal", c.World.Faults())
	}
	if first := c.World.Faults()[0].AtNanos; first < startedAt {
		t.Fatalf("first fault at %v, before StartFaults at %v", time.Duration(first), time.Duration(startedAt))
	}
	if phase := time.Duration(healedAt - startedAt); phase < 2*time.Second || phase > 2*time.Second+20*time.Millisecond {
		t.Fatalf("healed %v after StartFaults, want the 2s fault phase", phase)
	}
}

// Spawn places processes on the client nodes in turn, each with its own
// coordinator.
func TestSpawnRoundRobinsOverClientNodes(t *testing.T) {
	c := New(Config{Seed: 1, Streams: []StreamSpec{KV("a")}, Clients: 3})
	defer c.World.Close()
	var nodes []sim.NodeID
	coordinators := map[*coordinator.Coordinator]bool{}
	for range 5 {
		c.Spawn("p", func(p *sim.Process, coord *coordinator.Coordinator) {
			nodes = append(nodes, p.Addr().Node)
			coordinators[coord] = true
		})
	}
	if result := c.World.Run(); result.Verdict != sim.VerdictOK {
		t.Fatalf("%s: %s", result.Failure, result.Reason)
	}
	want := []sim.NodeID{c.Clients[0], c.Clients[1], c.Clients[2], c.Clients[0], c.Clients[1]}
	if len(nodes) != len(want) || len(coordinators) != len(want) {
		t.Fatalf("%d processes ran with %d coordinators, want %d each", len(nodes), len(coordinators), len(want))
	}
	for i := range want {
		if nodes[i] != want[i] {
			t.Fatalf("process %d on n%d, want n%d (nodes %v)", i, nodes[i], want[i], nodes)
		}
	}
}

// Misuse is a programming error: it panics with a *assert.Violation
// naming the mistake.
func TestMisusePanicsNamingTheMistake(t *testing.T) {
	cases := []struct {
		name, want string
		misuse     func()
	}{
		{"stream without a name", "has no name", func() { New(Config{Streams: []StreamSpec{{Restore: kv.Restore}}}) }},
		{"stream without an engine", `stream "a" has no engine`, func() { New(Config{Streams: []StreamSpec{{Name: "a"}}}) }},
		{"stream twice", `stream "a" is registered twice`, func() { New(Config{Streams: []StreamSpec{KV("a"), SQL("a")}}) }},
		{"StartFaults without FaultsAfterSetup", "without Config.FaultsAfterSetup", func() {
			c := New(Config{Streams: []StreamSpec{KV("a")}})
			defer c.World.Close()
			c.StartFaults()
		}},
		{"StartFaults twice", "called twice", func() {
			c := New(Config{Streams: []StreamSpec{KV("a")}, FaultsAfterSetup: true})
			defer c.World.Close()
			c.StartFaults()
			c.StartFaults()
		}},
		{"unknown stream", `stream "b" is not one of Config.Streams`, func() {
			c := New(Config{Streams: []StreamSpec{KV("a")}})
			defer c.World.Close()
			c.ProcessorNode("b")
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				var violation *assert.Violation
				recovered, _ := recover().(error)
				if !errors.As(recovered, &violation) || !strings.Contains(violation.Message, c.want) {
					t.Fatalf("recovered %v, want a violation naming %q", recovered, c.want)
				}
			}()
			c.misuse()
		})
	}
}

// A client naming a stream the cluster does not have: a snapshot read
// fails the run with a message naming the stream (not a crash somewhere
// in the simulator); a read-write operation gets no answer and aborts at
// its deadline, naming the stream.
func TestAnUnknownStreamFailsTheRun(t *testing.T) {
	c := New(Config{Seed: 1, Streams: []StreamSpec{KV("a")}})
	defer c.World.Close()
	c.Spawn("typo", func(p *sim.Process, coord *coordinator.Coordinator) {
		_, _, _ = kv.New(coord.BeginReadOnly(context.Background()), "users").GetString(context.Background(), "k")
	})
	result := c.World.Run()
	if result.Verdict != sim.VerdictFail || !strings.Contains(result.Reason, `stream "users" is not one of Config.Streams`) {
		t.Fatalf("verdict %s: %s; want a failure naming the stream", result.Verdict, result.Reason)
	}
	writer := New(Config{Seed: 1, Streams: []StreamSpec{KV("a")}})
	defer writer.World.Close()
	var err error
	writer.Spawn("typo", func(p *sim.Process, coord *coordinator.Coordinator) {
		err = kv.New(coord.Begin(context.Background(), time.Second), "users").PutString(context.Background(), "k", "v")
	})
	if result := writer.World.Run(); result.Verdict != sim.VerdictOK {
		t.Fatalf("%s: %s", result.Failure, result.Reason)
	}
	if !errors.Is(err, engines.ErrAborted) || !strings.Contains(err.Error(), "users") {
		t.Fatalf("put on an unknown stream: %v; want an abort naming the stream", err)
	}
}
