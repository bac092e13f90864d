package cluster

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/proven2pc/proven/coordinator"
	"github.com/proven2pc/proven/engines/kv"
	"github.com/proven2pc/proven/engines/wire"
	"github.com/proven2pc/proven/sim"
)

// transferRounds runs read-write transactions over a few streams each,
// then reads every stream in one snapshot; it fails the run unless every
// commit succeeds and the snapshot sees the last round.
func transferRounds(streams []string, rounds int, timeout time.Duration) func(*sim.Process, *coordinator.Coordinator) {
	return func(p *sim.Process, coord *coordinator.Coordinator) {
		ctx := context.Background()
		for round := range rounds {
			tx := coord.Begin(ctx, timeout)
			for i := range 3 {
				stream := streams[(round+i)%len(streams)]
				if err := kv.New(tx, stream).PutInt(ctx, "k", int64(round)); err != nil {
					p.Fail("round %d: put %s: %v", round, stream, err)
					return
				}
			}
			if err := tx.Commit(ctx); err != nil {
				p.Fail("round %d: commit: %v", round, err)
				return
			}
		}
		read := coord.BeginReadOnly(ctx)
		for i, stream := range streams {
			if _, found, err := kv.New(read, stream).GetInt(ctx, "k"); err != nil || !found {
				p.Fail("read %d %s: found %t, %v", i, stream, found, err)
			}
		}
	}
}

// transferRoundsLenient is transferRounds that takes failures as they
// come (faults abort transactions), reading every stream in a snapshot
// every tenth round.
func transferRoundsLenient(streams []string, rounds int, timeout time.Duration) func(*sim.Process, *coordinator.Coordinator) {
	return func(p *sim.Process, coord *coordinator.Coordinator) {
		ctx := context.Background()
		for round := range rounds {
			tx := coord.Begin(ctx, timeout)
			for i := range 3 {
				_ = kv.New(tx, streams[(round+i)%len(streams)]).PutInt(ctx, "k", int64(round))
			}
			_ = tx.Commit(ctx)
			if round%10 == 0 {
				read := coord.BeginReadOnly(ctx)
				for _, stream := range streams {
					_, _, _ = kv.New(read, stream).GetInt(ctx, "k")
				}
			}
			p.Sleep(20 * time.Millisecond)
		}
	}
}

// A topology of three log nodes puts stream i's log on log node i mod 3,
// each with a clock of its own; coordinators and processors route each
// stream's appends, subscriptions and reads to its node, so transactions
// across nodes commit and a snapshot reads them all.
func TestSpreadLogsRouteEachStreamToItsNode(t *testing.T) {
	streams := []string{"s1", "s2", "s3", "s4", "s5"}
	var specs []StreamSpec
	for _, name := range streams {
		specs = append(specs, KV(name))
	}
	plan := sim.FaultPlan{FaultPhase: time.Second, Topology: sim.Topology{LogNodes: 3, ClockSkew: 1}}
	c := New(Config{Seed: 5, Streams: specs, FaultPlan: &plan, VirtualTimeMax: time.Minute})
	defer c.World.Close()
	c.Spawn("client", transferRounds(streams, 30, 2*time.Second))
	if result := c.World.Run(); result.Verdict != sim.VerdictOK {
		t.Fatalf("%s: %s\n%s", result.Failure, result.Reason, result.Detail)
	}
	if len(c.Logs) != 3 || c.Topology() != plan.Topology {
		t.Fatalf("log nodes %v, topology %v", c.Logs, c.Topology())
	}
	offsets := map[int64]bool{}
	for i, id := range c.Logs {
		var want []string
		for j, stream := range streams {
			if j%3 == i {
				want = append(want, stream)
			}
		}
		name := "log"
		if i > 0 {
			name = fmt.Sprintf("log%d", i+1)
		}
		node, _ := c.World.Server(id).(*LogNode)
		if got := node.Service().Streams(); !slices.Equal(got, want) || c.World.NodeName(id) != name {
			t.Fatalf("log node %d (%s) holds %v, want %s holding %v", i, c.World.NodeName(id), got, name, want)
		}
		for _, stream := range want {
			if c.LogNodeID(stream) != id || c.LogNodeOf(stream) != node {
				t.Fatalf("stream %s routed to n%d, want n%d", stream, c.LogNodeID(stream), id)
			}
		}
		offsets[c.World.Clock(id).OffsetNanos()] = true
	}
	if len(offsets) != 3 {
		t.Fatalf("the log nodes' clocks share offsets: %v", offsets)
	}
}

// Code fault sites are on during the fault phase only: not during a
// setup before it, not after healing.
func TestSitesActDuringTheFaultPhaseOnly(t *testing.T) {
	plan := sim.FaultPlan{FaultPhase: time.Second, Sites: sim.SitesAll}
	c := New(Config{Seed: 1, Streams: []StreamSpec{KV("a")}, FaultPlan: &plan, FaultsAfterSetup: true})
	defer c.World.Close()
	on := func() []bool {
		var states []bool
		for i := range sim.SiteNames() {
			states = append(states, c.sites.on(sim.Site(i)))
		}
		return states
	}
	all := func(states []bool, want bool) bool {
		return !slices.ContainsFunc(states, func(state bool) bool { return state != want })
	}
	c.World.RunFor(100 * time.Millisecond)
	if states := on(); !all(states, false) {
		t.Fatalf("before the faults: %v", states)
	}
	c.StartFaults()
	c.World.RunFor(500 * time.Millisecond)
	if states := on(); !all(states, true) {
		t.Fatalf("during the fault phase: %v", states)
	}
	c.World.RunFor(time.Second)
	if states := on(); !all(states, false) {
		t.Fatalf("after healing: %v", states)
	}
}

// End to end, the deadline-stamp site stamps entries exactly at their
// transaction's deadline, and with the coarse clock every log timestamp
// of the fault phase sits on a 10ms tick; the transactions still commit
// or abort atomically (the cluster's runs check it; here: they finish).
func TestDeadlineStampAndCoarseClockReachTheLogs(t *testing.T) {
	streams := []string{"s1", "s2", "s3"}
	specs := []StreamSpec{KV("s1"), KV("s2"), KV("s3")}
	stamped := uint64(0)
	for seed := uint64(1); seed <= 5; seed++ {
		plan := sim.FaultPlan{FaultPhase: 3 * time.Second,
			Sites: sim.Sites(0).With(sim.SiteDeadlineStamp).With(sim.SiteCoarseClock)}
		c := New(Config{Seed: seed, Streams: specs, FaultPlan: &plan, VirtualTimeMax: time.Minute})
		c.Spawn("client", func(p *sim.Process, coord *coordinator.Coordinator) {
			ctx := context.Background()
			for round := range 200 {
				tx := coord.Begin(ctx, 12*time.Millisecond)
				for _, stream := range streams {
					_ = kv.New(tx, stream).PutInt(ctx, "k", int64(round))
				}
				_ = tx.Commit(ctx)
			}
		})
		if result := c.World.Run(); result.Verdict != sim.VerdictOK {
			t.Fatalf("seed %d: %s: %s\n%s", seed, result.Failure, result.Reason, result.Detail)
		}
		service := c.LogNode().Service()
		stamped += service.Stats().StampedAtDeadline
		for _, stream := range streams {
			for _, entry := range service.Read(stream, 1, 1<<20) {
				wall := entry.Timestamp.WallNanos
				if deadline, ok := wire.EntryDeadline(entry.Payload); ok && deadline == wall {
					continue // stamped at its deadline
				}
				if wall < int64(plan.FaultPhase) && wall%int64(coarseClockTick) != 0 && entry.Timestamp.Logical == 0 {
					t.Fatalf("seed %d: %s#%d at %v during the fault phase, off the coarse clock's tick", seed, stream,
						entry.Position, entry.Timestamp)
				}
			}
		}
		c.World.Close()
	}
	if stamped == 0 {
		t.Fatal("no entry was stamped at its deadline in 5 seeds")
	}
}
